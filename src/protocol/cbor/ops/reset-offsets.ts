// ResetOffsets (op 27), admin: moves an empty group's committed offsets; all or nothing
// (docs/protocol.md §6.19).
//
//   request v1  = {"groupId": text, "topics": [* ResetTopic],
//                  ? "dryRun": bool / null}         ; resolve and return, commit nothing
//   ResetTopic  = {"topic": text,
//                  ? "partitions": [* uint] / null, ; null: every partition of the topic
//                  "to": "earliest" / "latest" / "offset" / "timestamp",
//                  ? "offset": uint / null,         ; [0, 2^53 - 1], set with to "offset"
//                  ? "timestampMs": uint / null}    ; [0, 2^53 - 1], set with to "timestamp"
//   response v1 = {"offsets": [* {"topic": text, "partition": uint, "offset": uint}]}
//                                                   ; by topic, then partition

import { SAFE_INT_MAX, Shape } from "../shape.ts";
import { requestPartitionList } from "./group-shapes.ts";
import type { OpModule } from "./op-module.ts";

/** Where ResetOffsets moves a topic's committed offsets. */
export const ResetOffsetsTo = {
  Earliest: "earliest",
  Latest: "latest",
  Offset: "offset",
  Timestamp: "timestamp",
} as const;
export type ResetOffsetsToName = (typeof ResetOffsetsTo)[keyof typeof ResetOffsetsTo];

export interface ResetOffsetsTopic {
  topic: string;
  /** null or absent: every partition of the topic. */
  partitions?: number[] | null;
  to: ResetOffsetsToName;
  /** With to "offset": clamped into [logStartOffset, highWatermark] per partition. */
  offset?: number | null;
  /** With to "timestamp": the first offset at or after it (the high watermark if none). */
  timestampMs?: number | null;
}

export interface ResetOffsetsRequestBody {
  groupId: string;
  topics: ResetOffsetsTopic[];
  /** Resolve and return the offsets without committing them. */
  dryRun?: boolean | null;
}

export interface ResetOffsetsResponseBody {
  /** The offsets committed (or, with dryRun, that would be). */
  offsets: Array<{ topic: string; partition: number; offset: number }>;
}

export const resetOffsetsOp: OpModule<ResetOffsetsRequestBody, ResetOffsetsResponseBody> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    offsets: shape.list(m, "offsets", "body", (item, path) => {
      const o = shape.map(item, path);
      return {
        topic: shape.text(o, "topic", path),
        partition: shape.safeInt(o, "partition", path),
        offset: shape.safeInt(o, "offset", path),
      };
    }),
  }),
};

function requestV1(body: unknown): ResetOffsetsRequestBody {
  const shape = new Shape("INVALID_REQUEST", "ResetOffsets v1");
  const m = shape.map(body, "body");
  const tos = Object.values(ResetOffsetsTo) as string[];
  const topics = shape.list(m, "topics", "body", (item, path) => {
    const t = shape.map(item, path);
    const to = shape.text(t, "to", path);
    if (!tos.includes(to)) shape.fail(`${path}.to`, `one of ${tos.join(", ")}`);
    const offset = shape.optInt(t, "offset", path, 0, SAFE_INT_MAX) ?? null;
    const timestampMs = shape.optInt(t, "timestampMs", path, 0, SAFE_INT_MAX) ?? null;
    if (to === ResetOffsetsTo.Offset && offset === null) shape.fail(`${path}.offset`, "set");
    if (to === ResetOffsetsTo.Timestamp && timestampMs === null) {
      shape.fail(`${path}.timestampMs`, "set");
    }
    return {
      topic: shape.text(t, "topic", path),
      partitions: shape.nullable(t, "partitions", (p) => requestPartitionList(shape, p, path)),
      to: to as ResetOffsetsToName,
      offset,
      timestampMs,
    };
  });
  return {
    groupId: shape.text(m, "groupId", "body"),
    topics,
    dryRun: shape.optBool(m, "dryRun", "body") ?? false,
  };
}
