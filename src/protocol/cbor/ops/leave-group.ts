// LeaveGroup (op 22): leave a group, or leave statically; the same as a heartbeat with epoch -1
// (or -2 with staticLeave) (docs/protocol.md §6.14).
//
//   request v1  = {"groupId": text, "memberId": text,
//                  ? "instanceId": text / null,
//                  ? "staticLeave": bool / null}     ; default false: keep the partitions for
//                                                    ; the instance's return
//   response v1 = {}

import { Shape } from "../shape.ts";
import type { OpModule } from "./op-module.ts";

export interface LeaveGroupRequestBody {
  groupId: string;
  memberId: string;
  instanceId?: string | null;
  /** Static leave: the instance keeps its partitions until its session times out. */
  staticLeave?: boolean | null;
}

export type LeaveGroupResponseBody = Record<string, never>;

export const leaveGroupOp: OpModule<LeaveGroupRequestBody, LeaveGroupResponseBody> = {
  versions: { min: 1, max: 1 },
  requestValidators: { 1: requestV1 },
  validateResponse: () => ({}),
};

function requestV1(body: unknown): LeaveGroupRequestBody {
  const shape = new Shape("INVALID_REQUEST", "LeaveGroup v1");
  const m = shape.map(body, "body");
  return {
    groupId: shape.text(m, "groupId", "body"),
    memberId: shape.text(m, "memberId", "body"),
    instanceId: shape.optText(m, "instanceId", "body") ?? null,
    staticLeave: shape.optBool(m, "staticLeave", "body") ?? false,
  };
}
