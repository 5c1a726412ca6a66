// Fetch (op 11): read record batches, optionally waiting for data (docs/protocol.md §6.8).
//
//   request v1  = {"maxWaitMs": uint,              ; [0, 300,000]
//                  "minBytes": uint, "maxBytes": uint,    ; [0, 2^31 - 1]
//                  "partitions": [* FetchEntry]}   ; ≤ 1,000 entries (FETCH_PARTITIONS_MAX)
//   FetchEntry  = {"topic": text, "partition": uint,      ; [0, 2^31 - 1]
//                  "offset": int,                  ; [-(2^53 - 1), 2^53 - 1]
//                  "maxBytes": uint,               ; [0, 2^31 - 1]
//                  ? "currentLeaderEpoch": int}    ; [-1, 2^31 - 1]; absent or -1: not checked
//   response v1 = {"partitions": [* FetchResult]}  ; one per entry, in request order
//   FetchResult = {"topic": text, "partition": int, "error": WireError / null,
//                  "highWatermark": int, "logStartOffset": int,   ; -1 when unknown
//                  "records": bytes}               ; whole batches v2 as stored; may be empty

import { FETCH_PARTITIONS_MAX } from "../../../model/limits.ts";
import { readWireError, type WireError } from "../envelope.ts";
import { INT32_MAX, MESSAGE_LIMITS, SAFE_INT_MAX, Shape } from "../shape.ts";
import type { OpModule } from "./op-module.ts";
import { readTopicPartition } from "./topic-shapes.ts";

export interface FetchPartitionData {
  topic: string;
  partition: number;
  offset: number;
  maxBytes: number;
  /** The leader epoch the client's metadata named; absent or -1 is not checked (KIP-320). */
  currentLeaderEpoch?: number;
}

export interface FetchRequestBody {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitions: FetchPartitionData[];
}

export interface FetchPartitionResultBody {
  topic: string;
  partition: number;
  error: WireError | null;
  /** -1 when error is set. */
  highWatermark: number;
  logStartOffset: number;
  /** Whole record batches v2 straight from the log; empty when error is set or no data. */
  records: Uint8Array;
}

export interface FetchResponseBody {
  partitions: FetchPartitionResultBody[];
}

export const fetchOp: OpModule<FetchRequestBody, FetchResponseBody> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        ...readTopicPartition(shape, p, path),
        error: readWireError(shape, p.error),
        highWatermark: shape.safeInt(p, "highWatermark", path),
        logStartOffset: shape.safeInt(p, "logStartOffset", path),
        records: shape.bytes(p, "records", path),
      };
    }),
  }),
};

function requestV1(body: unknown): FetchRequestBody {
  const shape = new Shape("INVALID_REQUEST", "Fetch v1");
  const m = shape.map(body, "body");
  return {
    maxWaitMs: shape.int(m, "maxWaitMs", "body", 0, MESSAGE_LIMITS.fetchWaitMsMax),
    minBytes: shape.int(m, "minBytes", "body", 0, INT32_MAX),
    maxBytes: shape.int(m, "maxBytes", "body", 0, INT32_MAX),
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        topic: shape.text(p, "topic", path),
        partition: shape.partition(p, "partition", path),
        offset: shape.int(p, "offset", path, -SAFE_INT_MAX, SAFE_INT_MAX),
        maxBytes: shape.int(p, "maxBytes", path, 0, INT32_MAX),
        ...optEpoch(shape.optInt(p, "currentLeaderEpoch", path, -1, INT32_MAX)),
      };
    }, FETCH_PARTITIONS_MAX),
  };
}

function optEpoch(epoch: number | undefined): { currentLeaderEpoch?: number } {
  return epoch === undefined ? {} : { currentLeaderEpoch: epoch };
}
