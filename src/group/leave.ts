// Leaving: for good (epoch -1: the member's partitions are reassigned at once) or, for a static
// member, temporarily (epoch -2: its partitions wait for the same instance id until its session
// expires). Either way the member promises it has already released everything it owned.
import { bumpAndAssign } from "./assign.ts";
import { assignmentIntersect } from "./assignment.ts";
import type { CoordinatorContext, RecordWriter } from "./context.ts";
import type { GroupTables } from "./group-store.ts";
import { currentOf, findByInstance, targetOf } from "./members.ts";
import { tombstone } from "./records.ts";
import { type LeaveRequest, STATIC_LEAVE_EPOCH } from "./types.ts";
import { invalid, validateGroupId } from "./validate.ts";
import { TributaryError } from "../model/errors.ts";

export function leave(
  ctx: CoordinatorContext,
  w: RecordWriter,
  req: LeaveRequest,
  nowMs: number,
): void {
  validateGroupId(ctx.config, req.groupId);
  if (typeof req.memberId !== "string") invalid("memberId must be a string");
  const instanceId = req.instanceId ?? null;
  if (req.staticLeave === true && instanceId === null) {
    invalid("only static members leave statically");
  }
  const g = ctx.store.group(req.groupId);
  const member = instanceId !== null ? findByInstance(g, instanceId) : g?.members.get(req.memberId);
  if (g === undefined || member === undefined) {
    throw new TributaryError(
      "UNKNOWN_MEMBER_ID",
      `no member ${req.memberId} in group ${req.groupId}`,
    );
  }
  if (member.memberId !== req.memberId || member.instanceId !== instanceId) {
    throw new TributaryError(
      "FENCED_INSTANCE_ID",
      `instance ${String(instanceId)} of group ${req.groupId} belongs to another member`,
    );
  }
  if (req.staticLeave === true) leaveStatically(ctx, w, g, member.memberId, nowMs);
  else removeMembers(ctx, w, g, [member.memberId]);
}

function leaveStatically(
  ctx: CoordinatorContext,
  w: RecordWriter,
  g: GroupTables,
  memberId: string,
  nowMs: number,
): void {
  const current = currentOf(g, memberId);
  if (current.memberEpoch === STATIC_LEAVE_EPOCH) return;
  // What the member released but its target no longer holds is free for others right away.
  w.write({
    ...current,
    memberEpoch: STATIC_LEAVE_EPOCH,
    previousMemberEpoch: current.memberEpoch,
    assigned: assignmentIntersect(current.assigned, targetOf(g, memberId)),
    pendingRevocation: [],
  });
  const member = g.members.get(memberId)!;
  ctx.deadlines.setSession(g.groupId, memberId, nowMs + member.sessionTimeoutMs);
  ctx.deadlines.setRevocation(g.groupId, memberId, null);
}

/** Removes members (left, expired or fenced) and rebalances the rest: one epoch bump. */
export function removeMembers(
  ctx: CoordinatorContext,
  w: RecordWriter,
  g: GroupTables,
  memberIds: readonly string[],
): void {
  for (const memberId of memberIds) {
    for (const type of ["Member", "TargetAssignment", "CurrentAssignment"] as const) {
      w.write(tombstone({ type, groupId: g.groupId, memberId }));
    }
    ctx.deadlines.forget(g.groupId, memberId);
  }
  bumpAndAssign(ctx, w, g);
}
