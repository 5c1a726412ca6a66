// CreatePartitions (key 37), versions 0-3; v2+ flexible. v1 only changed throttling, v3 only
// allowed THROTTLING_QUOTA_EXCEEDED.
//
// Request:
//   topics ARRAY(name STRING, count INT32,
//                assignments NULLABLE ARRAY(broker_ids ARRAY(INT32)))   (one per new partition)
//   timeout_ms INT32, validate_only BOOLEAN
// Response:
//   throttle_time_ms INT32
//   results ARRAY(name STRING, error_code INT16, error_message NULLABLE_STRING)

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const CREATE_PARTITIONS_FIRST_FLEXIBLE = 2;

export interface CreatePartitionsTopic {
  name: string;
  /** The partition count wanted in all. */
  count: number;
  /** null: the controller places the new partitions. */
  assignments: number[][] | null;
}

export interface CreatePartitionsRequest {
  topics: CreatePartitionsTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatePartitionsResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export function decodeCreatePartitionsRequest(
  r: KafkaReader,
  version: number,
): CreatePartitionsRequest {
  const flexible = version >= CREATE_PARTITIONS_FIRST_FLEXIBLE;
  const topics = r.array(flexible, "topics", (r) => {
    const name = flexible ? r.compactString("name") : r.string("name");
    const count = r.int32("count");
    const assignments = r.array(flexible, "assignments", (r) => {
      const ids = r.array(flexible, "broker_ids", (r) => r.int32("broker_id")) ?? [];
      if (flexible) r.taggedFields();
      return ids;
    });
    if (flexible) r.taggedFields();
    return { name, count, assignments };
  }) ?? [];
  const timeoutMs = r.int32("timeout_ms");
  const validateOnly = r.bool("validate_only");
  if (flexible) r.taggedFields();
  return { topics, timeoutMs, validateOnly };
}

export function encodeCreatePartitionsResponse(
  w: KafkaWriter,
  version: number,
  body: { throttleTimeMs: number; results: CreatePartitionsResult[] },
): void {
  const flexible = version >= CREATE_PARTITIONS_FIRST_FLEXIBLE;
  w.int32(body.throttleTimeMs);
  w.array(flexible, body.results, (w, res) => {
    w.str(flexible, res.name).int16(res.errorCode).str(flexible, res.errorMessage).tags(flexible);
  });
  w.tags(flexible);
}
