// The classic groups of one coordinator, sans-IO like the rest of it: every operation takes
// nowMs, writes its records through the coordinator's RecordWriter (into the same store, so
// committed offsets are shared with native groups), and returns completions for requests that
// wait (effects.ts). tick() runs the deadlines: sessions, the join (rebalance) deadline, the
// initial rebalance delay, the sync deadline and lapsed KIP-394 member ids.
//
// A group id is one protocol's at a time: a classic join to a native group with members is
// INCONSISTENT_GROUP_PROTOCOL; an empty native group (say, only offsets committed) becomes
// classic, its GroupMetadata tombstoned.
import type {
  ClassicCommitRequest,
  ClassicHeartbeatRequest,
  ClassicJoinRequest,
  ClassicJoinResponse,
  ClassicLeaveMember,
  ClassicLeaveResult,
  ClassicSyncRequest,
  ClassicSyncResponse,
} from "./api.ts";
import type { GroupCoordinatorConfig } from "../config.ts";
import type { RecordWriter } from "../record-writer.ts";
import type { GroupStore } from "../group-store.ts";
import { tombstone } from "../records.ts";
import { ClassicEffects, type ClassicOutcome, type ClassicCompletion } from "./effects.ts";
import { ClassicGroup } from "./group.ts";
import { checkClassicGroup } from "./invariants.ts";
import { join } from "./join.ts";
import { heartbeatClassic, leaveClassic } from "./heartbeat.ts";
import { afterRemoval, onJoinDeadline, removeMember, tryCompleteJoin } from "./rebalance.ts";
import { checkGeneration, knownMember, sync } from "./sync.ts";
import {
  validateHeartbeatClassic,
  validateJoin,
  validateLeave,
  validateSync,
} from "./validate.ts";
import { compareStrings } from "../assignment.ts";
import { type ErrorCodeName, TributaryError } from "../../model/errors.ts";

export interface ClassicGroupsDeps {
  store: GroupStore;
  config: GroupCoordinatorConfig;
  newMemberId: () => string;
}

export interface ClassicStep<T> {
  outcome: ClassicOutcome<T>;
  completions: ClassicCompletion[];
}

export class ClassicGroups {
  readonly #deps: ClassicGroupsDeps;
  readonly #groups = new Map<string, ClassicGroup>();
  #lastWaitId = 0;

  constructor(deps: ClassicGroupsDeps) {
    this.#deps = deps;
  }

  has(groupId: string): boolean {
    return this.#groups.has(groupId);
  }

  group(groupId: string): ClassicGroup | undefined {
    return this.#groups.get(groupId);
  }

