// A controller on another node, reached over its controller listener: the ControllerService
// the router calls for voters that are not this node. Each method is one request; a refusal
// comes back as the TributaryError the controller threw (NOT_CONTROLLER makes the router move
// on). Raft messages go through send(), one-way.
import type { ControllerService, RaftEnvelope } from "../model/cluster.ts";
import type { PeerLinks } from "./peer-links.ts";

export class RemoteController implements ControllerService {
  readonly #links: PeerLinks;
  readonly #voterId: number;

  constructor(links: PeerLinks, voterId: number) {
    this.#links = links;
    this.#voterId = voterId;
  }

  registerBroker: ControllerService["registerBroker"] = (r) =>
    this.#links.request(this.#voterId, "BrokerRegistration", r);
  brokerHeartbeat: ControllerService["brokerHeartbeat"] = (r) =>
    this.#links.request(this.#voterId, "BrokerHeartbeat", r);
  fetchMetadata: ControllerService["fetchMetadata"] = (r) =>
    this.#links.request(this.#voterId, "MetadataFetch", r);
  alterPartition: ControllerService["alterPartition"] = (r) =>
    this.#links.request(this.#voterId, "AlterPartition", r);
  createTopics: ControllerService["createTopics"] = (r) =>
    this.#links.request(this.#voterId, "ControllerCreateTopics", r);
  deleteTopics: ControllerService["deleteTopics"] = (r) =>
    this.#links.request(this.#voterId, "ControllerDeleteTopics", r);
  createPartitions: ControllerService["createPartitions"] = (r) =>
    this.#links.request(this.#voterId, "ControllerCreatePartitions", r);
  alterTopicConfigs: ControllerService["alterTopicConfigs"] = (r) =>
    this.#links.request(this.#voterId, "ControllerAlterConfigs", r);
  allocateProducerIds: ControllerService["allocateProducerIds"] = (r) =>
    this.#links.request(this.#voterId, "AllocateProducerIds", r);
  electLeaders: ControllerService["electLeaders"] = (r) =>
    this.#links.request(this.#voterId, "ElectLeaders", r);
  reassignPartitions: ControllerService["reassignPartitions"] = (r) =>
    this.#links.request(this.#voterId, "ControllerReassignPartitions", r);

  receiveRaft(envelope: RaftEnvelope): void {
    this.#links.send(this.#voterId, "RaftMessage", envelope);
  }
}
