// OffsetCommit (op 23): commit offsets, durably; all or nothing (docs/protocol.md §6.15).
//
//   request v1  = {"groupId": text,
//                  "memberId": text,                ; "" for an admin commit
//                  "memberEpoch": int,              ; [-1, 2^31 - 1]; -1 with memberId ""
//                  "offsets": [* CommitEntry]}
//   CommitEntry = {"topic": text, "partition": uint,      ; [0, 2^31 - 1]
//                  "offset": uint,                  ; [0, 2^53 - 1]: the next offset to consume
//                  ? "leaderEpoch": int / null,     ; [-1, 2^31 - 1]
//                  ? "metadata": text / null}
//   response v1 = {}                                ; once every offset is durable

import { INT32_MAX, SAFE_INT_MAX, Shape } from "../shape.ts";
import type { OpModule } from "./op-module.ts";

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  /** The next offset to consume (last processed + 1). */
  offset: number;
  leaderEpoch?: number | null;
  metadata?: string | null;
}

export interface OffsetCommitRequestBody {
  groupId: string;
  /** "" with memberEpoch -1: an admin commit, allowed only while the group has no members. */
  memberId: string;
  memberEpoch: number;
  offsets: OffsetCommitEntry[];
}

/** All or nothing: success means every offset is durable. */
export type OffsetCommitResponseBody = Record<string, never>;

export const offsetCommitOp: OpModule<OffsetCommitRequestBody, OffsetCommitResponseBody> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: () => ({}),
};

function requestV1(body: unknown): OffsetCommitRequestBody {
  const shape = new Shape("INVALID_REQUEST", "OffsetCommit v1");
  const m = shape.map(body, "body");
  return {
    groupId: shape.text(m, "groupId", "body"),
    memberId: shape.text(m, "memberId", "body"),
    memberEpoch: shape.int(m, "memberEpoch", "body", -1, INT32_MAX),
    offsets: shape.list(m, "offsets", "body", (item, path) => {
      const o = shape.map(item, path);
      return {
        topic: shape.text(o, "topic", path),
        partition: shape.partition(o, "partition", path),
        offset: shape.int(o, "offset", path, 0, SAFE_INT_MAX),
        leaderEpoch: shape.optInt(o, "leaderEpoch", path, -1, INT32_MAX) ?? null,
        metadata: shape.optText(o, "metadata", path) ?? null,
      };
    }),
  };
}
