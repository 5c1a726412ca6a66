// ListGroups (key 16), versions 0-5; v3+ flexible.
//
// Request:
//   v0-v3 => (no fields)
//   v4    => states_filter ARRAY(STRING)                   (KIP-518; empty: every state)
//   v5    => v4, types_filter ARRAY(STRING)                (KIP-848; empty: every type)
// Response:
//   throttle_time_ms INT32                                   (v1+)
//   error_code INT16,
//   groups ARRAY(group_id STRING, protocol_type STRING,
//                group_state STRING (v4+), group_type STRING (v5+))
//   (v3+: compact encodings and a TAG_BUFFER closing every struct)

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const LIST_GROUPS_FIRST_FLEXIBLE = 3;

export interface ListGroupsRequest {
  statesFilter: string[];
  typesFilter: string[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

export interface ListGroupsResponse {
  errorCode: number;
  groups: ListedGroup[];
}

export function decodeListGroupsRequest(r: KafkaReader, version: number): ListGroupsRequest {
  const flexible = version >= LIST_GROUPS_FIRST_FLEXIBLE;
  const names = (field: string) => r.array(true, field, (r) => r.compactString(field)) ?? [];
  const statesFilter = version >= 4 ? names("states_filter") : [];
  const typesFilter = version >= 5 ? names("types_filter") : [];
  if (flexible) r.taggedFields();
  return { statesFilter, typesFilter };
}

export function encodeListGroupsResponse(
  w: KafkaWriter,
  version: number,
  body: ListGroupsResponse,
): void {
  const flexible = version >= LIST_GROUPS_FIRST_FLEXIBLE;
  if (version >= 1) w.int32(0);
  w.int16(body.errorCode);
  w.array(flexible, body.groups, (w, g) => {
    w.str(flexible, g.groupId).str(flexible, g.protocolType);
    if (version >= 4) w.str(flexible, g.groupState);
    if (version >= 5) w.str(flexible, g.groupType);
    w.tags(flexible);
  });
  w.tags(flexible);
}
