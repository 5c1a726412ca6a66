// One well-formed request and response body per cluster operation, as the services of
// src/model/cluster.ts would hand them over: the round-trip, golden and dispatch tests share
// them.

import type { WireError } from "../../../../src/protocol/cbor/envelope.ts";
import type { OpName } from "../../../../src/protocol/cbor/op-codes.ts";
import type { RequestBody, ResponseBody } from "../../../../src/protocol/cbor/ops/index.ts";

const bytes = (...b: number[]) => new Uint8Array(b);
/** A per-item error as the wire carries it (the model's {code, message} plus retriable). */
const wire = (code: string, message: string, retriable: boolean): WireError => ({
  code,
  message,
  retriable,
});

export type ClusterOp =
  | "ReplicaFetch"
  | "OffsetForLeaderEpoch"
  | "BrokerRegistration"
  | "BrokerHeartbeat"
  | "MetadataFetch"
  | "AlterPartition"
  | "ControllerCreateTopics"
  | "ControllerDeleteTopics"
  | "ControllerCreatePartitions"
  | "AllocateProducerIds"
  | "ElectLeaders"
  | "RaftMessage"
  | "ControllerReassignPartitions"
  | "ControllerAlterConfigs";

export const CLUSTER_REQUESTS: { [K in ClusterOp]: RequestBody<K> } = {
  ReplicaFetch: {
    replicaId: 2,
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 8_388_608,
    partitions: [{ topic: "orders", partition: 0, currentLeaderEpoch: 3, fetchOffset: 42 }],
  },
  OffsetForLeaderEpoch: {
    replicaId: 2,
    partitions: [{ topic: "orders", partition: 0, currentLeaderEpoch: 3, leaderEpoch: 2 }],
  },
  BrokerRegistration: {
    clusterId: "hU3xQ2",
    brokerId: 2,
    incarnationId: "inc-7",
    endpoints: [{ listener: "cbor", host: "10.0.0.2", port: 9093 }],
    rack: "rack-b",
  },
  BrokerHeartbeat: { brokerId: 2, incarnationId: "inc-7", appliedOffset: 17, wantShutdown: false },
  MetadataFetch: { brokerId: 2, fromOffset: 18, maxWaitMs: 500, maxBytes: 1_048_576 },
  AlterPartition: {
    brokerId: 1,
    incarnationId: "inc-1",
    partitions: [{
      topicId: "t-1",
      partition: 0,
      leaderEpoch: 3,
      partitionEpoch: 5,
      newIsr: [1, 2],
    }],
  },
  ControllerCreateTopics: {
    topics: [{
      name: "orders",
      partitions: 3,
      replicationFactor: 3,
      configs: { "retention.ms": "1000" },
    }, {
      name: "__consumer_offsets",
      internal: true,
    }],
    validateOnly: false,
  },
  ControllerDeleteTopics: { names: ["orders", "nope"] },
  ControllerCreatePartitions: { topic: "orders", count: 6 },
  AllocateProducerIds: { brokerId: 2, count: 1000 },
  ElectLeaders: { partitions: [{ topic: "orders", partition: 1 }] },
  RaftMessage: { clusterId: "hU3xQ2", from: 1, to: 2, message: bytes(0x82, 0x01, 0x02) },
  ControllerReassignPartitions: {
    partitions: [
      { topic: "orders", partition: 0, replicas: [2, 3, 4] },
      { topic: "orders", partition: 1, replicas: null },
    ],
  },
  ControllerAlterConfigs: { topic: "orders", configs: { "retention.ms": "3600000" } },
};

export const CLUSTER_RESPONSES: { [K in ClusterOp]: ResponseBody<K> } = {
  ReplicaFetch: {
    partitions: [{
      topic: "orders",
      partition: 0,
      error: null,
      highWatermark: 43,
      logStartOffset: 0,
      logEndOffset: 44,
      records: bytes(0, 0, 0, 0, 0, 0, 0, 42, 0xff),
    }, {
      topic: "orders",
      partition: 1,
      error: wire("FENCED_LEADER_EPOCH", "epoch 3 is old", true),
      highWatermark: -1,
      logStartOffset: -1,
      logEndOffset: -1,
      records: bytes(),
    }],
  },
  OffsetForLeaderEpoch: {
    partitions: [{ topic: "orders", partition: 0, error: null, leaderEpoch: 2, endOffset: 40 }],
  },
  BrokerRegistration: { registeredAtOffset: 17 },
  BrokerHeartbeat: { fenced: false, caughtUp: true, shutdownReady: false },
  MetadataFetch: {
    epoch: 4,
    committedOffset: 19,
    snapshot: null,
    batches: [{ lastOffset: 18, epoch: 4, records: [] }, {
      lastOffset: 19,
      epoch: 4,
      records: [bytes(1, 2, 3), bytes(4)],
    }],
  },
  AlterPartition: {
    partitions: [{
      topicId: "t-1",
      partition: 0,
      error: null,
      state: { leader: 1, leaderEpoch: 3, partitionEpoch: 6, replicas: [1, 2, 3], isr: [1, 2] },
    }],
  },
  ControllerCreateTopics: {
    topics: [{ name: "orders", error: null, topicId: "t-9" }, {
      name: "__consumer_offsets",
      error: wire("TOPIC_ALREADY_EXISTS", "exists", false),
      topicId: null,
    }],
    committedOffset: 21,
  },
  ControllerDeleteTopics: {
    topics: [{ name: "orders", error: null }, {
      name: "nope",
      error: wire("UNKNOWN_TOPIC_OR_PARTITION", "unknown topic nope", true),
    }],
    committedOffset: 22,
  },
  ControllerCreatePartitions: { committedOffset: 23 },
  AllocateProducerIds: { start: 5000, committedOffset: 24 },
  ElectLeaders: { committedOffset: -1 },
  RaftMessage: {},
  ControllerReassignPartitions: {
    partitions: [
      {
        topic: "orders",
        partition: 0,
        replicas: [1, 2, 3, 4],
        isr: [1, 2, 3],
        leader: 1,
        targetReplicas: [2, 3, 4],
      },
      {
        topic: "orders",
        partition: 1,
        replicas: [1, 2],
        isr: [2],
        leader: -1,
        targetReplicas: null,
      },
    ],
    committedOffset: 25,
  },
  ControllerAlterConfigs: { committedOffset: 24 },
};

export const CLUSTER_OPS = Object.keys(CLUSTER_REQUESTS) as ClusterOp[];

/** Narrowing helper for loops over CLUSTER_OPS. */
export function isClusterOp(name: OpName): name is ClusterOp {
  return (CLUSTER_OPS as string[]).includes(name);
}
