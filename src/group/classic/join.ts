// JoinGroup: new members (KIP-394's MEMBER_ID_REQUIRED round trip for dynamic ones), known
// members rejoining, and static members (group.instance.id) coming back under a new member id.
// A join either waits for the rebalance it starts or joins, or is answered at once with the
// current generation when nothing changed (a rejoin whose answer was lost).
import type { ClassicJoinRequest, ClassicJoinResponse } from "./api.ts";
import type { GroupCoordinatorConfig } from "../config.ts";
import type { ClassicEffects, ClassicOutcome } from "./effects.ts";
import type { ClassicGroup, ClassicMember } from "./group.ts";
import { joinResponse, prepareRebalance, tryCompleteJoin } from "./rebalance.ts";
import { knownMember } from "./sync.ts";
import { rebalanceTimeoutOf } from "./validate.ts";
import { TributaryError } from "../../model/errors.ts";

const EMPTY = new Uint8Array();

export interface JoinContext {
  config: GroupCoordinatorConfig;
  fx: ClassicEffects;
  newMemberId: () => string;
  nowMs: number;
}

/** `g` exists and supports the request's protocols (checked by the caller). */
export function join(
  ctx: JoinContext,
  g: ClassicGroup,
  req: ClassicJoinRequest,
): ClassicOutcome<ClassicJoinResponse> {
  const instanceId = req.groupInstanceId ?? null;
  if (req.memberId === "") {
    const known = instanceId !== null ? g.instances.get(instanceId) : undefined;
    if (known !== undefined) return replaceStatic(ctx, g, g.members.get(known)!, req);
    checkRoom(ctx.config, g);
    const memberId = `${req.clientId}-${ctx.newMemberId()}`;
    if (instanceId === null && req.requireKnownMemberId) {
      g.pending.set(memberId, ctx.nowMs + req.sessionTimeoutMs);
      return { done: memberIdRequired(memberId) };
    }
    return addMember(ctx, g, memberId, req);
  }
  if (g.pending.has(req.memberId) && instanceId === null) {
    g.pending.delete(req.memberId);
    return addMember(ctx, g, req.memberId, req);
  }
  const m = knownMember(g, req.groupId, req.memberId, instanceId);
  return rejoin(ctx, g, m, req);
}

function rejoin(
  ctx: JoinContext,
  g: ClassicGroup,
  m: ClassicMember,
  req: ClassicJoinRequest,
): ClassicOutcome<ClassicJoinResponse> {
  const unchanged = sameProtocols(m, req);
  const isLeader = m.memberId === g.leaderId;
  if (g.state === "CompletingRebalance" && unchanged) {
    return { done: joinResponse(g, m, isLeader) };
  }
  if (g.state === "Stable" && unchanged && !isLeader) {
    m.sessionDeadlineMs = ctx.nowMs + m.sessionTimeoutMs;
    return { done: joinResponse(g, m, false) };
  }
  update(m, req);
  const waitId = awaitJoin(ctx.fx, g, m);
  if (g.state === "PreparingRebalance") tryCompleteJoin(ctx.fx, g, ctx.nowMs);
  else prepareRebalance(ctx.config, ctx.fx, g, ctx.nowMs);
  return { waitId };
}

function addMember(
  ctx: JoinContext,
  g: ClassicGroup,
  memberId: string,
  req: ClassicJoinRequest,
): ClassicOutcome<ClassicJoinResponse> {
  const instanceId = req.groupInstanceId ?? null;
  if (g.members.size === 0) g.protocolType = req.protocolType;
  const m: ClassicMember = {
    memberId,
    groupInstanceId: instanceId,
    clientId: req.clientId,
    clientHost: req.clientHost,
    rebalanceTimeoutMs: rebalanceTimeoutOf(req),
    sessionTimeoutMs: req.sessionTimeoutMs,
    protocols: copyProtocols(req),
    assignment: EMPTY,
    joinWaitId: null,
    syncWaitId: null,
    synced: false,
    sessionDeadlineMs: ctx.nowMs + req.sessionTimeoutMs,
  };
  g.members.set(memberId, m);
  if (instanceId !== null) g.instances.set(instanceId, memberId);
  g.leaderId ??= memberId;
  const waitId = awaitJoin(ctx.fx, g, m);
  if (g.state === "PreparingRebalance") {
    if (g.initialDelay) g.newMemberAdded = true;
    tryCompleteJoin(ctx.fx, g, ctx.nowMs);
  } else {
    prepareRebalance(ctx.config, ctx.fx, g, ctx.nowMs);
  }
  return { waitId };
}

