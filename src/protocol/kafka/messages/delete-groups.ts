// DeleteGroups (key 42), versions 0-2; v2 flexible.
//
// Request:
//   groups_names ARRAY(STRING)
// Response:
//   throttle_time_ms INT32, results ARRAY(group_id STRING, error_code INT16)
//   (v2: compact encodings and a TAG_BUFFER closing every struct)

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const DELETE_GROUPS_FIRST_FLEXIBLE = 2;

export function decodeDeleteGroupsRequest(r: KafkaReader, version: number): string[] {
  const flexible = version >= DELETE_GROUPS_FIRST_FLEXIBLE;
  const names = r.array(
    flexible,
    "groups_names",
    (r) => (flexible ? r.compactString("group") : r.string("group")),
  ) ?? [];
  if (flexible) r.taggedFields();
  return names;
}

export function encodeDeleteGroupsResponse(
  w: KafkaWriter,
  version: number,
  results: ReadonlyArray<{ groupId: string; errorCode: number }>,
): void {
  const flexible = version >= DELETE_GROUPS_FIRST_FLEXIBLE;
  w.int32(0);
  w.array(flexible, results, (w, g) => {
    w.str(flexible, g.groupId).int16(g.errorCode).tags(flexible);
  });
  w.tags(flexible);
}
