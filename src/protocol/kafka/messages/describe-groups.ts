// DescribeGroups (key 15), versions 0-5; v5 flexible. (v6 adds error_message: not served.)
//
// Request:
//   groups ARRAY(STRING),
//   include_authorized_operations BOOLEAN                    (v3+)
// Response:
//   throttle_time_ms INT32                                   (v1+)
//   groups ARRAY(error_code INT16, group_id STRING, group_state STRING,
//     protocol_type STRING, protocol_data STRING,
//     members ARRAY(member_id STRING, group_instance_id NULLABLE_STRING (v4+),
//       client_id STRING, client_host STRING, member_metadata BYTES, member_assignment BYTES),
//     authorized_operations INT32 (v3+))
//   (v5: compact encodings and a TAG_BUFFER closing every struct)
//
// Authorized operations are not computed (no authorizer yet): INT32_MIN, Kafka's "omitted".

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";
import { AUTHORIZED_OPERATIONS_OMITTED } from "./metadata.ts";

export const DESCRIBE_GROUPS_FIRST_FLEXIBLE = 5;

export interface DescribeGroupsRequest {
  groups: string[];
  includeAuthorizedOperations: boolean;
}

export interface DescribedGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Uint8Array;
  memberAssignment: Uint8Array;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedGroupMember[];
}

export function decodeDescribeGroupsRequest(
  r: KafkaReader,
  version: number,
): DescribeGroupsRequest {
  const flexible = version >= DESCRIBE_GROUPS_FIRST_FLEXIBLE;
  const groups = r.array(
    flexible,
    "groups",
    (r) => (flexible ? r.compactString("group") : r.string("group")),
  ) ?? [];
  const includeAuthorizedOperations = version >= 3
    ? r.bool("include_authorized_operations")
    : false;
  if (flexible) r.taggedFields();
  return { groups, includeAuthorizedOperations };
}

export function encodeDescribeGroupsResponse(
  w: KafkaWriter,
  version: number,
  groups: readonly DescribedGroup[],
): void {
  const flexible = version >= DESCRIBE_GROUPS_FIRST_FLEXIBLE;
  if (version >= 1) w.int32(0);
  w.array(flexible, groups, (w, g) => {
    w.int16(g.errorCode).str(flexible, g.groupId).str(flexible, g.groupState);
    w.str(flexible, g.protocolType).str(flexible, g.protocolData);
    w.array(flexible, g.members, (w, m) => {
      w.str(flexible, m.memberId);
      if (version >= 4) w.str(flexible, m.groupInstanceId);
      w.str(flexible, m.clientId).str(flexible, m.clientHost);
      w.bytes(flexible, m.memberMetadata).bytes(flexible, m.memberAssignment).tags(flexible);
    });
    if (version >= 3) w.int32(AUTHORIZED_OPERATIONS_OMITTED);
    w.tags(flexible);
  });
  w.tags(flexible);
}
