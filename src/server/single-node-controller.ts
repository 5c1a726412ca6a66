// What a single node answers for the controller operations clients may send to its CBOR
// listener: it grows a topic itself (its local metadata log is its controller). Everything else
// a controller does is a cluster's, and is refused with NOT_CONTROLLER as before.
import type { Broker } from "../broker/broker.ts";
import type { ControllerService } from "../model/cluster.ts";
import { TributaryError } from "../model/errors.ts";

export function singleNodeController(broker: Broker): ControllerService {
  const refuse = () =>
    Promise.reject(new TributaryError("NOT_CONTROLLER", "a single node has no controller quorum"));
  return {
    registerBroker: refuse,
    brokerHeartbeat: refuse,
    fetchMetadata: refuse,
    alterPartition: refuse,
    createTopics: refuse,
    deleteTopics: refuse,
    allocateProducerIds: refuse,
    createPartitions: async ({ topic, count }) => {
      await broker.createPartitions(topic, count);
      return { committedOffset: broker.metadataOffset };
    },
    alterTopicConfigs: refuse,
    electLeaders: refuse,
    reassignPartitions: refuse,
    receiveRaft: () => {},
  };
}
