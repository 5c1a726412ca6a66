// SyncGroup: the leader sends every member's assignment (opaque bytes), the coordinator stores
// the generation (one ClassicGroup record) and answers each member with its own assignment;
// followers that sync first wait for that.
import type { ClassicSyncRequest, ClassicSyncResponse } from "./api.ts";
import type { ClassicEffects, ClassicOutcome } from "./effects.ts";
import type { ClassicGroup, ClassicMember } from "./group.ts";
import { TributaryError } from "../../model/errors.ts";

const EMPTY = new Uint8Array();

export function sync(
  fx: ClassicEffects,
  g: ClassicGroup | undefined,
  req: ClassicSyncRequest,
  nowMs: number,
): ClassicOutcome<ClassicSyncResponse> {
  const m = knownMember(g, req.groupId, req.memberId, req.groupInstanceId ?? null);
  checkGeneration(g!, req.generationId);
  if (
    (req.protocolType !== null && req.protocolType !== g!.protocolType) ||
    (req.protocolName !== null && req.protocolName !== g!.protocolName)
  ) {
    throw new TributaryError(
      "INCONSISTENT_GROUP_PROTOCOL",
      `group ${req.groupId} uses ${String(g!.protocolType)}/${String(g!.protocolName)}`,
    );
  }
  const group = g!;
  if (group.state === "PreparingRebalance") {
    throw new TributaryError("REBALANCE_IN_PROGRESS", `group ${req.groupId} is rebalancing`);
  }
  m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
  m.synced = true;
  if (group.state === "Stable") {
    settleSyncDeadline(group);
    return { done: syncResponse(group, m) };
  }
  fx.fail(m.syncWaitId, "REBALANCE_IN_PROGRESS", `member ${m.memberId} synced again`);
  m.syncWaitId = fx.newWait();
  const waitId = m.syncWaitId;
  if (m.memberId === group.leaderId) storeAssignments(fx, group, req, nowMs);
  return { waitId };
}

/** The leader's assignments: members it left out get an empty one, unknown ids are ignored. */
function storeAssignments(
  fx: ClassicEffects,
  g: ClassicGroup,
  req: ClassicSyncRequest,
  nowMs: number,
): void {
  const given = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
  for (const m of g.members.values()) {
    const a = given.get(m.memberId);
    m.assignment = a === undefined ? EMPTY : new Uint8Array(a);
  }
  g.transition("Stable", nowMs);
  fx.w.write(g.toRecord());
  for (const m of g.members.values()) {
    if (m.syncWaitId === null) continue;
    fx.completions.push({ waitId: m.syncWaitId, kind: "sync", response: syncResponse(g, m) });
    m.syncWaitId = null;
    m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
  }
  settleSyncDeadline(g);
}

function settleSyncDeadline(g: ClassicGroup): void {
  if ([...g.members.values()].every((m) => m.synced)) g.syncDeadlineMs = null;
}

function syncResponse(g: ClassicGroup, m: ClassicMember): ClassicSyncResponse {
  return {
    protocolType: g.protocolType ?? "",
    protocolName: g.protocolName ?? "",
    assignment: m.assignment,
  };
}

/**
 * The member a request names, checked as Kafka does: a known instance id under another member
 * id is FENCED_INSTANCE_ID (an old incarnation of a restarted static member).
 */
export function knownMember(
  g: ClassicGroup | undefined,
  groupId: string,
  memberId: string,
  instanceId: string | null,
): ClassicMember {
  const unknown = () =>
    new TributaryError("UNKNOWN_MEMBER_ID", `no member ${memberId} in group ${groupId}`);
  if (g === undefined || g.state === "Empty") throw unknown();
  if (instanceId !== null) {
    const current = g.instances.get(instanceId);
    if (current === undefined) throw unknown();
    if (current !== memberId) throw fenced(g, memberId, instanceId);
  }
  const m = g.members.get(memberId);
  if (m === undefined) throw unknown();
  if (m.groupInstanceId !== instanceId) throw fenced(g, memberId, instanceId);
  return m;
}

function fenced(g: ClassicGroup, memberId: string, instanceId: string | null): TributaryError {
  return new TributaryError(
    "FENCED_INSTANCE_ID",
    `member ${memberId} of group ${g.groupId} is not instance ${String(instanceId)}`,
  );
}

export function checkGeneration(g: ClassicGroup, generationId: number): void {
  if (generationId !== g.generationId) {
    throw new TributaryError(
      "ILLEGAL_GENERATION",
      `group ${g.groupId} is at generation ${g.generationId}, not ${generationId}`,
    );
  }
}
