// DeleteGroups: each named group with its committed offsets, one result each: NON_EMPTY_GROUP
// while it has members, GROUP_ID_NOT_FOUND when unknown. One group at a time, in request order,
// so a name given twice is answered GROUP_ID_NOT_FOUND the second time, as it would be alone.

import { kafkaErrorCode, NONE } from "../../error-codes.ts";
import {
  decodeDeleteGroupsRequest,
  encodeDeleteGroupsResponse,
} from "../../messages/delete-groups.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { groupsOf } from "./group-backend.ts";

export async function deleteGroups(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const names = decodeDeleteGroupsRequest(r, version);
  r.expectEnd(`DeleteGroups v${version}`);
  const results: Array<{ groupId: string; errorCode: number }> = [];
  for (const groupId of names) {
    try {
      await groupsOf(ctx).deleteGroup(groupId);
      results.push({ groupId, errorCode: NONE });
    } catch (err) {
      results.push({ groupId, errorCode: kafkaErrorCode(err) });
    }
  }
  encodeDeleteGroupsResponse(w, version, results);
}
