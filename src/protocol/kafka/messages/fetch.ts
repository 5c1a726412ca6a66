// Fetch (key 1), versions 2-15; v12+ flexible. v2-v3 are served for librdkafka's MsgVer1
// feature gate (which its compression needs); they answer stored v2 batches as every version does.
//
// Request:
//   replica_id INT32 (v0-14; v15 moves it into the tagged replica_state, which consumers omit),
//   max_wait_ms INT32, min_bytes INT32, max_bytes INT32 (v3+), isolation_level INT8 (v4+),
//   session_id INT32 (v7+), session_epoch INT32 (v7+),
//   topics ARRAY(topic STRING (v0-12) | topic_id UUID (v13+), partitions ARRAY(partition INT32,
//     current_leader_epoch INT32 (v9+), fetch_offset INT64, last_fetched_epoch INT32 (v12+),
//     log_start_offset INT64 (v5+), partition_max_bytes INT32)),
//   forgotten_topics_data ARRAY(topic STRING (v7-12) | topic_id UUID (v13+),
//     partitions ARRAY(INT32)) (v7+),
//   rack_id STRING (v11+)
// Response:
//   throttle_time_ms INT32, error_code INT16 (v7+), session_id INT32 (v7+),
//   responses ARRAY(topic STRING (v0-12) | topic_id UUID (v13+), partitions ARRAY(
//     partition_index INT32, error_code INT16,
//     high_watermark INT64, last_stable_offset INT64 (v4+), log_start_offset INT64 (v5+),
//     aborted_transactions NULLABLE ARRAY(producer_id INT64, first_offset INT64) (v4+),
//     preferred_read_replica INT32 (v11+), records RECORDS))
//   (v12+: compact encodings and a TAG_BUFFER closing every struct; the optional tagged fields
//   cluster_id, replica_state, diverging_epoch, current_leader, snapshot_id and node_endpoints
//   are skipped when they come and never sent)
//
// Fetch sessions (KIP-227) are not kept: every answer has session_id 0, i.e. a full fetch.

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const FETCH_FIRST_FLEXIBLE = 12;
/** From this version topics are named by id. */
export const FETCH_FIRST_TOPIC_ID = 13;

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
  /** topic before v13, topicId from v13 (the other is null). */
  topics: Array<
    { topic: string | null; topicId: Uint8Array | null; partitions: FetchRequestPartition[] }
  >;
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
  /** The request's names (before v13) or ids (v13+), as it gave them. */
  topics: Array<
    { topic: string | null; topicId: Uint8Array | null; partitions: FetchResponsePartition[] }
  >;
}

export function decodeFetchRequest(r: KafkaReader, version: number): FetchRequest {
  const flexible = version >= FETCH_FIRST_FLEXIBLE;
  const str = (field: string) => flexible ? r.compactString(field) : r.string(field);
  const byId = version >= FETCH_FIRST_TOPIC_ID;
  const replicaId = version <= 14 ? r.int32("replica_id") : -1;
  const maxWaitMs = r.int32("max_wait_ms");
  const minBytes = r.int32("min_bytes");
  const maxBytes = version >= 3 ? r.int32("max_bytes") : 0x7fff_ffff;
  const isolationLevel = version >= 4 ? r.int8("isolation_level") : 0;
  if (version >= 7) {
    r.int32("session_id");
    r.int32("session_epoch");
  }
  const topics = r.array(flexible, "topics", (r) => {
    const topic = byId ? null : str("topic");
    const topicId = byId ? r.uuid("topic_id") : null;
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
    return { topic, topicId, partitions };
  }) ?? [];
  if (version >= 7) {
    r.array(flexible, "forgotten_topics_data", (r) => {
      if (byId) r.uuid("topic_id");
      else str("topic");
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
    if (version >= FETCH_FIRST_TOPIC_ID) w.uuid(t.topicId ?? new Uint8Array(16));
    else w.str(flexible, t.topic ?? "");
    w.array(flexible, t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int16(p.errorCode).int64(p.highWatermark);
      if (version >= 4) w.int64(p.lastStableOffset);
      if (version >= 5) w.int64(p.logStartOffset);
      if (version >= 4) w.arrayLength(flexible, null); // aborted_transactions: none
      if (version >= 11) w.int32(-1); // preferred_read_replica: none, read from the leader
      w.bytes(flexible, p.records);
      w.tags(flexible);
    });
    w.tags(flexible);
  });
  w.tags(flexible);
}
