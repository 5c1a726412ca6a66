// AlterPartition (op 45): a partition leader proposes a new ISR to the controller (KIP-497/841;
// docs/protocol.md §6.27). Controller listener.
//
//   request v1  = {"brokerId": uint, "incarnationId": text,
//                  "partitions": [* AlterPartitionItem]}  ; ≤ 10,000
//   AlterPartitionItem = {"topicId": text, "partition": uint,
//                  "leaderEpoch": uint, "partitionEpoch": uint,   ; [0, 2^31 - 1]
//                  "newIsr": [* uint]}                    ; broker ids
//   response v1 = {"partitions": [* AlterPartitionResult]}
//   AlterPartitionResult = {"topicId": text, "partition": int, "error": WireError / null,
//                  "state": CommittedPartition / null}
//   CommittedPartition = {"leader": int, "leaderEpoch": int, "partitionEpoch": int,
//                  "replicas": [* int], "isr": [* int]}
//
// Errors: NOT_CONTROLLER, STALE_BROKER_EPOCH; per partition FENCED_LEADER_EPOCH,
// INVALID_UPDATE_VERSION, INELIGIBLE_REPLICA, NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_ID.

import type {
  AlterPartitionReply,
  AlterPartitionRequest,
  CommittedPartition,
} from "../../../model/cluster.ts";
import { INT32_MAX, Shape } from "../shape.ts";
import { itemError, nodeId, nodeIdList } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

export const alterPartitionOp: OpModule<AlterPartitionRequest, AlterPartitionReply> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        topicId: shape.text(p, "topicId", path),
        partition: shape.partition(p, "partition", path),
        error: itemError(shape, p),
        state: shape.nullable(p, "state", (v) => readState(shape, v, `${path}.state`)),
      };
    }),
  }),
};

function readState(shape: Shape, value: unknown, path: string): CommittedPartition {
  const s = shape.map(value, path);
  return {
    leader: shape.safeInt(s, "leader", path),
    leaderEpoch: shape.safeInt(s, "leaderEpoch", path),
    partitionEpoch: shape.safeInt(s, "partitionEpoch", path),
    replicas: shape.intList(s, "replicas", path),
    isr: shape.intList(s, "isr", path),
  };
}

function requestV1(body: unknown): AlterPartitionRequest {
  const shape = new Shape("INVALID_REQUEST", "AlterPartition v1");
  const m = shape.map(body, "body");
  return {
    brokerId: nodeId(shape, m, "brokerId", "body"),
    incarnationId: shape.text(m, "incarnationId", "body"),
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        topicId: shape.text(p, "topicId", path),
        partition: shape.partition(p, "partition", path),
        leaderEpoch: shape.int(p, "leaderEpoch", path, 0, INT32_MAX),
        partitionEpoch: shape.int(p, "partitionEpoch", path, 0, INT32_MAX),
        newIsr: nodeIdList(shape, p, "newIsr", path),
      };
    }),
  };
}
