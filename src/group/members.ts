// Small queries and record builders about members, shared by join, heartbeat and leave.
import { type Assignment, compareStrings, PartitionSet } from "./assignment.ts";
import type { CoordinatorContext } from "./context.ts";
import type { GroupTables } from "./group-store.ts";
import type { CurrentAssignmentRecord, MemberRecord } from "./records.ts";
import type { MemberAssignment } from "./reconcile.ts";
import { type HeartbeatRequest, STATIC_LEAVE_EPOCH } from "./types.ts";
import { assert, TributaryError } from "../model/errors.ts";

export function findByInstance(
  g: GroupTables | undefined,
  instanceId: string,
): MemberRecord | undefined {
  if (g === undefined) return undefined;
  for (const m of g.members.values()) if (m.instanceId === instanceId) return m;
  return undefined;
}

export function currentOf(g: GroupTables, memberId: string): CurrentAssignmentRecord {
  const current = g.currents.get(memberId);
  assert(current !== undefined, `member ${memberId} of ${g.groupId} has no current assignment`);
  return current;
}

export function targetOf(g: GroupTables, memberId: string): Assignment {
  return g.targets.get(memberId)?.partitions ?? [];
}

export function hasLeftStatically(g: GroupTables, memberId: string): boolean {
  return g.currents.get(memberId)?.memberEpoch === STATIC_LEAVE_EPOCH;
}

/** Partitions held (assigned or pending revocation) by members other than memberId. */
export function heldByOthers(g: GroupTables, memberId: string): PartitionSet {
  const held = new PartitionSet();
  for (const [id, current] of g.currents) {
    if (id === memberId) continue;
    for (const a of [current.assigned, current.pendingRevocation]) {
      for (const { topic, partitions } of a) for (const p of partitions) held.add(topic, p);
    }
  }
  return held;
}

export function currentRecord(
  g: GroupTables,
  memberId: string,
  state: MemberAssignment,
): CurrentAssignmentRecord {
  return {
    type: "CurrentAssignment",
    groupId: g.groupId,
    memberId,
    memberEpoch: state.memberEpoch,
    previousMemberEpoch: state.previousMemberEpoch,
    assigned: state.assigned,
    pendingRevocation: state.pendingRevocation,
  };
}

/** The member record after applying what the request changes (null fields keep old values). */
export function memberRecordFor(
  ctx: CoordinatorContext,
  groupId: string,
  memberId: string,
  req: HeartbeatRequest,
  old: MemberRecord | undefined,
): MemberRecord {
  const cfg = ctx.config;
  return {
    type: "Member",
    groupId,
    memberId,
    instanceId: req.instanceId ?? old?.instanceId ?? null,
    clientId: req.clientId ?? old?.clientId ?? "",
    subscribedTopics: req.subscribedTopics != null
      ? [...new Set(req.subscribedTopics)].sort(compareStrings)
      : old?.subscribedTopics ?? [],
    sessionTimeoutMs: req.sessionTimeoutMs ?? old?.sessionTimeoutMs ?? cfg.sessionTimeoutMsDefault,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs ?? old?.rebalanceTimeoutMs ??
      cfg.rebalanceTimeoutMsDefault,
  };
}

export function sameMember(a: MemberRecord, b: MemberRecord): boolean {
  return a.instanceId === b.instanceId && a.clientId === b.clientId &&
    sameTopics(a.subscribedTopics, b.subscribedTopics) &&
    a.sessionTimeoutMs === b.sessionTimeoutMs &&
    a.rebalanceTimeoutMs === b.rebalanceTimeoutMs;
}

export function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** A fresh id the group does not use; the injected generator keeps runs reproducible. */
export function freshMemberId(ctx: CoordinatorContext, g: GroupTables | undefined): string {
  for (let attempt = 0; attempt < 8; attempt++) {
    const id = ctx.newMemberId();
    assert(typeof id === "string" && id.length > 0, "member id generator returned no id");
    if (g === undefined || !g.members.has(id)) return id;
  }
  throw new TributaryError("UNKNOWN_SERVER_ERROR", "member id generator keeps returning used ids");
}

export function heartbeatIntervalFor(ctx: CoordinatorContext, member: MemberRecord): number {
  return Math.max(
    1,
    Math.min(ctx.config.heartbeatIntervalMs, Math.floor(member.sessionTimeoutMs / 3)),
  );
}
