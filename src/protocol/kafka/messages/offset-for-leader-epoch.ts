// OffsetForLeaderEpoch (key 23), versions 0-4; v4 flexible. Clients ask it after a leader
// change (KIP-320) to learn where their fetch position's epoch ended and truncate past it.
//
// Request:
//   replica_id INT32                                              (v3+; -1 for a consumer)
//   topics ARRAY(topic STRING,
//     partitions ARRAY(partition INT32, current_leader_epoch INT32 (v2+), leader_epoch INT32))
// Response:
//   throttle_time_ms INT32                                        (v2+)
//   topics ARRAY(topic STRING,
//     partitions ARRAY(error_code INT16, partition INT32, leader_epoch INT32 (v1+),
//                      end_offset INT64))

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const OFFSET_FOR_LEADER_EPOCH_FIRST_FLEXIBLE = 4;

export interface EpochRequestPartition {
  partition: number;
  /** -1: not checked (and always before v2). */
  currentLeaderEpoch: number;
  leaderEpoch: number;
}

export interface OffsetForLeaderEpochRequest {
  replicaId: number;
  topics: Array<{ topic: string; partitions: EpochRequestPartition[] }>;
}

export interface EpochEndOffsetResult {
  errorCode: number;
  partition: number;
  leaderEpoch: number;
  endOffset: number;
}

export interface OffsetForLeaderEpochResponse {
  throttleTimeMs: number;
  topics: Array<{ topic: string; partitions: EpochEndOffsetResult[] }>;
}

export function decodeOffsetForLeaderEpochRequest(
  r: KafkaReader,
  version: number,
): OffsetForLeaderEpochRequest {
  const flexible = version >= OFFSET_FOR_LEADER_EPOCH_FIRST_FLEXIBLE;
  const replicaId = version >= 3 ? r.int32("replica_id") : -1;
  const topics = r.array(flexible, "topics", (r) => {
    const topic = flexible ? r.compactString("topic") : r.string("topic");
    const partitions = r.array(flexible, "partitions", (r) => {
      const partition = r.int32("partition");
      const currentLeaderEpoch = version >= 2 ? r.int32("current_leader_epoch") : -1;
      const leaderEpoch = r.int32("leader_epoch");
      if (flexible) r.taggedFields();
      return { partition, currentLeaderEpoch, leaderEpoch };
    }) ?? [];
    if (flexible) r.taggedFields();
    return { topic, partitions };
  }) ?? [];
  if (flexible) r.taggedFields();
  return { replicaId, topics };
}

export function encodeOffsetForLeaderEpochResponse(
  w: KafkaWriter,
  version: number,
  body: OffsetForLeaderEpochResponse,
): void {
  const flexible = version >= OFFSET_FOR_LEADER_EPOCH_FIRST_FLEXIBLE;
  if (version >= 2) w.int32(body.throttleTimeMs);
  w.array(flexible, body.topics, (w, t) => {
    w.str(flexible, t.topic);
    w.array(flexible, t.partitions, (w, p) => {
      w.int16(p.errorCode).int32(p.partition);
      if (version >= 1) w.int32(p.leaderEpoch);
      w.int64(p.endOffset).tags(flexible);
    });
    w.tags(flexible);
  });
  w.tags(flexible);
}
