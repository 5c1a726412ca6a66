// OffsetForLeaderEpoch (op 41): where a leader epoch ends on the partition leader, for a
// follower's truncation (KIP-101/279; docs/protocol.md §6.23). Broker listener.
//
//   request v1  = {"replicaId": uint,                     ; [0, 2^31 - 1]
//                  "partitions": [* EpochQuery]}          ; ≤ 1,000 entries
//   EpochQuery  = {"topic": text, "partition": uint,
//                  "currentLeaderEpoch": int,             ; [-1, 2^31 - 1]
//                  "leaderEpoch": uint}                   ; [0, 2^31 - 1]
//   response v1 = {"partitions": [* EpochEnd]}            ; one per query, in request order
//   EpochEnd    = {"topic": text, "partition": int, "error": WireError / null,
//                  "leaderEpoch": int, "endOffset": int}  ; -1 and -1 when unknown
//
// Errors: NOT_LEADER_OR_FOLLOWER (request level when the broker runs no replica manager),
// per partition FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_OR_PARTITION.

import type { EpochEndQuery, EpochEndReply } from "../../../model/cluster.ts";
import { FETCH_PARTITIONS_MAX } from "../../../model/limits.ts";
import { INT32_MAX, Shape } from "../shape.ts";
import { epoch, itemError, nodeId } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

export interface OffsetForLeaderEpochRequest {
  replicaId: number;
  partitions: EpochEndQuery[];
}

export interface OffsetForLeaderEpochResponse {
  partitions: EpochEndReply[];
}

export const offsetForLeaderEpochOp: OpModule<
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse
> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        topic: shape.text(p, "topic", path),
        partition: shape.partition(p, "partition", path),
        error: itemError(shape, p),
        leaderEpoch: shape.int(p, "leaderEpoch", path, -1, INT32_MAX),
        endOffset: shape.safeInt(p, "endOffset", path),
      };
    }),
  }),
};

function requestV1(body: unknown): OffsetForLeaderEpochRequest {
  const shape = new Shape("INVALID_REQUEST", "OffsetForLeaderEpoch v1");
  const m = shape.map(body, "body");
  return {
    replicaId: nodeId(shape, m, "replicaId", "body"),
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        topic: shape.text(p, "topic", path),
        partition: shape.partition(p, "partition", path),
        currentLeaderEpoch: epoch(shape, p, "currentLeaderEpoch", path),
        leaderEpoch: shape.int(p, "leaderEpoch", path, 0, INT32_MAX),
      };
    }, FETCH_PARTITIONS_MAX),
  };
}
