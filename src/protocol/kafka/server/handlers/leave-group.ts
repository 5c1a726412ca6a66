// LeaveGroup: one member before v3, a batch from v3 with a result per member. Before v3 the
// member's own error is the response's.

import { kafkaCodeOfName, kafkaErrorCode, NONE } from "../../error-codes.ts";
import {
  decodeLeaveGroupRequest,
  encodeLeaveGroupResponse,
  type LeaveGroupResponse,
} from "../../messages/leave-group.ts";
import type { KafkaReader } from "../../reader.ts";
import type { KafkaWriter } from "../../writer.ts";
import type { KafkaContext } from "../context.ts";
import { classicOf } from "./group-backend.ts";

export async function leaveGroup(
  ctx: KafkaContext,
  r: KafkaReader,
  version: number,
  w: KafkaWriter,
): Promise<void> {
  const request = decodeLeaveGroupRequest(r, version);
  r.expectEnd(`LeaveGroup v${version}`);
  let response: LeaveGroupResponse;
  try {
    const results = await classicOf(ctx).leaveGroupClassic(request.groupId, request.members);
    const members = results.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      errorCode: kafkaCodeOfName(m.error),
    }));
    const errorCode = version < 3 ? members[0]?.errorCode ?? NONE : NONE;
    response = { errorCode, members };
  } catch (err) {
    response = { errorCode: kafkaErrorCode(err), members: [] };
  }
  encodeLeaveGroupResponse(w, version, response);
}