/**
 * A static member back (restarted) under a new member id: it takes the old member's place
 * and assignment, and the old id is fenced. In a Stable group a follower with unchanged
 * protocols carries on without a rebalance (the new id is stored at once).
 */
function replaceStatic(
  ctx: JoinContext,
  g: ClassicGroup,
  old: ClassicMember,
  req: ClassicJoinRequest,
): ClassicOutcome<ClassicJoinResponse> {
  const memberId = `${req.clientId}-${ctx.newMemberId()}`;
  const fenced = `instance ${old.groupInstanceId} rejoined as ${memberId}`;
  ctx.fx.fail(old.joinWaitId, "FENCED_INSTANCE_ID", fenced);
  ctx.fx.fail(old.syncWaitId, "FENCED_INSTANCE_ID", fenced);
  const unchanged = sameProtocols(old, req);
  const m: ClassicMember = {
    ...old,
    memberId,
    clientId: req.clientId,
    clientHost: req.clientHost,
    rebalanceTimeoutMs: rebalanceTimeoutOf(req),
    sessionTimeoutMs: req.sessionTimeoutMs,
    protocols: copyProtocols(req),
    joinWaitId: null,
    syncWaitId: null,
    sessionDeadlineMs: ctx.nowMs + req.sessionTimeoutMs,
  };
  // Same place in join order: the leader stays the leader.
  const order = [...g.members.values()].map((x) => (x === old ? m : x));
  g.members.clear();
  for (const x of order) g.members.set(x.memberId, x);
  g.instances.set(old.groupInstanceId!, memberId);
  const wasLeader = g.leaderId === old.memberId;
  if (wasLeader) g.leaderId = memberId;
  if (g.state === "Stable" && unchanged && !wasLeader) {
    ctx.fx.w.write(g.toRecord());
    return { done: joinResponse(g, m, false) };
  }
  const waitId = awaitJoin(ctx.fx, g, m);
  if (g.state === "PreparingRebalance") tryCompleteJoin(ctx.fx, g, ctx.nowMs);
  else prepareRebalance(ctx.config, ctx.fx, g, ctx.nowMs);
  return { waitId };
}

/** A member's new join replaces one it may still have waiting (that answer is never read). */
function awaitJoin(fx: ClassicEffects, g: ClassicGroup, m: ClassicMember): number {
  fx.fail(m.joinWaitId, "REBALANCE_IN_PROGRESS", `member ${m.memberId} joined ${g.groupId} again`);
  m.joinWaitId = fx.newWait();
  return m.joinWaitId;
}

function checkRoom(config: GroupCoordinatorConfig, g: ClassicGroup): void {
  if (g.members.size + g.pending.size >= config.classicMembersPerGroupMax) {
    throw new TributaryError(
      "GROUP_MAX_SIZE_REACHED",
      `group ${g.groupId} already has ${config.classicMembersPerGroupMax} members`,
    );
  }
}

function update(m: ClassicMember, req: ClassicJoinRequest): void {
  m.clientId = req.clientId;
  m.clientHost = req.clientHost;
  m.rebalanceTimeoutMs = rebalanceTimeoutOf(req);
  m.sessionTimeoutMs = req.sessionTimeoutMs;
  m.protocols = copyProtocols(req);
}

function sameProtocols(m: ClassicMember, req: ClassicJoinRequest): boolean {
  if (m.protocols.length !== req.protocols.length) return false;
  return m.protocols.every((p, i) =>
    p.name === req.protocols[i].name && sameBytes(p.metadata, req.protocols[i].metadata)
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Copies: the request's buffers may be views into a reused network buffer.
function copyProtocols(req: ClassicJoinRequest): { name: string; metadata: Uint8Array }[] {
  return req.protocols.map((p) => ({ name: p.name, metadata: new Uint8Array(p.metadata) }));
}

function memberIdRequired(memberId: string): ClassicJoinResponse {
  return {
    error: "MEMBER_ID_REQUIRED",
    generationId: -1,
    protocolType: "",
    protocolName: "",
    leader: "",
    memberId,
    members: [],
    skipAssignment: false,
  };
}
