// Produce (op 10): append record batches (docs/protocol.md §6.7).
//
//   request v1   = {"acks": int,                   ; 0, 1 or -1 (else INVALID_REQUIRED_ACKS)
//                   "timeoutMs": uint,             ; [0, 300,000]
//                   "partitions": [* ProduceEntry]}
//   ProduceEntry = {"topic": text, "partition": uint,   ; [0, 2^31 - 1]
//                   "records": bytes}              ; record batches v2, concatenated, as on disk
//   response v1  = {"partitions": [* ProduceResult]}    ; one per entry, in request order
//   ProduceResult = {"topic": text, "partition": int, "error": WireError / null,
//                    "baseOffset": int, "lastOffset": int,     ; -1 on error
//                    "logAppendTimeMs": int,       ; -1 unless the topic uses LogAppendTime
//                    "logStartOffset": int}        ; -1 on error
//
// acks 0 gets no response at all. Any field wrong refuses the whole request: nothing appended.

import { TributaryError } from "../../../model/errors.ts";
import type { Acks } from "../../../model/acks.ts";
import { readWireError, type WireError } from "../envelope.ts";
import { MESSAGE_LIMITS, SAFE_INT_MAX, Shape } from "../shape.ts";
import type { OpModule } from "./op-module.ts";
import { readTopicPartition } from "./topic-shapes.ts";

export interface ProducePartitionData {
  topic: string;
  partition: number;
  /** One or more record batches v2, concatenated, exactly as they go on disk. */
  records: Uint8Array;
}

export interface ProduceRequestBody {
  /** 0: no response at all; 1: after the leader appended; -1: after fsync (group commit). */
  acks: Acks;
  timeoutMs: number;
  partitions: ProducePartitionData[];
}

export interface ProducePartitionResult {
  topic: string;
  partition: number;
  error: WireError | null;
  /** -1 when error is set. */
  baseOffset: number;
  lastOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

export interface ProduceResponseBody {
  partitions: ProducePartitionResult[];
}

export const produceOp: OpModule<ProduceRequestBody, ProduceResponseBody> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    partitions: shape.list(m, "partitions", "body", (item, path) => {
      const p = shape.map(item, path);
      return {
        ...readTopicPartition(shape, p, path),
        error: readWireError(shape, p.error),
        baseOffset: shape.safeInt(p, "baseOffset", path),
        lastOffset: shape.safeInt(p, "lastOffset", path),
        logAppendTimeMs: shape.safeInt(p, "logAppendTimeMs", path),
        logStartOffset: shape.safeInt(p, "logStartOffset", path),
      };
    }),
  }),
};

function requestV1(body: unknown): ProduceRequestBody {
  const shape = new Shape("INVALID_REQUEST", "Produce v1");
  const m = shape.map(body, "body");
  const acks = shape.int(m, "acks", "body", -SAFE_INT_MAX, SAFE_INT_MAX);
  if (acks !== 0 && acks !== 1 && acks !== -1) {
    throw new TributaryError(
      "INVALID_REQUIRED_ACKS",
      `Produce v1: acks must be 0, 1 or -1, got ${acks}`,
    );
  }
  const timeoutMs = shape.int(m, "timeoutMs", "body", 0, MESSAGE_LIMITS.produceTimeoutMsMax);
  const partitions = shape.list(m, "partitions", "body", (item, path) => {
    const p = shape.map(item, path);
    return {
      topic: shape.text(p, "topic", path),
      partition: shape.partition(p, "partition", path),
      records: shape.bytes(p, "records", path),
    };
  });
  return { acks: acks as Acks, timeoutMs, partitions };
}
