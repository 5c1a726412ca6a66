// The consumer-group heartbeat (KIP-848 style): one request to join, stay, change subscription,
// report revocations, and leave. Every call ends in one reconciliation step for the member.
import { bumpAndAssign, tooManyGroups } from "./assign.ts";
import { type Assignment, assignmentIntersect, isSubset } from "./assignment.ts";
import type { CoordinatorContext, RecordWriter } from "./context.ts";
import type { GroupTables } from "./group-store.ts";
import { leave } from "./leave.ts";
import {
  currentOf,
  currentRecord,
  findByInstance,
  freshMemberId,
  hasLeftStatically,
  heartbeatIntervalFor,
  heldByOthers,
  memberRecordFor,
  sameMember,
  sameTopics,
  targetOf,
} from "./members.ts";
import type { MemberRecord } from "./records.ts";
import { type MemberAssignment, reconcile, sameAssignment } from "./reconcile.ts";
import { tombstone } from "./records.ts";
import {
  type HeartbeatRequest,
  type HeartbeatResponse,
  JOIN_EPOCH,
  LEAVE_EPOCH,
  STATIC_LEAVE_EPOCH,
} from "./types.ts";
import { invalid, validateHeartbeat, validatePartitions } from "./validate.ts";
import { assert, TributaryError } from "../model/errors.ts";

const FRESH: MemberAssignment = {
  memberEpoch: 0,
  previousMemberEpoch: 0,
  assigned: [],
  pendingRevocation: [],
};

export function heartbeat(
  ctx: CoordinatorContext,
  w: RecordWriter,
  req: HeartbeatRequest,
  nowMs: number,
): HeartbeatResponse {
  validateHeartbeat(ctx.config, req);
  if (req.memberEpoch === LEAVE_EPOCH || req.memberEpoch === STATIC_LEAVE_EPOCH) {
    const staticLeave = req.memberEpoch === STATIC_LEAVE_EPOCH;
    leave(ctx, w, {
      groupId: req.groupId,
      memberId: req.memberId,
      instanceId: req.instanceId,
      staticLeave,
    }, nowMs);
    return {
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      heartbeatIntervalMs: 0,
      assignment: [],
    };
  }
  if (req.memberEpoch === JOIN_EPOCH) return join(ctx, w, req, nowMs);
  return stay(ctx, w, req, nowMs);
}

function join(
  ctx: CoordinatorContext,
  w: RecordWriter,
  req: HeartbeatRequest,
  nowMs: number,
): HeartbeatResponse {
  if (ctx.classic.memberCount(req.groupId) > 0) {
    throw new TributaryError(
      "INCONSISTENT_GROUP_PROTOCOL",
      `group ${req.groupId} is a classic (JoinGroup) group with members`,
    );
  }
  const g = ctx.store.group(req.groupId);
  const instanceId = req.instanceId ?? null;
  const hasMembers = g !== undefined && g.members.size > 0;
  if (hasMembers && req.assignor != null && req.assignor !== g.metadata?.assignor) {
    throw new TributaryError(
      "INCONSISTENT_GROUP_PROTOCOL",
      `group ${req.groupId} uses assignor ${String(g.metadata?.assignor)}, not ${req.assignor}`,
    );
  }
  if (!hasMembers && req.assignor != null && !ctx.assignors.has(req.assignor)) {
    invalid(`unknown assignor ${req.assignor}`);
  }
  const byId = req.memberId !== "" ? g?.members.get(req.memberId) : undefined;
  if (byId !== undefined) {
    if (byId.instanceId !== instanceId) throw fencedInstance(req);
    return rejoin(ctx, w, g!, byId, req, nowMs);
  }
  const byInstance = instanceId !== null ? findByInstance(g, instanceId) : undefined;
  if (byInstance !== undefined) {
    const released = hasLeftStatically(g!, byInstance.memberId) ||
      ctx.deadlines.expired(req.groupId, byInstance.memberId, nowMs);
    if (!released) {
      throw new TributaryError(
        "UNRELEASED_INSTANCE_ID",
        `instance ${instanceId} of group ${req.groupId} is still held by an active member`,
      );
    }
    return replaceStatic(ctx, w, g!, byInstance, req, nowMs);
  }
  return addMember(ctx, w, g, req, nowMs);
}

function addMember(
  ctx: CoordinatorContext,
  w: RecordWriter,
  existing: GroupTables | undefined,
  req: HeartbeatRequest,
  nowMs: number,
): HeartbeatResponse {
  if (existing === undefined && ctx.store.groupCount >= ctx.config.groupsMax) {
    throw tooManyGroups(ctx);
  }
  if (existing !== undefined && existing.members.size >= ctx.config.membersPerGroupMax) {
    throw new TributaryError(
      "GROUP_MAX_SIZE_REACHED",
      `group ${req.groupId} already has ${ctx.config.membersPerGroupMax} members`,
    );
  }
  const assignor = existing !== undefined && existing.members.size > 0
    ? undefined
    : req.assignor ?? ctx.config.defaultAssignor;
  const memberId = freshMemberId(ctx, existing);
  // An empty classic group of this id becomes this native one.
  ctx.classic.dropEmpty(w, req.groupId);
  w.write(memberRecordFor(ctx, req.groupId, memberId, req, undefined));
  const g = ctx.store.group(req.groupId)!;
  bumpAndAssign(ctx, w, g, assignor);
  return finish(ctx, w, g, memberId, FRESH, null, nowMs);
}

/** A known member starts over (epoch 0): it owns nothing now, whatever it held before. */
function rejoin(
  ctx: CoordinatorContext,
  w: RecordWriter,
  g: GroupTables,
  old: MemberRecord,
  req: HeartbeatRequest,
  nowMs: number,
): HeartbeatResponse {
  updateMember(ctx, w, g, old, req);
  ctx.deadlines.setRevocation(g.groupId, old.memberId, null);
  return finish(ctx, w, g, old.memberId, FRESH, null, nowMs);
}

