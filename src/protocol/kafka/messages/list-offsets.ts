// ListOffsets (key 2), versions 1-6; v6 flexible. (v7 adds timestamp -3, the record with the
// largest timestamp, which the broker cannot look up yet: not served.)
//
// Request:
//   replica_id INT32, isolation_level INT8 (v2+),
//   topics ARRAY(name STRING, partitions ARRAY(partition_index INT32,
//     current_leader_epoch INT32 (v4+), timestamp INT64))
//   timestamp -1: the latest offset (the end), -2: the earliest, else the first offset whose
//   record's timestamp is at or after it.
// Response:
//   throttle_time_ms INT32 (v2+),
//   topics ARRAY(name STRING, partitions ARRAY(partition_index INT32, error_code INT16,
//     timestamp INT64, offset INT64, leader_epoch INT32 (v4+)))
//   (v6: compact encodings and a TAG_BUFFER closing every struct)

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const LIST_OFFSETS_FIRST_FLEXIBLE = 6;
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;

export interface ListOffsetsRequest {
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; timestamp: number }> }>;
}

export interface ListOffsetsPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  timestamp: number;
  offset: number;
  leaderEpoch: number;
}

export interface ListOffsetsResponse {
  topics: Array<{ name: string; partitions: ListOffsetsPartitionResponse[] }>;
}

export function decodeListOffsetsRequest(r: KafkaReader, version: number): ListOffsetsRequest {
  const flexible = version >= LIST_OFFSETS_FIRST_FLEXIBLE;
  r.int32("replica_id");
  if (version >= 2) r.int8("isolation_level");
  const topics = r.array(flexible, "topics", (r) => {
    const name = flexible ? r.compactString("name") : r.string("name");
    const partitions = r.array(flexible, "partitions", (r) => {
      const partitionIndex = r.int32("partition_index");
      if (version >= 4) r.int32("current_leader_epoch");
      const timestamp = r.int64("timestamp");
      if (flexible) r.taggedFields();
      return { partitionIndex, timestamp };
    }) ?? [];
    if (flexible) r.taggedFields();
    return { name, partitions };
  }) ?? [];
  if (flexible) r.taggedFields();
  return { topics };
}

export function encodeListOffsetsResponse(
  w: KafkaWriter,
  version: number,
  body: ListOffsetsResponse,
): void {
  const flexible = version >= LIST_OFFSETS_FIRST_FLEXIBLE;
  if (version >= 2) w.int32(0);
  w.array(flexible, body.topics, (w, t) => {
    w.str(flexible, t.name);
    w.array(flexible, t.partitions, (w, p) => {
      w.int32(p.partitionIndex).int16(p.errorCode).int64(p.timestamp).int64(p.offset);
      if (version >= 4) w.int32(p.leaderEpoch);
      w.tags(flexible);
    });
    w.tags(flexible);
  });
  w.tags(flexible);
}
