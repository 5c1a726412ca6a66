// Heartbeat (key 12), versions 0-4; v4 flexible.
//
// Request:
//   group_id STRING, generation_id INT32, member_id STRING,
//   group_instance_id NULLABLE_STRING                        (v3+)
// Response:
//   throttle_time_ms INT32 (v1+), error_code INT16
//   (v4: compact strings and a TAG_BUFFER at the end)

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const HEARTBEAT_FIRST_FLEXIBLE = 4;

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export function decodeHeartbeatRequest(r: KafkaReader, version: number): HeartbeatRequest {
  const flexible = version >= HEARTBEAT_FIRST_FLEXIBLE;
  const groupId = flexible ? r.compactString("group_id") : r.string("group_id");
  const generationId = r.int32("generation_id");
  const memberId = flexible ? r.compactString("member_id") : r.string("member_id");
  const groupInstanceId = version < 3
    ? null
    : flexible
    ? r.compactNullableString("group_instance_id")
    : r.nullableString("group_instance_id");
  if (flexible) r.taggedFields();
  return { groupId, generationId, memberId, groupInstanceId };
}

export function encodeHeartbeatResponse(w: KafkaWriter, version: number, errorCode: number): void {
  if (version >= 1) w.int32(0);
  w.int16(errorCode).tags(version >= HEARTBEAT_FIRST_FLEXIBLE);
}
