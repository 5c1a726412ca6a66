// ListOffsets (op 12): earliest, latest, or first offset at or after a timestamp
// (docs/protocol.md §6.9).
//
//   request v1  = {"partitions": [* ListOffsetsEntry]}
//   ListOffsetsEntry = {"topic": text, "partition": uint,     ; [0, 2^31 - 1]
//                       "timestamp": int}   ; -2 earliest, -1 latest, >= 0 ms (≤ 2^53 - 1)
//   response v1 = {"partitions": [* ListOffsetsResult]}       ; in request order
//   ListOffsetsResult = {"topic": text, "partition": int, "error": WireError / null,
//                        "offset": int,       ; -1 on error or when no record is that recent
//                        "timestampMs": int}  ; the timestamp found; -1 for -1 and -2

import { readWireError, type WireError } from "../envelope.ts";
import { SAFE_INT_MAX, Shape } from "../shape.ts";
import type { OpModule } from "./op-module.ts";
import { readTopicPartition } from "./topic-shapes.ts";

/** ListOffsets `timestamp` values with a special meaning (Kafka's convention). */
export const ListOffsetsTimestamp = { Latest: -1, Earliest: -2 } as const;

export interface ListOffsetsPartition {
  topic: string;
  partition: number;
  /** ListOffsetsTimestamp.Earliest (-2), .Latest (-1), or a timestamp in ms (>= 0). */
  timestamp: number;
}

export interface ListOffsetsRequestBody {
  partitions: ListOffsetsPartition[];
}

export interface ListOffsetsPartitionResult {
  topic: string;
  partition: number;
  error: WireError | null;
  /** -1 when error is set or no record has a timestamp at or after the one asked for. */
  offset: number;
  timestampMs: number;
}

export interface ListOffsetsResponseBody {
  partitions: ListOffsetsPartitionResult[];
}

export const listOffsetsOp: OpModule<ListOffsetsRequestBody, ListOffsetsResponseBody> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        ...readTopicPartition(shape, p, path),
        error: readWireError(shape, p.error),
        offset: shape.safeInt(p, "offset", path),
        timestampMs: shape.safeInt(p, "timestampMs", path),
      };
    }),
  }),
};

function requestV1(body: unknown): ListOffsetsRequestBody {
  const shape = new Shape("INVALID_REQUEST", "ListOffsets v1");
  const m = shape.map(body, "body");
  return {
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        topic: shape.text(p, "topic", path),
        partition: shape.partition(p, "partition", path),
        timestamp: shape.int(p, "timestamp", path, -2, SAFE_INT_MAX),
      };
    }),
  };
}
