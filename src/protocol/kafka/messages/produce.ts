// Produce (key 0), versions 0-9; v9 flexible. v3-v8 requests share one layout; v0-v2 lack
// transactional_id. Every version carries record batch v2 only (the handler refuses magic 0/1).
// v0-v2 are served because librdkafka 2.0 compresses with gzip, snappy or lz4 only for a broker
// whose Produce range includes v0, and needs Produce v2 / Fetch v2 for its MsgVer1 gate.
//
// Request:
//   transactional_id NULLABLE_STRING (v3+), acks INT16, timeout_ms INT32,
//   topic_data ARRAY(name STRING, partition_data ARRAY(index INT32, records RECORDS))
//   (RECORDS: NULLABLE_BYTES, compact in v9; v9 closes every struct with a TAG_BUFFER)
// Response:
//   responses ARRAY(name STRING,
//     partition_responses ARRAY(index INT32, error_code INT16, base_offset INT64,
//       log_append_time_ms INT64 (v2+), log_start_offset INT64 (v5+),
//       record_errors ARRAY(batch_index INT32, batch_index_error_message NULLABLE_STRING) (v8+),
//       error_message NULLABLE_STRING (v8+)))
//   throttle_time_ms INT32 (v1+)
//
// acks=0 requests get no response at all (the client does not read one).

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const PRODUCE_FIRST_FLEXIBLE = 9;

export interface ProducePartitionData {
  index: number;
  records: Uint8Array | null;
}

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: Array<{ name: string; partitions: ProducePartitionData[] }>;
}

export interface ProducePartitionResponse {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  errorMessage: string | null;
}

export interface ProduceResponse {
  topics: Array<{ name: string; partitions: ProducePartitionResponse[] }>;
  throttleTimeMs: number;
}

export function decodeProduceRequest(r: KafkaReader, version: number): ProduceRequest {
  const flexible = version >= PRODUCE_FIRST_FLEXIBLE;
  const transactionalId = version < 3
    ? null
    : flexible
    ? r.compactNullableString("transactional_id")
    : r.nullableString("transactional_id");
  const acks = r.int16("acks");
  const timeoutMs = r.int32("timeout_ms");
  const topics = r.array(flexible, "topic_data", (r) => {
    const name = flexible ? r.compactString("name") : r.string("name");
    const partitions = r.array(flexible, "partition_data", (r) => {
      const index = r.int32("index");
      const records = flexible ? r.compactNullableBytes("records") : r.nullableBytes("records");
      if (flexible) r.taggedFields();
      return { index, records };
    }) ?? [];
    if (flexible) r.taggedFields();
    return { name, partitions };
  }) ?? [];
  if (flexible) r.taggedFields();
  return { transactionalId, acks, timeoutMs, topics };
}

export function encodeProduceResponse(w: KafkaWriter, version: number, body: ProduceResponse) {
  const flexible = version >= PRODUCE_FIRST_FLEXIBLE;
  w.array(flexible, body.topics, (w, t) => {
    w.str(flexible, t.name);
    w.array(flexible, t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(p.baseOffset);
      if (version >= 2) w.int64(p.logAppendTimeMs);
      if (version >= 5) w.int64(p.logStartOffset);
      if (version >= 8) w.arrayLength(flexible, 0).str(flexible, p.errorMessage);
      w.tags(flexible);
    });
    w.tags(flexible);
  });
  if (version >= 1) w.int32(body.throttleTimeMs);
  w.tags(flexible);
}
