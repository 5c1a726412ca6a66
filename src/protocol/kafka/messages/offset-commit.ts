// OffsetCommit (key 8), versions 2-8; v8 flexible. (v9 is KIP-848's member epoch: not served;
// v0-v1 are deprecated and older than any client we serve.)
//
// Request:
//   group_id STRING, generation_id_or_member_epoch INT32, member_id STRING,
//   group_instance_id NULLABLE_STRING                         (v7+)
//   retention_time_ms INT64                                   (v2-v4; -1: the broker's)
//   topics ARRAY(name STRING,
//     partitions ARRAY(partition_index INT32, committed_offset INT64,
//       committed_leader_epoch INT32 (v6+), committed_metadata NULLABLE_STRING))
// Response:
//   throttle_time_ms INT32                                    (v3+)
//   topics ARRAY(name STRING, partitions ARRAY(partition_index INT32, error_code INT16))
//   (v8: compact encodings and a TAG_BUFFER closing every struct)

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const OFFSET_COMMIT_FIRST_FLEXIBLE = 8;

export interface OffsetCommitRequestPartition {
  partitionIndex: number;
  committedOffset: number;
  /** -1 when unknown (and always before v6). */
  committedLeaderEpoch: number;
  committedMetadata: string | null;
}

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v2-v4 only; -1 otherwise. */
  retentionTimeMs: number;
  topics: Array<{ name: string; partitions: OffsetCommitRequestPartition[] }>;
}

export interface OffsetCommitResponse {
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;
}

export function decodeOffsetCommitRequest(r: KafkaReader, version: number): OffsetCommitRequest {
  const flexible = version >= OFFSET_COMMIT_FIRST_FLEXIBLE;
  const str = (field: string) => (flexible ? r.compactString(field) : r.string(field));
  const groupId = str("group_id");
  const generationId = r.int32("generation_id");
  const memberId = str("member_id");
  const groupInstanceId = version >= 7
    ? (flexible
      ? r.compactNullableString("group_instance_id")
      : r.nullableString("group_instance_id"))
    : null;
  const retentionTimeMs = version >= 2 && version <= 4 ? r.int64("retention_time_ms") : -1;
  const topics = r.array(flexible, "topics", (r) => {
    const name = flexible ? r.compactString("name") : r.string("name");
    const partitions = r.array(flexible, "partitions", (r) => {
      const partitionIndex = r.int32("partition_index");
      const committedOffset = r.int64("committed_offset");
      const committedLeaderEpoch = version >= 6 ? r.int32("committed_leader_epoch") : -1;
      const committedMetadata = flexible
        ? r.compactNullableString("committed_metadata")
        : r.nullableString("committed_metadata");
      if (flexible) r.taggedFields();
      return { partitionIndex, committedOffset, committedLeaderEpoch, committedMetadata };
    }) ?? [];
    if (flexible) r.taggedFields();
    return { name, partitions };
  }) ?? [];
  if (flexible) r.taggedFields();
  return { groupId, generationId, memberId, groupInstanceId, retentionTimeMs, topics };
}

export function encodeOffsetCommitResponse(
  w: KafkaWriter,
  version: number,
  body: OffsetCommitResponse,
): void {
  const flexible = version >= OFFSET_COMMIT_FIRST_FLEXIBLE;
  if (version >= 3) w.int32(0);
  w.array(flexible, body.topics, (w, t) => {
    w.str(flexible, t.name);
    w.array(flexible, t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int16(p.errorCode).tags(flexible);
    });
    w.tags(flexible);
  });
  w.tags(flexible);
}
