// SyncGroup (key 14), versions 0-5; v4+ flexible.
//
// Request:
//   group_id STRING, generation_id INT32, member_id STRING,
//   group_instance_id NULLABLE_STRING                        (v3+)
//   protocol_type NULLABLE_STRING, protocol_name NULLABLE_STRING   (v5+)
//   assignments ARRAY(member_id STRING, assignment BYTES)    (only the leader's is non-empty)
// Response:
//   throttle_time_ms INT32                                   (v1+)
//   error_code INT16,
//   protocol_type NULLABLE_STRING, protocol_name NULLABLE_STRING   (v5+)
//   assignment BYTES
//   (v4+: compact encodings and a TAG_BUFFER closing every struct)

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const SYNC_GROUP_FIRST_FLEXIBLE = 4;

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: Array<{ memberId: string; assignment: Uint8Array }>;
}

export interface SyncGroupResponse {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export function decodeSyncGroupRequest(r: KafkaReader, version: number): SyncGroupRequest {
  const flexible = version >= SYNC_GROUP_FIRST_FLEXIBLE;
  const str = (r: KafkaReader, field: string) =>
    flexible ? r.compactString(field) : r.string(field);
  const nullableStr = (field: string) =>
    flexible ? r.compactNullableString(field) : r.nullableString(field);
  const groupId = str(r, "group_id");
  const generationId = r.int32("generation_id");
  const memberId = str(r, "member_id");
  const groupInstanceId = version >= 3 ? nullableStr("group_instance_id") : null;
  const protocolType = version >= 5 ? nullableStr("protocol_type") : null;
  const protocolName = version >= 5 ? nullableStr("protocol_name") : null;
  const assignments = r.array(flexible, "assignments", (r) => {
    const memberId = str(r, "member_id");
    const assignment = flexible ? r.compactBytes("assignment") : r.bytesField("assignment");
    if (flexible) r.taggedFields();
    return { memberId, assignment };
  }) ?? [];
  if (flexible) r.taggedFields();
  return {
    groupId,
    generationId,
    memberId,
    groupInstanceId,
    protocolType,
    protocolName,
    assignments,
  };
}

export function encodeSyncGroupResponse(
  w: KafkaWriter,
  version: number,
  body: SyncGroupResponse,
): void {
  const flexible = version >= SYNC_GROUP_FIRST_FLEXIBLE;
  if (version >= 1) w.int32(0);
  w.int16(body.errorCode);
  if (version >= 5) w.str(flexible, body.protocolType).str(flexible, body.protocolName);
  w.bytes(flexible, body.assignment).tags(flexible);
}
