// LeaveGroup (key 13), versions 0-5; v4+ flexible.
//
// Request:
//   v0-v2 => group_id STRING, member_id STRING
//   v3+   => group_id STRING,
//            members ARRAY(member_id STRING, group_instance_id NULLABLE_STRING,
//                          reason NULLABLE_STRING (v5+))      (KIP-345: a batch)
// Response:
//   throttle_time_ms INT32                                   (v1+)
//   error_code INT16,
//   members ARRAY(member_id STRING, group_instance_id NULLABLE_STRING, error_code INT16) (v3+)
//   (v4+: compact encodings and a TAG_BUFFER closing every struct)

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const LEAVE_GROUP_FIRST_FLEXIBLE = 4;

export interface LeaveGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveGroupRequest {
  groupId: string;
  /** One member before v3. */
  members: LeaveGroupMember[];
}

export interface LeaveGroupResponse {
  errorCode: number;
  /** Written from v3 only. */
  members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }>;
}

export function decodeLeaveGroupRequest(r: KafkaReader, version: number): LeaveGroupRequest {
  const flexible = version >= LEAVE_GROUP_FIRST_FLEXIBLE;
  const str = (r: KafkaReader, field: string) =>
    flexible ? r.compactString(field) : r.string(field);
  const nullableStr = (r: KafkaReader, field: string) =>
    flexible ? r.compactNullableString(field) : r.nullableString(field);
  const groupId = str(r, "group_id");
  if (version < 3) {
    const memberId = str(r, "member_id");
    return { groupId, members: [{ memberId, groupInstanceId: null, reason: null }] };
  }
  const members = r.array(flexible, "members", (r) => {
    const memberId = str(r, "member_id");
    const groupInstanceId = nullableStr(r, "group_instance_id");
    const reason = version >= 5 ? nullableStr(r, "reason") : null;
    if (flexible) r.taggedFields();
    return { memberId, groupInstanceId, reason };
  }) ?? [];
  if (flexible) r.taggedFields();
  return { groupId, members };
}

export function encodeLeaveGroupResponse(
  w: KafkaWriter,
  version: number,
  body: LeaveGroupResponse,
): void {
  const flexible = version >= LEAVE_GROUP_FIRST_FLEXIBLE;
  if (version >= 1) w.int32(0);
  w.int16(body.errorCode);
  if (version >= 3) {
    w.array(flexible, body.members, (w, m) => {
      w.str(flexible, m.memberId).str(flexible, m.groupInstanceId).int16(m.errorCode);
      w.tags(flexible);
    });
  }
  w.tags(flexible);
}
