// JoinGroup (key 11), versions 0-9; v6+ flexible.
//
// Request:
//   group_id STRING, session_timeout_ms INT32,
//   rebalance_timeout_ms INT32                               (v1+; v0 uses the session timeout)
//   member_id STRING,
//   group_instance_id NULLABLE_STRING                        (v5+)
//   protocol_type STRING,
//   protocols ARRAY(name STRING, metadata BYTES),
//   reason NULLABLE_STRING                                   (v8+)
// Response:
//   throttle_time_ms INT32                                   (v2+)
//   error_code INT16, generation_id INT32,
//   protocol_type NULLABLE_STRING                            (v7+)
//   protocol_name STRING (NULLABLE v7+), leader STRING,
//   skip_assignment BOOLEAN                                  (v9+)
//   member_id STRING,
//   members ARRAY(member_id STRING, group_instance_id NULLABLE_STRING (v5+), metadata BYTES)
//   (v6+: compact encodings and a TAG_BUFFER closing every struct)

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const JOIN_GROUP_FIRST_FLEXIBLE = 6;

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: Array<{ name: string; metadata: Uint8Array }>;
  reason: string | null;
}

export interface JoinGroupResponse {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  /** null is written as "" before v7 (the field was not nullable). */
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Uint8Array }>;
}

export function decodeJoinGroupRequest(r: KafkaReader, version: number): JoinGroupRequest {
  const flexible = version >= JOIN_GROUP_FIRST_FLEXIBLE;
  const str = (r: KafkaReader, field: string) =>
    flexible ? r.compactString(field) : r.string(field);
  const nullableStr = (field: string) =>
    flexible ? r.compactNullableString(field) : r.nullableString(field);
  const groupId = str(r, "group_id");
  const sessionTimeoutMs = r.int32("session_timeout_ms");
  const rebalanceTimeoutMs = version >= 1 ? r.int32("rebalance_timeout_ms") : sessionTimeoutMs;
  const memberId = str(r, "member_id");
  const groupInstanceId = version >= 5 ? nullableStr("group_instance_id") : null;
  const protocolType = str(r, "protocol_type");
  const protocols = r.array(flexible, "protocols", (r) => {
    const name = str(r, "name");
    const metadata = flexible ? r.compactBytes("metadata") : r.bytesField("metadata");
    if (flexible) r.taggedFields();
    return { name, metadata };
  }) ?? [];
  const reason = version >= 8 ? nullableStr("reason") : null;
  if (flexible) r.taggedFields();
  return {
    groupId,
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    memberId,
    groupInstanceId,
    protocolType,
    protocols,
    reason,
  };
}

export function encodeJoinGroupResponse(
  w: KafkaWriter,
  version: number,
  body: JoinGroupResponse,
): void {
  const flexible = version >= JOIN_GROUP_FIRST_FLEXIBLE;
  if (version >= 2) w.int32(0);
  w.int16(body.errorCode).int32(body.generationId);
  if (version >= 7) w.str(flexible, body.protocolType);
  w.str(flexible, version >= 7 ? body.protocolName : body.protocolName ?? "");
  w.str(flexible, body.leader);
  if (version >= 9) w.bool(body.skipAssignment);
  w.str(flexible, body.memberId);
  w.array(flexible, body.members, (w, m) => {
    w.str(flexible, m.memberId);
    if (version >= 5) w.str(flexible, m.groupInstanceId);
    w.bytes(flexible, m.metadata).tags(flexible);
  });
  w.tags(flexible);
}
