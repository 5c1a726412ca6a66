// The rebalance of a classic group: prepare (everyone must rejoin), complete the join (new
// generation, protocol, leader; every waiting JoinGroup answered), and removing members, which
// starts or advances a rebalance. As Kafka: the join completes once every known member has
// rejoined, or at the rebalance timeout (the longest of the members') with whoever has; the
// first join to an Empty group waits group.initial.rebalance.delay.ms first.
import type { ClassicJoinResponse } from "./api.ts";
import type { GroupCoordinatorConfig } from "../config.ts";
import type { ClassicEffects } from "./effects.ts";
import type { ClassicGroup, ClassicMember } from "./group.ts";
import type { ErrorCodeName } from "../../model/errors.ts";

const EMPTY = new Uint8Array();

export function prepareRebalance(
  config: GroupCoordinatorConfig,
  fx: ClassicEffects,
  g: ClassicGroup,
  nowMs: number,
): void {
  if (g.state === "CompletingRebalance") {
    // The leader's assignment for this generation will never come: followers rejoin.
    for (const m of g.members.values()) {
      if (m.syncWaitId === null) continue;
      fx.fail(m.syncWaitId, "REBALANCE_IN_PROGRESS", `group ${g.groupId} is rebalancing`);
      m.syncWaitId = null;
      // Kept alive while it waited; its session runs from the answer, as in Kafka.
      m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
    }
  }
  for (const m of g.members.values()) m.assignment = EMPTY;
  g.syncDeadlineMs = null;
  const delayMs = config.classicInitialRebalanceDelayMs;
  const fromEmpty = g.state === "Empty" && delayMs > 0;
  g.transition("PreparingRebalance", nowMs);
  if (fromEmpty) {
    g.initialDelay = true;
    g.newMemberAdded = false;
    g.initialDelayLeftMs = Math.max(0, g.rebalanceTimeoutMs() - delayMs);
    g.joinDeadlineMs = nowMs + delayMs;
  } else {
    g.initialDelay = false;
    g.joinDeadlineMs = nowMs + g.rebalanceTimeoutMs();
  }
  tryCompleteJoin(fx, g, nowMs);
}

export function tryCompleteJoin(fx: ClassicEffects, g: ClassicGroup, nowMs: number): void {
  if (g.state === "PreparingRebalance" && !g.initialDelay && g.allJoined()) {
    completeJoin(fx, g, nowMs);
  }
}

/** The join deadline passed: extend the initial delay while members keep arriving, or complete. */
export function onJoinDeadline(
  config: GroupCoordinatorConfig,
  fx: ClassicEffects,
  g: ClassicGroup,
  nowMs: number,
): void {
  if (g.initialDelay && g.newMemberAdded && g.initialDelayLeftMs > 0) {
    const delayMs = Math.min(config.classicInitialRebalanceDelayMs, g.initialDelayLeftMs);
    g.initialDelayLeftMs -= delayMs;
    g.newMemberAdded = false;
    g.joinDeadlineMs = nowMs + delayMs;
    return;
  }
  completeJoin(fx, g, nowMs);
}

/** New generation with the members that rejoined; the others are removed. */
export function completeJoin(fx: ClassicEffects, g: ClassicGroup, nowMs: number): void {
  for (const m of [...g.members.values()]) {
    if (m.joinWaitId === null) {
      removeMember(fx, g, m, "UNKNOWN_MEMBER_ID", "did not rejoin in time");
    }
  }
  g.pending.clear();
  g.joinDeadlineMs = null;
  g.initialDelay = false;
  g.generationId++;
  if (g.members.size === 0) {
    g.protocolName = null;
    g.leaderId = null;
    g.transition("Empty", nowMs);
    fx.w.write(g.toRecord());
    return;
  }
  g.protocolName = g.selectProtocol();
  if (g.leaderId === null || !g.members.has(g.leaderId)) {
    g.leaderId = g.members.keys().next().value!;
  }
  g.transition("CompletingRebalance", nowMs);
  g.syncDeadlineMs = nowMs + g.rebalanceTimeoutMs();
  for (const m of g.members.values()) {
    const response = joinResponse(g, m, m.memberId === g.leaderId);
    fx.completions.push({ waitId: m.joinWaitId!, kind: "join", response });
    m.joinWaitId = null;
    m.synced = false;
    m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
  }
}

/** The current generation as the member's JoinGroup answer; the member list only for a leader. */
export function joinResponse(
  g: ClassicGroup,
  m: ClassicMember,
  withMembers: boolean,
): ClassicJoinResponse {
  return {
    error: null,
    generationId: g.generationId,
    protocolType: g.protocolType ?? "",
    protocolName: g.protocolName ?? "",
    leader: g.leaderId ?? "",
    memberId: m.memberId,
    members: withMembers
      ? [...g.members.values()].map((x) => ({
        memberId: x.memberId,
        groupInstanceId: x.groupInstanceId,
        metadata: g.metadataOf(x),
      }))
      : [],
    skipAssignment: false,
  };
}

/** Drops a member and fails what it waits for; the caller then calls afterRemoval once. */
export function removeMember(
  fx: ClassicEffects,
  g: ClassicGroup,
  m: ClassicMember,
  code: ErrorCodeName,
  why: string,
): void {
  const message = `member ${m.memberId} of group ${g.groupId}: ${why}`;
  fx.fail(m.joinWaitId, code, message);
  fx.fail(m.syncWaitId, code, message);
  g.members.delete(m.memberId);
  if (m.groupInstanceId !== null && g.instances.get(m.groupInstanceId) === m.memberId) {
    g.instances.delete(m.groupInstanceId);
  }
  if (g.leaderId === m.memberId) g.leaderId = g.members.keys().next().value ?? null;
}

/** A membership change: a settled group rebalances, a rebalancing one may now complete. */
export function afterRemoval(
  config: GroupCoordinatorConfig,
  fx: ClassicEffects,
  g: ClassicGroup,
  nowMs: number,
): void {
  if (g.state === "Stable" || g.state === "CompletingRebalance") {
    prepareRebalance(config, fx, g, nowMs);
  } else if (g.state === "PreparingRebalance") {
    tryCompleteJoin(fx, g, nowMs);
  }
}
