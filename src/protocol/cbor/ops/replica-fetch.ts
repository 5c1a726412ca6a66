// ReplicaFetch (op 40): a follower reads a leader's log (docs/protocol.md §6.22). Broker listener.
//
//   request v1  = {"replicaId": uint,                     ; [0, 2^31 - 1], the follower's id
//                  "maxWaitMs": uint,                     ; [0, 300,000]
//                  "minBytes": uint, "maxBytes": uint,    ; [0, 2^31 - 1]
//                  "partitions": [* ReplicaFetchEntry]}   ; ≤ 1,000 entries
//   ReplicaFetchEntry = {"topic": text, "partition": uint,
//                  "currentLeaderEpoch": int,             ; [-1, 2^31 - 1]
//                  "fetchOffset": uint}                   ; [0, 2^53 - 1]
//   response v1 = {"partitions": [* ReplicaFetchResult]}  ; one per entry, in request order
//   ReplicaFetchResult = {"topic": text, "partition": int, "error": WireError / null,
//                  "highWatermark": int, "logStartOffset": int, "logEndOffset": int,
//                  "records": bytes}                      ; whole batches as stored, never decoded
//
// Errors: NOT_LEADER_OR_FOLLOWER (request level: this broker runs no replica manager; per
// partition: not the leader), FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH, OFFSET_OUT_OF_RANGE,
// UNKNOWN_TOPIC_OR_PARTITION. maxBytes is trimmed to what fits one response frame.

import type { ReplicaFetchReply, ReplicaFetchRequest } from "../../../model/cluster.ts";
import { FETCH_PARTITIONS_MAX } from "../../../model/limits.ts";
import { INT32_MAX, MESSAGE_LIMITS, Shape } from "../shape.ts";
import { epoch, itemError, nodeId, offset } from "./cluster-shapes.ts";
import type { OpModule } from "./op-module.ts";

export const replicaFetchOp: OpModule<ReplicaFetchRequest, ReplicaFetchReply> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        topic: shape.text(p, "topic", path),
        partition: shape.partition(p, "partition", path),
        error: itemError(shape, p),
        highWatermark: shape.safeInt(p, "highWatermark", path),
        logStartOffset: shape.safeInt(p, "logStartOffset", path),
        logEndOffset: shape.safeInt(p, "logEndOffset", path),
        records: shape.bytes(p, "records", path),
      };
    }),
  }),
};

function requestV1(body: unknown): ReplicaFetchRequest {
  const shape = new Shape("INVALID_REQUEST", "ReplicaFetch v1");
  const m = shape.map(body, "body");
  return {
    replicaId: nodeId(shape, m, "replicaId", "body"),
    maxWaitMs: shape.int(m, "maxWaitMs", "body", 0, MESSAGE_LIMITS.fetchWaitMsMax),
    minBytes: shape.int(m, "minBytes", "body", 0, INT32_MAX),
    maxBytes: shape.int(m, "maxBytes", "body", 0, INT32_MAX),
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        topic: shape.text(p, "topic", path),
        partition: shape.partition(p, "partition", path),
        currentLeaderEpoch: epoch(shape, p, "currentLeaderEpoch", path),
        fetchOffset: offset(shape, p, "fetchOffset", path),
      };
    }, FETCH_PARTITIONS_MAX),
  };
}
