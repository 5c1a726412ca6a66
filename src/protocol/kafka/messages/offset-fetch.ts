// OffsetFetch (key 9), versions 1-8; v6+ flexible. (v9 adds KIP-848's member id and epoch,
// v10 topic ids: not served.)
//
// Request:
//   v1     => group_id STRING, topics ARRAY(name STRING, partition_indexes ARRAY(INT32))
//   v2-v6  => group_id, topics NULLABLE ARRAY (null: every committed partition)
//   v7     => v6, require_stable BOOLEAN
//   v8     => groups ARRAY(group_id STRING,
//                          topics NULLABLE ARRAY(name STRING, partition_indexes ARRAY(INT32))),
//             require_stable BOOLEAN
// Response:
//   throttle_time_ms INT32                                   (v3+)
//   v1-v7 => topics ARRAY(name STRING, partitions ARRAY(partition_index INT32,
//              committed_offset INT64, committed_leader_epoch INT32 (v5+),
//              metadata NULLABLE_STRING, error_code INT16)),
//            error_code INT16                                (v2+)
//   v8    => groups ARRAY(group_id STRING, topics ARRAY(as v7's), error_code INT16)
//   (v6+: compact encodings and a TAG_BUFFER closing every struct)
//
// Before v2 a group-level error (NOT_COORDINATOR, ...) can only be said per partition, so it
// is repeated on every requested one; from v2 it is the top-level (v8: per-group) error_code.

import { assert } from "../../../model/errors.ts";
import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const OFFSET_FETCH_FIRST_FLEXIBLE = 6;

export interface OffsetFetchRequestTopic {
  name: string;
  partitionIndexes: number[];
}

export interface OffsetFetchRequestGroup {
  groupId: string;
  /** null: every partition the group has committed. */
  topics: OffsetFetchRequestTopic[] | null;
}

export interface OffsetFetchRequest {
  /** Exactly one before v8. */
  groups: OffsetFetchRequestGroup[];
  requireStable: boolean;
}

export interface OffsetFetchPartition {
  partitionIndex: number;
  /** -1: nothing committed. */
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchGroupResponse {
  groupId: string;
  topics: Array<{ name: string; partitions: OffsetFetchPartition[] }>;
  errorCode: number;
}

export interface OffsetFetchResponse {
  /** Exactly one before v8. */
  groups: OffsetFetchGroupResponse[];
}

export function decodeOffsetFetchRequest(r: KafkaReader, version: number): OffsetFetchRequest {
  const flexible = version >= OFFSET_FETCH_FIRST_FLEXIBLE;
  const str = (r: KafkaReader, field: string) =>
    flexible ? r.compactString(field) : r.string(field);
  const topicsOf = (r: KafkaReader) =>
    r.array(flexible, "topics", (r) => {
      const name = str(r, "name");
      const partitionIndexes = r.array(flexible, "partition_indexes", (r) => r.int32()) ?? [];
      if (flexible) r.taggedFields();
      return { name, partitionIndexes };
    });
  let groups: OffsetFetchRequestGroup[];
  if (version >= 8) {
    groups = r.array(true, "groups", (r) => {
      const groupId = str(r, "group_id");
      const topics = topicsOf(r);
      r.taggedFields();
      return { groupId, topics };
    }) ?? [];
  } else {
    const groupId = str(r, "group_id");
    const topics = topicsOf(r);
    // v1 has no null: an empty list asks for nothing (Kafka reads it so too).
    groups = [{ groupId, topics: version < 2 ? topics ?? [] : topics }];
  }
  const requireStable = version >= 7 ? r.bool("require_stable") : false;
  if (flexible) r.taggedFields();
  return { groups, requireStable };
}

export function encodeOffsetFetchResponse(
  w: KafkaWriter,
  version: number,
  body: OffsetFetchResponse,
): void {
  const flexible = version >= OFFSET_FETCH_FIRST_FLEXIBLE;
  if (version >= 3) w.int32(0);
  const writeTopics = (g: OffsetFetchGroupResponse) =>
    w.array(flexible, g.topics, (w, t) => {
      w.str(flexible, t.name);
      w.array(flexible, t.partitions, (w, p) => {
        w.int32(p.partitionIndex).int64(p.committedOffset);
        if (version >= 5) w.int32(p.committedLeaderEpoch);
        w.str(flexible, p.metadata).int16(p.errorCode).tags(flexible);
      });
      w.tags(flexible);
    });
  if (version >= 8) {
    w.array(true, body.groups, (w, g) => {
      w.str(true, g.groupId);
      writeTopics(g);
      w.int16(g.errorCode).tags(true);
    });
  } else {
    assert(body.groups.length === 1, "OffsetFetch before v8 answers one group");
    const g = body.groups[0];
    writeTopics(g);
    if (version >= 2) w.int16(g.errorCode);
  }
  w.tags(flexible);
}
