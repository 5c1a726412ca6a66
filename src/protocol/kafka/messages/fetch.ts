// Fetch (key 1), versions 4-12; v12 flexible.
//
// Request:
//   replica_id INT32, max_wait_ms INT32, min_bytes INT32, max_bytes INT32, isolation_level INT8,
//   session_id INT32 (v7+), session_epoch INT32 (v7+),
//   topics ARRAY(topic STRING, partitions ARRAY(partition INT32,
//     current_leader_epoch INT32 (v9+), fetch_offset INT64, last_fetched_epoch INT32 (v12+),
//     log_start_offset INT64 (v5+), partition_max_bytes INT32)),
//   forgotten_topics_data ARRAY(topic STRING, partitions ARRAY(INT32)) (v7+),
//   rack_id STRING (v11+)
// Response:
//   throttle_time_ms INT32, error_code INT16 (v7+), session_id INT32 (v7+),
//   responses ARRAY(topic STRING, partitions ARRAY(partition_index INT32, error_code INT16,
//     high_watermark INT64, last_stable_offset INT64, log_start_offset INT64 (v5+),
//     aborted_transactions NULLABLE ARRAY(producer_id INT64, first_offset INT64),
//     preferred_read_replica INT32 (v11+), records RECORDS))
//   (v12: compact encodings and a TAG_BUFFER closing every struct; its optional tagged fields
//   diverging_epoch, current_leader and snapshot_id are never sent)
//
// Fetch sessions (KIP-227) are not kept: every answer has session_id 0, i.e. a full fetch.

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const FETCH_FIRST_FLEXIBLE = 12;

export interface FetchRequestPartition {
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
}

export interface FetchRequest {
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  topics: Array<{ topic: string; partitions: FetchRequestPartition[] }>;
}

export interface FetchResponsePartition {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  records: Uint8Array | null;
}

export interface FetchResponse {
  errorCode: number;
  topics: Array<{ topic: string; partitions: FetchResponsePartition[] }>;
}

export function decodeFetchRequest(r: KafkaReader, version: number): FetchRequest {
  const flexible = version >= FETCH_FIRST_FLEXIBLE;
  const str = (field: string) => flexible ? r.compactString(field) : r.string(field);
  const replicaId = r.int32("replica_id");
  const maxWaitMs = r.int32("max_wait_ms");
  const minBytes = r.int32("min_bytes");
  const maxBytes = r.int32("max_bytes");
  const isolationLevel = r.int8("isolation_level");
  if (version >= 7) {
    r.int32("session_id");
    r.int32("session_epoch");
  }
  const topics = r.array(flexible, "topics", (r) => {
    const topic = str("topic");
    const partitions = r.array(flexible, "partitions", (r) => {
      const partition = r.int32("partition");
      if (version >= 9) r.int32("current_leader_epoch");
      const fetchOffset = r.int64("fetch_offset");
      if (version >= 12) r.int32("last_fetched_epoch");
      if (version >= 5) r.int64("log_start_offset");
      const partitionMaxBytes = r.int32("partition_max_bytes");
      if (flexible) r.taggedFields();
      return { partition, fetchOffset, partitionMaxBytes };
    }) ?? [];
    if (flexible) r.taggedFields();
    return { topic, partitions };
  }) ?? [];
  if (version >= 7) {
    r.array(flexible, "forgotten_topics_data", (r) => {
      str("topic");
      r.array(flexible, "partitions", (r) => r.int32("partition"));
      if (flexible) r.taggedFields();
    });
  }
  if (version >= 11) str("rack_id");
  if (flexible) r.taggedFields();
  return { replicaId, maxWaitMs, minBytes, maxBytes, isolationLevel, topics };
}

export function encodeFetchResponse(w: KafkaWriter, version: number, body: FetchResponse): void {
  const flexible = version >= FETCH_FIRST_FLEXIBLE;
  w.int32(0);
  if (version >= 7) w.int16(body.errorCode).int32(0);
  w.array(flexible, body.topics, (w, t) => {
    w.str(flexible, t.topic);
    w.array(flexible, t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int16(p.errorCode).int64(p.highWatermark);
      w.int64(p.lastStableOffset);
      if (version >= 5) w.int64(p.logStartOffset);
      w.arrayLength(flexible, null); // aborted_transactions: none (no transactions)
      if (version >= 11) w.int32(-1); // preferred_read_replica: none, read from the leader
      w.bytes(flexible, p.records);
      w.tags(flexible);
    });
    w.tags(flexible);
  });
  w.tags(flexible);
}
