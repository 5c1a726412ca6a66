// OffsetFetch (op 24): committed offsets, with high watermark and lag (docs/protocol.md §6.16).
//
//   request v1  = {"groupId": text,
//                  ? "memberId": text / null,        ; when set, fenced as for a commit
//                  ? "memberEpoch": int / null,      ; [-1, 2^31 - 1]
//                  ? "topics": [* OffsetFetchTopic] / null}   ; null: all the group committed
//   OffsetFetchTopic = {"topic": text,
//                       ? "partitions": [* uint] / null}      ; null: every existing partition
//   response v1 = {"offsets": [* Committed]}         ; by topic, then partition
//   Committed   = {"topic": text, "partition": uint,
//                  "offset": int / null,             ; null: nothing committed
//                  "leaderEpoch": int / null, "metadata": text / null,
//                  "commitTimestampMs": int / null,
//                  "highWatermark": int / null,      ; null: the partition does not exist
//                  "lag": int / null}                ; max(0, highWatermark - offset)

import { type CborMap, INT32_MAX, SAFE_INT_MAX, Shape } from "../shape.ts";
import { requestPartitionList } from "./group-shapes.ts";
import type { OpModule } from "./op-module.ts";

export interface OffsetFetchTopic {
  topic: string;
  /** null or absent: every existing partition of the topic. */
  partitions?: number[] | null;
}

export interface OffsetFetchRequestBody {
  groupId: string;
  /** When given (with memberEpoch), the member is fenced as for a commit. */
  memberId?: string | null;
  memberEpoch?: number | null;
  /** null or absent: every partition the group has committed. */
  topics?: OffsetFetchTopic[] | null;
}

export interface OffsetFetchEntry {
  topic: string;
  partition: number;
  /** null when nothing is committed for the partition. */
  offset: number | null;
  leaderEpoch: number | null;
  metadata: string | null;
  commitTimestampMs: number | null;
  /** null when the partition does not exist (any more). */
  highWatermark: number | null;
  /** max(0, highWatermark - offset); null when either is null. */
  lag: number | null;
}

export interface OffsetFetchResponseBody {
  offsets: OffsetFetchEntry[];
}

export const offsetFetchOp: OpModule<OffsetFetchRequestBody, OffsetFetchResponseBody> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: (shape, m) => ({
    offsets: shape.list(m, "offsets", "body", (item, path) => {
      const o = shape.map(item, path);
      return {
        topic: shape.text(o, "topic", path),
        partition: shape.safeInt(o, "partition", path),
        offset: optInt(shape, o, "offset", path),
        leaderEpoch: optInt(shape, o, "leaderEpoch", path),
        metadata: shape.optText(o, "metadata", path) ?? null,
        commitTimestampMs: optInt(shape, o, "commitTimestampMs", path),
        highWatermark: optInt(shape, o, "highWatermark", path),
        lag: optInt(shape, o, "lag", path),
      };
    }),
  }),
};

function requestV1(body: unknown): OffsetFetchRequestBody {
  const shape = new Shape("INVALID_REQUEST", "OffsetFetch v1");
  const m = shape.map(body, "body");
  const topics = shape.nullable(
    m,
    "topics",
    (v) =>
      shape.listValue(v, "body.topics", (item, path): OffsetFetchTopic => {
        const t = shape.map(item, path);
        return {
          topic: shape.text(t, "topic", path),
          partitions: shape.nullable(t, "partitions", (p) => requestPartitionList(shape, p, path)),
        };
      }),
  );
  return {
    groupId: shape.text(m, "groupId", "body"),
    memberId: shape.optText(m, "memberId", "body") ?? null,
    memberEpoch: shape.optInt(m, "memberEpoch", "body", -1, INT32_MAX) ?? null,
    topics,
  };
}

function optInt(shape: Shape, m: CborMap, key: string, path: string): number | null {
  return shape.optInt(m, key, path, -SAFE_INT_MAX, SAFE_INT_MAX) ?? null;
}
