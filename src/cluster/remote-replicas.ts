// The replica manager's channel to the rest of the cluster: fetches and OffsetForLeaderEpoch
// go to the partition leader's broker listener (its "cbor" endpoint in the committed image),
// AlterPartition to the active controller through the router.
import type { ControllerService } from "../model/cluster.ts";
import type { ReplicaChannel } from "../replication/manager/replica-channel.ts";
import type { PeerLinks } from "./peer-links.ts";

export class RemoteReplicas implements ReplicaChannel {
  readonly #brokers: PeerLinks;
  readonly #controller: ControllerService;

  constructor(brokers: PeerLinks, controller: ControllerService) {
    this.#brokers = brokers;
    this.#controller = controller;
  }

  fetch: ReplicaChannel["fetch"] = (leaderId, request) =>
    this.#brokers.request(leaderId, "ReplicaFetch", request);

  epochEnd: ReplicaChannel["epochEnd"] = (leaderId, request) =>
    this.#brokers.request(leaderId, "OffsetForLeaderEpoch", request);

  alterPartition: ReplicaChannel["alterPartition"] = (request) =>
    this.#controller.alterPartition(request);
}