/**
 * A static member comes back under a new member id after a static leave (or after its session
 * ran out): it takes over the old member's target and whatever of it the old one still held,
 * which nobody else holds, so the restart moves no partition.
 */
function replaceStatic(
  ctx: CoordinatorContext,
  w: RecordWriter,
  g: GroupTables,
  old: MemberRecord,
  req: HeartbeatRequest,
  nowMs: number,
): HeartbeatResponse {
  const oldTarget = g.targets.get(old.memberId);
  const oldAssigned = currentOf(g, old.memberId).assigned;
  for (const type of ["Member", "TargetAssignment", "CurrentAssignment"] as const) {
    w.write(tombstone({ type, groupId: g.groupId, memberId: old.memberId }));
  }
  ctx.deadlines.forget(g.groupId, old.memberId);
  const memberId = freshMemberId(ctx, g);
  const member = memberRecordFor(ctx, g.groupId, memberId, req, undefined);
  w.write(member);
  if (oldTarget !== undefined) w.write({ ...oldTarget, memberId });
  if (!sameTopics(old.subscribedTopics, member.subscribedTopics)) bumpAndAssign(ctx, w, g);
  const inherited = assignmentIntersect(oldAssigned, targetOf(g, memberId));
  return finish(ctx, w, g, memberId, { ...FRESH, assigned: inherited }, null, nowMs);
}

/** A regular heartbeat from a member at its epoch (or the one before, see below). */
function stay(
  ctx: CoordinatorContext,
  w: RecordWriter,
  req: HeartbeatRequest,
  nowMs: number,
): HeartbeatResponse {
  const g = ctx.store.group(req.groupId);
  const instanceId = req.instanceId ?? null;
  const member = instanceId !== null ? findByInstance(g, instanceId) : g?.members.get(req.memberId);
  if (
    g === undefined || member === undefined ||
    ctx.deadlines.expired(g.groupId, member.memberId, nowMs)
  ) {
    throw new TributaryError(
      "UNKNOWN_MEMBER_ID",
      `no member ${req.memberId} in group ${req.groupId}`,
    );
  }
  if (member.memberId !== req.memberId || member.instanceId !== instanceId) {
    throw fencedInstance(req);
  }
  const owned = req.ownedPartitions != null
    ? validatePartitions(ctx.config, req.ownedPartitions)
    : null;
  const current = currentOf(g, member.memberId);
  checkEpoch(req, current, owned);
  updateMember(ctx, w, g, member, req);
  return finish(ctx, w, g, member.memberId, current, owned, nowMs);
}

/**
 * The epoch must be the member's own. The previous one is accepted too when the member owns no
 * more than its assignment: the response that raised its epoch may have been lost (KIP-848).
 */
function checkEpoch(
  req: HeartbeatRequest,
  current: MemberAssignment,
  owned: Assignment | null,
): void {
  if (current.memberEpoch !== STATIC_LEAVE_EPOCH) {
    if (req.memberEpoch === current.memberEpoch) return;
    const lostResponse = req.memberEpoch === current.previousMemberEpoch && owned !== null &&
      isSubset(owned, current.assigned);
    if (lostResponse) return;
  }
  throw new TributaryError(
    "FENCED_MEMBER_EPOCH",
    `member epoch ${req.memberEpoch} is not the current one (${current.memberEpoch})`,
  );
}

/** Writes what the request changes about the member; a new subscription bumps the group. */
function updateMember(
  ctx: CoordinatorContext,
  w: RecordWriter,
  g: GroupTables,
  old: MemberRecord,
  req: HeartbeatRequest,
): void {
  const next = memberRecordFor(ctx, g.groupId, old.memberId, req, old);
  if (sameMember(old, next)) return;
  w.write(next);
  if (!sameTopics(old.subscribedTopics, next.subscribedTopics)) bumpAndAssign(ctx, w, g);
}

/** One reconciliation step, the session refresh, and the response. */
function finish(
  ctx: CoordinatorContext,
  w: RecordWriter,
  g: GroupTables,
  memberId: string,
  current: MemberAssignment,
  owned: Assignment | null,
  nowMs: number,
): HeartbeatResponse {
  assert(g.metadata !== null, `group ${g.groupId} has members but no metadata`);
  const held = heldByOthers(g, memberId);
  const next = reconcile({
    current,
    targetEpoch: g.metadata.epoch,
    target: targetOf(g, memberId),
    owned,
    heldByOther: (t, p) => held.has(t, p),
  });
  const stored = g.currents.get(memberId);
  if (stored === undefined || !sameAssignment(stored, next)) {
    w.write(currentRecord(g, memberId, next));
  }
  const member = g.members.get(memberId)!;
  ctx.deadlines.setSession(g.groupId, memberId, nowMs + member.sessionTimeoutMs);
  if (next.pendingRevocation.length === 0) ctx.deadlines.setRevocation(g.groupId, memberId, null);
  else if (ctx.deadlines.revocation(g.groupId, memberId) === undefined) {
    ctx.deadlines.setRevocation(g.groupId, memberId, nowMs + member.rebalanceTimeoutMs);
  }
  return {
    memberId,
    memberEpoch: next.memberEpoch,
    heartbeatIntervalMs: heartbeatIntervalFor(ctx, member),
    assignment: next.assigned,
  };
}

function fencedInstance(req: HeartbeatRequest): TributaryError {
  return new TributaryError(
    "FENCED_INSTANCE_ID",
    `member ${req.memberId} does not hold instance ${
      String(req.instanceId ?? null)
    } of group ${req.groupId}`,
  );
}
