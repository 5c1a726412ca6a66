// A test shell around the coordinator's classic groups: a virtual clock, every record kept
// (for replay), and every completion kept by waitId, the way the service's waiters use them.
import type {
  ClassicJoinRequest,
  ClassicJoinResponse,
  ClassicSyncRequest,
  ClassicSyncResponse,
} from "../../../src/coordinator/classic-types.ts";
import type { ClassicCompletion, ClassicResult } from "../../../src/group/classic/effects.ts";
import { GroupCoordinator, type GroupCoordinatorConfig, type GroupRecord } from "../../../src/group/mod.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { sequentialIds } from "../support.ts";

export const enc = new TextEncoder();
export const bytes = (s: string) => enc.encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

export function joinRequest(over: Partial<ClassicJoinRequest> = {}): ClassicJoinRequest {
  return {
    groupId: "g",
    memberId: "",
    groupInstanceId: null,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: bytes("sub") }],
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 20_000,
    clientId: "c",
    clientHost: "/127.0.0.1",
    requireKnownMemberId: false,
    ...over,
  };
}

export type Answer<T> = { value: T } | { error: string };

export class ClassicShell {
  coordinator: GroupCoordinator;
  nowMs = 1_000;
  readonly records: GroupRecord[] = [];
  readonly answers = new Map<number, Answer<unknown>>();

  constructor(config: Partial<GroupCoordinatorConfig> = {}, records: GroupRecord[] = []) {
    this.coordinator = newClassicCoordinator(config);
    for (const r of records) this.coordinator.replay(r);
    this.records.push(...records);
    this.coordinator.onLoaded(this.nowMs);
  }

  /** A join: its answer now, or the waitId a later completion answers. */
  join(over: Partial<ClassicJoinRequest> = {}): { done?: ClassicJoinResponse; waitId?: number } {
    return this.#step(this.coordinator.joinClassic(joinRequest(over), this.nowMs));
  }

  sync(req: Partial<ClassicSyncRequest> & { memberId: string; generationId: number }) {
    const full: ClassicSyncRequest = {
      groupId: "g",
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
      ...req,
    };
    return this.#step<ClassicSyncResponse>(this.coordinator.syncClassic(full, this.nowMs));
  }

  heartbeat(memberId: string, generationId: number, groupInstanceId: string | null = null) {
    return this.coordinator.heartbeatClassic(
      { groupId: "g", memberId, generationId, groupInstanceId },
      this.nowMs,
    );
  }

  /** Advances the clock and runs every deadline due on the way, in order. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (let i = 0; i < 10_000; i++) {
      const next = this.coordinator.nextDeadlineMs();
      if (next === null || next > end) break;
      this.nowMs = Math.max(this.nowMs, next);
      const ticked = this.coordinator.tick(this.nowMs);
      this.records.push(...ticked.records);
      this.#deliver(ticked.completions ?? []);
    }
    this.nowMs = end;
  }

  answer<T>(waitId: number | undefined): Answer<T> | undefined {
    if (waitId === undefined) throw new Error("no waitId");
    return this.answers.get(waitId) as Answer<T> | undefined;
  }

  value<T>(waitId: number | undefined): T {
    const a = this.answer<T>(waitId);
    if (a === undefined) throw new Error(`wait ${String(waitId)} is unanswered`);
    if ("error" in a) throw new Error(`wait ${String(waitId)} failed: ${a.error}`);
    return a.value;
  }

  errorOf(waitId: number | undefined): string | undefined {
    const a = this.answer(waitId);
    return a !== undefined && "error" in a ? a.error : undefined;
  }

  record<T>(result: { records: GroupRecord[] }): void {
    this.records.push(...result.records);
  }

  #step<T>(result: ClassicResult<T>): { done?: T; waitId?: number } {
    this.records.push(...result.records);
    this.#deliver(result.completions);
    return "done" in result.outcome ? { done: result.outcome.done } : {
      waitId: result.outcome.waitId,
    };
  }

  #deliver(completions: readonly ClassicCompletion[]): void {
    for (const c of completions) {
      if (this.answers.has(c.waitId)) throw new Error(`wait ${c.waitId} answered twice`);
      this.answers.set(
        c.waitId,
        c.kind === "error" ? { error: c.error.code } : { value: c.response },
      );
    }
  }
}

/** group.initial.rebalance.delay.ms in these tests. */
export const INITIAL_DELAY_MS = 100;

export function newClassicCoordinator(config: Partial<GroupCoordinatorConfig> = {}) {
  return new GroupCoordinator({
    newMemberId: sequentialIds("id"),
    partitionCounts: [["t", 4]],
    config: { classicInitialRebalanceDelayMs: INITIAL_DELAY_MS, ...config },
  });
}

export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof TributaryError ? err.code : `not a TributaryError: ${String(err)}`;
  }
  return undefined;
}
