// Heartbeat and LeaveGroup of classic members. A heartbeat only keeps the session alive and
// tells the member whether to rejoin (REBALANCE_IN_PROGRESS); leaving removes members at once
// and rebalances the rest.
import type {
  ClassicHeartbeatRequest,
  ClassicLeaveMember,
  ClassicLeaveResult,
} from "./api.ts";
import type { GroupCoordinatorConfig } from "../config.ts";
import type { ClassicEffects } from "./effects.ts";
import type { ClassicGroup } from "./group.ts";
import { afterRemoval, removeMember, tryCompleteJoin } from "./rebalance.ts";
import { checkGeneration, knownMember } from "./sync.ts";
import type { ErrorCodeName } from "../../model/errors.ts";
import { TributaryError } from "../../model/errors.ts";

/** The error to answer with after refreshing the session, or null. */
export function heartbeatClassic(
  g: ClassicGroup | undefined,
  req: ClassicHeartbeatRequest,
  nowMs: number,
): ErrorCodeName | null {
  const m = knownMember(g, req.groupId, req.memberId, req.groupInstanceId ?? null);
  checkGeneration(g!, req.generationId);
  m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
  return g!.state === "PreparingRebalance" ? "REBALANCE_IN_PROGRESS" : null;
}

export function leaveClassic(
  config: GroupCoordinatorConfig,
  fx: ClassicEffects,
  groupId: string,
  g: ClassicGroup | undefined,
  members: readonly ClassicLeaveMember[],
  nowMs: number,
): ClassicLeaveResult[] {
  let removed = false;
  let pendingLeft = false;
  const results = members.map((req): ClassicLeaveResult => {
    const instanceId = req.groupInstanceId ?? null;
    const result = (error: ErrorCodeName | null) => ({
      memberId: req.memberId,
      groupInstanceId: instanceId,
      error,
    });
    if (g === undefined) return result("UNKNOWN_MEMBER_ID");
    if (req.memberId !== "" && instanceId === null && g.pending.delete(req.memberId)) {
      pendingLeft = true;
      return result(null);
    }
    // LeaveGroup v3+ may name a static member by its instance id alone (memberId "").
    const memberId = req.memberId === "" && instanceId !== null
      ? g.instances.get(instanceId) ?? ""
      : req.memberId;
    let m;
    try {
      m = knownMember(g, groupId, memberId, instanceId);
    } catch (err) {
      if (err instanceof TributaryError) return result(err.code);
      throw err;
    }
    removeMember(fx, g, m, "UNKNOWN_MEMBER_ID", "left the group");
    removed = true;
    return result(null);
  });
  if (removed) afterRemoval(config, fx, g!, nowMs);
  else if (pendingLeft) tryCompleteJoin(fx, g!, nowMs);
  return results;
}
