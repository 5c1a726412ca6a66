// DeleteRecords (key 21), versions 0-2; v2 flexible. v1 only changed throttling.
//
// Request:
//   topics ARRAY(name STRING, partitions ARRAY(partition_index INT32, offset INT64))
//   timeout_ms INT32
//   (offset: delete every record before it; -1 means the high watermark)
// Response:
//   throttle_time_ms INT32
//   topics ARRAY(name STRING,
//     partitions ARRAY(partition_index INT32, low_watermark INT64, error_code INT16))

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const DELETE_RECORDS_FIRST_FLEXIBLE = 2;
/** The offset that means "up to the high watermark". */
export const DELETE_TO_HIGH_WATERMARK = -1;

export interface DeleteRecordsRequest {
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; offset: number }> }>;
  timeoutMs: number;
}

export interface DeleteRecordsPartitionResult {
  partitionIndex: number;
  lowWatermark: number;
  errorCode: number;
}

export interface DeleteRecordsResponse {
  throttleTimeMs: number;
  topics: Array<{ name: string; partitions: DeleteRecordsPartitionResult[] }>;
}

export function decodeDeleteRecordsRequest(r: KafkaReader, version: number): DeleteRecordsRequest {
  const flexible = version >= DELETE_RECORDS_FIRST_FLEXIBLE;
  const topics = r.array(flexible, "topics", (r) => {
    const name = flexible ? r.compactString("name") : r.string("name");
    const partitions = r.array(flexible, "partitions", (r) => {
      const partitionIndex = r.int32("partition_index");
      const offset = r.int64("offset");
      if (flexible) r.taggedFields();
      return { partitionIndex, offset };
    }) ?? [];
    if (flexible) r.taggedFields();
    return { name, partitions };
  }) ?? [];
  const timeoutMs = r.int32("timeout_ms");
  if (flexible) r.taggedFields();
  return { topics, timeoutMs };
}

export function encodeDeleteRecordsResponse(
  w: KafkaWriter,
  version: number,
  body: DeleteRecordsResponse,
): void {
  const flexible = version >= DELETE_RECORDS_FIRST_FLEXIBLE;
  w.int32(body.throttleTimeMs);
  w.array(flexible, body.topics, (w, t) => {
    w.str(flexible, t.name);
    w.array(flexible, t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int64(p.lowWatermark).int16(p.errorCode).tags(flexible);
    });
    w.tags(flexible);
  });
  w.tags(flexible);
}