  groupIds(): string[] {
    return [...this.#groups.keys()].sort(compareStrings);
  }

  /** Checks every live group (tests and the simulation; operations check the group they touch). */
  checkInvariants(): void {
    for (const g of this.#groups.values()) checkClassicGroup(g);
  }

  /** After an operation on the group (it may have been forgotten: then nothing to check). */
  checkGroup(groupId: string): void {
    const g = this.#groups.get(groupId);
    if (g !== undefined) checkClassicGroup(g);
  }

  /** Members, plus ids handed out with MEMBER_ID_REQUIRED and not yet used. */
  memberCount(groupId: string): number {
    const g = this.#groups.get(groupId);
    return g === undefined ? 0 : g.members.size + g.pending.size;
  }

  join(w: RecordWriter, req: ClassicJoinRequest, nowMs: number): ClassicStep<ClassicJoinResponse> {
    const { config, store } = this.#deps;
    validateJoin(config, req);
    const tables = store.group(req.groupId);
    if (tables !== undefined && tables.members.size > 0) {
      throw new TributaryError(
        "INCONSISTENT_GROUP_PROTOCOL",
        `group ${req.groupId} is a consumer (KIP-848) group with members`,
      );
    }
    let g = this.#groups.get(req.groupId);
    const fresh = g === undefined;
    if (g === undefined) {
      if (req.memberId !== "") {
        throw new TributaryError("UNKNOWN_MEMBER_ID", `no group ${req.groupId}`);
      }
      if (tables === undefined && store.groupCount + this.#unstored() >= config.groupsMax) {
        throw new TributaryError(
          "COORDINATOR_NOT_AVAILABLE",
          `this coordinator already holds ${config.groupsMax} groups`,
        );
      }
      g = new ClassicGroup(req.groupId, nowMs);
    }
    if (!g.supportsProtocols(req.protocolType, req.protocols.map((p) => p.name))) {
      throw new TributaryError(
        "INCONSISTENT_GROUP_PROTOCOL",
        `group ${req.groupId} has no protocol in common with this member (${req.protocolType})`,
      );
    }
    const fx = this.#effects(w);
    const outcome = join(
      { config, fx, newMemberId: this.#deps.newMemberId, nowMs },
      g,
      req,
    );
    if (fresh) {
      this.#groups.set(req.groupId, g);
      if (tables?.metadata != null) w.write(tombstone({ type: "GroupMetadata", groupId: g.groupId }));
    }
    this.#collect(g);
    return { outcome, completions: fx.completions };
  }

  sync(w: RecordWriter, req: ClassicSyncRequest, nowMs: number): ClassicStep<ClassicSyncResponse> {
    validateSync(this.#deps.config, req);
    const fx = this.#effects(w);
    const outcome = sync(fx, this.#groups.get(req.groupId), req, nowMs);
    return { outcome, completions: fx.completions };
  }

  /** The error to answer with (the session is refreshed either way), or null. */
  heartbeat(req: ClassicHeartbeatRequest, nowMs: number): ErrorCodeName | null {
    validateHeartbeatClassic(this.#deps.config, req);
    return heartbeatClassic(this.#groups.get(req.groupId), req, nowMs);
  }

  leave(
    w: RecordWriter,
    groupId: string,
    members: readonly ClassicLeaveMember[],
    nowMs: number,
  ): ClassicStep<ClassicLeaveResult[]> {
    validateLeave(this.#deps.config, groupId, members);
    const fx = this.#effects(w);
    const g = this.#groups.get(groupId);
    const results = leaveClassic(this.#deps.config, fx, groupId, g, members, nowMs);
    if (g !== undefined) this.#collect(g);
    return { outcome: { done: results }, completions: fx.completions };
  }

  /**
   * Checks a classic OffsetCommit (Kafka's rules) and refreshes the member's session; the
   * caller writes the offsets. "simple": generation -1 without a member, only for a group that
   * has no members.
   */
  checkCommit(req: ClassicCommitRequest, nowMs: number): "simple" | "member" {
    const g = this.#groups.get(req.groupId);
    if (req.generationId < 0 && req.memberId === "") {
      if (g !== undefined && g.members.size > 0) {
        throw new TributaryError(
          "UNKNOWN_MEMBER_ID",
          `group ${req.groupId} has members: commits must come from one of them`,
        );
      }
      return "simple";
    }
    if (g === undefined) {
      throw new TributaryError("ILLEGAL_GENERATION", `no classic group ${req.groupId}`);
    }
    const m = knownMember(g, req.groupId, req.memberId, req.groupInstanceId ?? null);
    checkGeneration(g, req.generationId);
    if (g.state === "CompletingRebalance") {
      throw new TributaryError(
        "REBALANCE_IN_PROGRESS",
        `group ${req.groupId} is waiting for its leader's assignment`,
      );
    }
    m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
    return "member";
  }

  /** Admin delete / a native join taking an empty classic group over. */
  dropEmpty(w: RecordWriter, groupId: string): void {
    const g = this.#groups.get(groupId);
    if (g === undefined) return;
    if (g.members.size + g.pending.size > 0) {
      throw new TributaryError("NON_EMPTY_GROUP", `group ${groupId} has members`);
    }
    this.#groups.delete(groupId);
    if (this.#deps.store.group(groupId)?.classic != null) {
      w.write(tombstone({ type: "ClassicGroup", groupId }));
    }
  }

  tick(w: RecordWriter, nowMs: number): ClassicCompletion[] {
    const fx = this.#effects(w);
    for (const g of [...this.#groups.values()]) {
      this.#tickGroup(fx, g, nowMs);
      checkClassicGroup(g);
      this.#collect(g);
    }
    return fx.completions;
  }

  nextDeadlineMs(): number | null {
    let next = Number.POSITIVE_INFINITY;
    for (const g of this.#groups.values()) {
      for (const at of g.pending.values()) next = Math.min(next, at);
      for (const m of g.members.values()) {
        if (m.joinWaitId === null && m.syncWaitId === null) {
          next = Math.min(next, m.sessionDeadlineMs);
        }
      }
      if (g.state === "PreparingRebalance" && g.joinDeadlineMs !== null) {
        next = Math.min(next, g.joinDeadlineMs);
      }
      if (g.syncDeadlineMs !== null) next = Math.min(next, g.syncDeadlineMs);
    }
    return next === Number.POSITIVE_INFINITY ? null : next;
  }

  /** After replay: every stored classic group, Stable (or Empty), sessions armed from now. */
  onLoaded(nowMs: number): void {
    this.#groups.clear();
    for (const groupId of this.#deps.store.groupIds()) {
      const record = this.#deps.store.group(groupId)!.classic;
      if (record !== null) this.#groups.set(groupId, ClassicGroup.fromRecord(record, nowMs));
    }
  }

  #tickGroup(fx: ClassicEffects, g: ClassicGroup, nowMs: number): void {
    let lapsed = false;
    for (const [id, at] of [...g.pending]) {
      if (at <= nowMs) {
        g.pending.delete(id);
        lapsed = true;
      }
    }
    const expired = [...g.members.values()].filter((m) =>
      m.joinWaitId === null && m.syncWaitId === null && m.sessionDeadlineMs <= nowMs
    );
    for (const m of expired) removeMember(fx, g, m, "UNKNOWN_MEMBER_ID", "session timed out");
    if (expired.length > 0) afterRemoval(this.#deps.config, fx, g, nowMs);
    else if (lapsed) tryCompleteJoin(fx, g, nowMs);
    if (
      g.state === "PreparingRebalance" && g.joinDeadlineMs !== null && g.joinDeadlineMs <= nowMs
    ) {
      onJoinDeadline(this.#deps.config, fx, g, nowMs);
    }
    if (g.syncDeadlineMs !== null && g.syncDeadlineMs <= nowMs) {
      g.syncDeadlineMs = null;
      const unsynced = [...g.members.values()].filter((m) => !m.synced);
      for (const m of unsynced) removeMember(fx, g, m, "UNKNOWN_MEMBER_ID", "did not sync in time");
      if (unsynced.length > 0) afterRemoval(this.#deps.config, fx, g, nowMs);
    }
  }

  /** Forgets a group that never got past Empty and was never stored. */
  #collect(g: ClassicGroup): void {
    const idle = g.state === "Empty" && g.members.size === 0 && g.pending.size === 0;
    if (idle && this.#deps.store.group(g.groupId)?.classic == null) {
      this.#groups.delete(g.groupId);
    }
  }

  #unstored(): number {
    let n = 0;
    for (const id of this.#groups.keys()) if (this.#deps.store.group(id)?.classic == null) n++;
    return n;
  }

  #effects(w: RecordWriter): ClassicEffects {
    return new ClassicEffects(w, () => ++this.#lastWaitId);
  }
}
