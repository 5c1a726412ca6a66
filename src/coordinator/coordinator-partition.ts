// One `__consumer_offsets` partition and the GroupCoordinator holding its groups, for as long as
// this broker leads the partition: loading by replay when it becomes leader (in a leader
// epoch), durable appends before answers, the deadline timer, reloading after a failure, and
// closing when leadership goes elsewhere.
//
// Ordering: an operation's records are handed to the log in the same turn as the state change
// that made them (appendInternal is synchronous up to the log, which appends in call order),
// so the log's order is the order of the in-memory changes even across groups. An operation
// that wrote nothing still waits for every append before it (the barrier), so nothing a
// response shows is less durable than the response.
//
// Leadership: every write carries the leader epoch the partition was loaded in, so a write of a
// deposed coordinator is refused by the broker; that refusal, or the broker telling us another
// broker (or epoch) leads, ends the coordinator and its groups answer NOT_COORDINATOR.
//
// Loading: a new leader's high watermark may still be below records its predecessor had
// acknowledged (followers learn the HW one fetch late). So the load first writes a barrier (a
// no-op record, offsets-log.ts) under its epoch with acks=all: once that is acknowledged,
// everything before it is committed, and the replay reads up to the HW, past the barrier.
//
// HTTP members: the partition's HTTP member records (http-member-record.ts) live beside the
// groups in each tenure's HttpMemberStore, replayed with them. When an operation's records delete
// a member (Member tombstone), the tombstone of its HTTP member record goes into the same batch;
// a load also drops records whose member is gone (written by an older broker, say).
//
// Failure: if an append fails, memory is ahead of the log. The coordinator is dropped at once,
// operations answer COORDINATOR_LOAD_IN_PROGRESS, and once every append issued so far has
// settled a fresh coordinator is loaded from the log (docs/groups.md, rule 2).
import type { Logger } from "../logging/logger.ts";
import { logGroupRecords } from "./group-events.ts";
import type { Clock, TimerHandle, Timers } from "../../runtime/types.ts";
import { type ErrorCodeName, TributaryError } from "../model/errors.ts";
import type { GroupCoordinator, GroupRecord } from "../group/mod.ts";
import type { ClassicResult } from "../group/classic/effects.ts";
import { ClassicWaiters } from "./classic-waiters.ts";
import type { HttpMemberRecord } from "./http-member-record.ts";
import { HttpMemberStore } from "./http-member-store.ts";
import {
  encodeBarrierBatch,
  encodeGroupBatch,
  isHttpMemberLogRecord,
  type OffsetsLogRecord,
  replayOffsetsPartition,
} from "./offsets-log.ts";
import { CONSUMER_OFFSETS_TOPIC } from "./offsets-topic.ts";
import type { CoordinatorBroker } from "./types.ts";

/** After a failed load, operations retry loading at most this often. */
const RELOAD_INTERVAL_MS = 1_000;

/** Refusals that mean this broker no longer leads the partition in the epoch written under. */
const DEPOSED: ReadonlySet<string> = new Set(["FENCED_LEADER_EPOCH", "NOT_LEADER_OR_FOLLOWER"]);

export interface CoordinatorPartitionDeps {
  broker: CoordinatorBroker;
  clock: Pick<Clock, "nowMs">;
  timers: Pick<Timers, "setTimeout">;
  /** A fresh coordinator that knows the given partition counts. */
  newCoordinator: (partitionCounts: ReadonlyMap<string, number>) => GroupCoordinator;
  /** Partition counts of every topic right now. */
  partitionCounts: () => ReadonlyMap<string, number>;
  /** offsets.commit.timeout.ms: how long an append may wait for the in-sync replicas. */
  appendTimeoutMs: number;
  /** Runs a partition's barrier and replay when a loading slot is free (bounds parallel loads). */
  loadSlot: (partition: number, load: () => Promise<void>) => Promise<void>;
  report: (what: string, err: unknown) => void;
  logger: Logger;
}

/**
 * idle: another broker (or nobody) leads the partition; loading: replaying (or waiting to);
 * ready: serving; failed: the last load failed (retried); closed: the service stopped.
 */
export type CoordinatorPartitionState = "idle" | "loading" | "ready" | "failed" | "closed";

/** An operation's answer and the records to append (one batch) before giving it. */
export interface WithLogRecords<T> {
  response: T;
  records: readonly OffsetsLogRecord[];
}

/** One loaded coordinator; `ended` says why operations started on it fail once it is dropped. */
interface Tenure {
  readonly coordinator: GroupCoordinator;
  readonly http: HttpMemberStore;
  /** Classic JoinGroup/SyncGroup requests waiting for a later step's answer. */
  readonly waiters: ClassicWaiters;
  readonly leaderEpoch: number;
  ended: ErrorCodeName | null;
}

export class CoordinatorPartition {
  readonly partition: number;
  readonly #deps: CoordinatorPartitionDeps;
  #state: CoordinatorPartitionState = "idle";
  /** The epoch this broker leads the partition in, while it does. */
  #leaderEpoch: number | null = null;
  #tenure: Tenure | null = null;
  /** Identifies the current load attempt: a load finding another one here gives up. */
  #attempt: object = {};
  /** Settles once every append issued so far has; false if any of them failed. */
  #appends: Promise<boolean> = Promise.resolve(true);
  #loading: { attempt: object; done: Promise<void> } | null = null;
  #failedAtMs = Number.NEGATIVE_INFINITY;
  #timer: TimerHandle | null = null;
  #timerAtMs = Number.POSITIVE_INFINITY;

  constructor(partition: number, deps: CoordinatorPartitionDeps) {
    this.partition = partition;
    this.#deps = deps;
  }

  get state(): CoordinatorPartitionState {
    return this.#state;
  }

  /** The leader epoch the partition is loaded (or loading) in; null when not led here. */
  get leaderEpoch(): number | null {
    return this.#leaderEpoch;
  }

  /**
   * This broker leads the partition in `leaderEpoch`: loads it (again, if it was loaded in
   * another epoch). Returns the load, settled once it is ready or failed.
   */
  lead(leaderEpoch: number): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    if (this.#leaderEpoch === leaderEpoch && this.#state !== "idle") {
      return this.#loading?.done ?? Promise.resolve();
    }
    this.#drop("NOT_COORDINATOR");
    this.#leaderEpoch = leaderEpoch;
    return this.load();
  }

  /** Another broker (or nobody) leads the partition now: its groups are not ours any more. */
  resign(): void {
    if (this.#state === "closed" || this.#state === "idle") return;
    this.#drop("NOT_COORDINATOR");
    this.#leaderEpoch = null;
    this.#state = "idle";
    this.#deps.logger.info(
      "group.partition_resigned",
      `stopped coordinating ${CONSUMER_OFFSETS_TOPIC}-${this.partition}`,
      { partition: this.partition },
    );
  }

  /** Replays the partition into a fresh coordinator; shared by concurrent callers. */
  load(): Promise<void> {
    if (this.#leaderEpoch === null || this.#state === "closed") return Promise.resolve();
    const loading = this.#loading;
    if (loading !== null && loading.attempt === this.#attempt) return loading.done;
    // A load of a dropped tenure may still run: it gives up at its next step.
    const attempt = {};
    this.#attempt = attempt;
    this.#state = "loading";
    const done = this.#load(this.#leaderEpoch, attempt).finally(() => {
      if (this.#loading?.attempt === attempt) this.#loading = null;
    });
    this.#loading = { attempt, done };
    return done;
  }

  /**
   * A state change: `op` runs on the coordinator now, its records are appended durably, and
   * only then is its response returned.
   */
  async mutate<T>(
    op: (c: GroupCoordinator, nowMs: number, http: HttpMemberStore) => WithLogRecords<T>,
  ): Promise<T> {
    const tenure = this.#ready();
    const nowMs = this.#deps.clock.nowMs();
    const result = op(tenure.coordinator, nowMs, tenure.http);
    const records = withHttpRecords(tenure.http, result.records);
    const response = result.response;
    const durable = records.length > 0 ? this.#append(tenure, records, nowMs) : this.#appends;
    this.#arm();
    await this.#settled(durable, tenure);
    return response;
  }

  /**
   * A classic step (classic-groups.ts): like mutate, and a step that leaves its request
   * waiting registers the waiter in the same turn, so the completion that answers it (from any
   * later step) cannot be missed. Resolves once the step is durable, with the answer to await
   * (outside the group's serial section: the answer needs other members' steps).
   */
  async mutateClassic<T>(
    op: (c: GroupCoordinator, nowMs: number) => ClassicResult<T>,
    signal?: AbortSignal,
  ): Promise<{ answer: Promise<T> }> {
    const tenure = this.#ready();
    const nowMs = this.#deps.clock.nowMs();
    const result = op(tenure.coordinator, nowMs);
    const outcome = result.outcome;
    const answer = "done" in outcome
      ? Promise.resolve(outcome.done)
      : tenure.waiters.add<T>(outcome.waitId, signal);
    // The caller may never read it (the step failed below): no unhandled rejection then.
    answer.catch(() => undefined);
    const records = withHttpRecords(tenure.http, result.records);
    const durable = records.length > 0 ? this.#append(tenure, records, nowMs) : this.#appends;
    this.#arm();
    await this.#settled(durable, tenure);
    tenure.waiters.deliver(result.completions);
    return { answer };
  }

  /** A read that waits until everything it may have seen is durable. */
  async readDurable<T>(op: (c: GroupCoordinator, nowMs: number) => T): Promise<T> {
    const tenure = this.#ready();
    const result = op(tenure.coordinator, this.#deps.clock.nowMs());
    await this.#settled(this.#appends, tenure);
    return result;
  }

  /** A read of the current state (listings, descriptions). */
  read<T>(op: (c: GroupCoordinator) => T): T {
    return op(this.#ready().coordinator);
  }

  /**
   * An HTTP member's record in the loaded coordinator, and that coordinator's identity: a new
   * `tenure` means the partition was loaded again (moved away and back, or reloaded) since.
   */
  httpMember(groupId: string, memberId: string): {
    tenure: object;
    record: HttpMemberRecord | undefined;
  } {
    const tenure = this.#ready();
    return { tenure: tenure.http, record: tenure.http.get(groupId, memberId) };
  }

  onPartitionCountChange(topic: string, partitionCount: number): void {
    // A partition still loading compares counts when its replay is done.
    const tenure = this.#tenure;
    if (this.#state !== "ready" || tenure === null) return;
    this.#guard(tenure, () => {
      const nowMs = this.#deps.clock.nowMs();
      const changed = tenure.coordinator.onPartitionCountChange(topic, partitionCount, nowMs);
      const records = withHttpRecords(tenure.http, changed.records);
      if (records.length > 0) void this.#append(tenure, records, nowMs);
      this.#arm();
    });
  }

  async close(): Promise<void> {
    this.#drop("COORDINATOR_NOT_AVAILABLE");
    this.#state = "closed";
    this.#leaderEpoch = null;
    await this.#loading?.done;
    await this.#appends;
  }

  async #load(leaderEpoch: number, attempt: object): Promise<void> {
    const current = () => attempt === this.#attempt && this.#state === "loading";
    try {
      // Appends of a dropped coordinator must be in the log (or have failed) before replaying.
      await this.#appends;
      if (!current()) return;
      this.#appends = Promise.resolve(true);
      const countsAtStart = this.#deps.partitionCounts();
      const c = this.#deps.newCoordinator(countsAtStart);
      const http = new HttpMemberStore();
      await this.#deps.loadSlot(this.partition, async () => {
        if (!current()) return;
        const barrier = await this.#deps.broker.appendInternal(
          {
            topic: CONSUMER_OFFSETS_TOPIC,
            partition: this.partition,
            batches: encodeBarrierBatch(this.#deps.clock.nowMs()),
            timeoutMs: this.#deps.appendTimeoutMs,
          },
          { leaderEpoch },
        );
        if (!current()) return;
        await replayOffsetsPartition(this.#deps.broker, this.partition, (r) => {
          if (isHttpMemberLogRecord(r)) http.apply(r);
          else c.replay(r);
        }, {
          endOffsetMin: barrier.lastOffset + 1,
        });
      });
      if (!current()) return;
      const nowMs = this.#deps.clock.nowMs();
      const records: GroupRecord[] = [];
      for (const [topic, count] of changedCounts(countsAtStart, this.#deps.partitionCounts())) {
        records.push(...c.onPartitionCountChange(topic, count, nowMs).records);
      }
      records.push(...c.onLoaded(nowMs).records);
      const orphans = http.orphans(memberLookup(c));
      const tenure: Tenure = {
        coordinator: c,
        http,
        waiters: new ClassicWaiters(),
        leaderEpoch,
        ended: null,
      };
      this.#tenure = tenure;
      this.#state = "ready";
      this.#deps.logger.info(
        "group.partition_loaded",
        `coordinating ${CONSUMER_OFFSETS_TOPIC}-${this.partition}`,
        {
          partition: this.partition,
          leaderEpoch,
          groups: c.listGroups().length,
          httpMembers: http.size,
        },
      );
      const all = withHttpRecords(http, [...records, ...orphans]);
      if (all.length > 0) void this.#append(tenure, all, nowMs);
      this.#arm();
    } catch (err) {
      if (!current()) return;
      if (err instanceof TributaryError && DEPOSED.has(err.code)) {
        // Led elsewhere already; the broker's leadership change follows (or came) separately.
        this.resign();
        return;
      }
      this.#state = "failed";
      this.#failedAtMs = this.#deps.clock.nowMs();
      this.#deps.report(`loading ${CONSUMER_OFFSETS_TOPIC}-${this.partition}`, err);
    }
  }

  #ready(): Tenure {
    if (this.#state === "ready") return this.#tenure!;
    if (this.#state === "closed") {
      throw new TributaryError("COORDINATOR_NOT_AVAILABLE", "the group coordinator is closed");
    }
    if (this.#state === "idle") throw this.#error("NOT_COORDINATOR");
    if (
      this.#state === "failed" &&
      this.#deps.clock.nowMs() - this.#failedAtMs >= RELOAD_INTERVAL_MS
    ) {
      void this.load();
    }
    throw this.#error("COORDINATOR_LOAD_IN_PROGRESS");
  }

  #error(code: ErrorCodeName): TributaryError {
    const where = `${CONSUMER_OFFSETS_TOPIC}-${this.partition}`;
    const message: Partial<Record<ErrorCodeName, string>> = {
      NOT_COORDINATOR: `this broker does not coordinate the groups of ${where}`,
      COORDINATOR_LOAD_IN_PROGRESS: `the coordinator of ${where} is loading`,
      COORDINATOR_NOT_AVAILABLE: "the group coordinator is closed",
    };
    return new TributaryError(code, message[code] ?? code);
  }

  /** Drops the loaded coordinator (if any): operations started on it fail with `why`. */
  #drop(why: ErrorCodeName): void {
    if (this.#tenure !== null) {
      this.#tenure.ended = why;
      this.#tenure.waiters.end(this.#error(why));
    }
    this.#tenure = null;
    this.#attempt = {};
    this.#cancelTimer();
  }

  /** Never rejects: a failure drops the coordinator and resolves false. */
  #append(tenure: Tenure, records: readonly OffsetsLogRecord[], nowMs: number): Promise<boolean> {
    let appended: Promise<unknown>;
    try {
      appended = this.#deps.broker.appendInternal(
        {
          topic: CONSUMER_OFFSETS_TOPIC,
          partition: this.partition,
          batches: encodeGroupBatch(records, nowMs),
          timeoutMs: this.#deps.appendTimeoutMs,
        },
        { leaderEpoch: tenure.leaderEpoch },
      );
    } catch (err) {
      appended = Promise.reject(err);
    }
    const ok = appended.then(
      () => {
        logGroupRecords(this.#deps.logger, records);
        return true;
      },
      (err: unknown) => {
        this.#fail(tenure, err);
        return false;
      },
    );
    const before = this.#appends;
    this.#appends = Promise.all([before, ok]).then(([a, b]) => a && b);
    return ok;
  }

  async #settled(durable: Promise<boolean>, tenure: Tenure): Promise<void> {
    const ok = await durable;
    if (tenure.ended !== null) throw this.#error(tenure.ended);
    if (!ok) throw this.#error("COORDINATOR_LOAD_IN_PROGRESS");
  }

  #fail(tenure: Tenure, err: unknown): void {
    if (tenure !== this.#tenure) return;
    if (err instanceof TributaryError && DEPOSED.has(err.code)) {
      this.resign();
      return;
    }
    this.#deps.report(`appending to ${CONSUMER_OFFSETS_TOPIC}-${this.partition}`, err);
    this.#drop("COORDINATOR_LOAD_IN_PROGRESS");
    this.#state = "loading";
    void this.load();
  }

  /** Runs a timer- or event-driven step; a throw (a bug) drops the coordinator like a failure. */
  #guard(tenure: Tenure, step: () => void): void {
    try {
      step();
    } catch (err) {
      this.#fail(tenure, err);
    }
  }

  #arm(): void {
    const next = this.#tenure?.coordinator.nextDeadlineMs() ?? null;
    if (next === null) return this.#cancelTimer();
    // An earlier timer is kept: firing early only runs a tick with nothing due, then re-arms.
    if (this.#timer !== null && this.#timerAtMs <= next) return;
    this.#cancelTimer();
    this.#timerAtMs = next;
    const delayMs = Math.max(0, next - this.#deps.clock.nowMs());
    this.#timer = this.#deps.timers.setTimeout(() => this.#onTimer(), delayMs);
  }

  #cancelTimer(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#timerAtMs = Number.POSITIVE_INFINITY;
  }

  #onTimer(): void {
    this.#timer = null;
    this.#timerAtMs = Number.POSITIVE_INFINITY;
    const tenure = this.#tenure;
    if (this.#state !== "ready" || tenure === null) return;
    this.#guard(tenure, () => {
      const nowMs = this.#deps.clock.nowMs();
      const ticked = tenure.coordinator.tick(nowMs);
      const records = withHttpRecords(tenure.http, ticked.records);
      const durable = records.length > 0 ? this.#append(tenure, records, nowMs) : this.#appends;
      const completions = ticked.completions ?? [];
      if (completions.length > 0) {
        // A failed append ends the tenure, which fails these waiters instead.
        void durable.then((ok) => {
          if (ok && tenure.ended === null) tenure.waiters.deliver(completions);
        });
      }
      this.#arm();
    });
  }
}

function changedCounts(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): Array<[string, number]> {
  const changed: Array<[string, number]> = [];
  for (const [topic, count] of after) if (before.get(topic) !== count) changed.push([topic, count]);
  for (const topic of before.keys()) if (!after.has(topic)) changed.push([topic, 0]);
  return changed;
}

/**
 * An operation's records as appended: its HTTP member records applied to `http` (in the same
 * turn, like the group state), plus the tombstones of HTTP members its Member tombstones remove.
 */
function withHttpRecords(
  http: HttpMemberStore,
  records: readonly OffsetsLogRecord[],
): readonly OffsetsLogRecord[] {
  const group: GroupRecord[] = [];
  let hasHttp = false;
  for (const r of records) {
    if (isHttpMemberLogRecord(r)) {
      http.apply(r);
      hasHttp = true;
    } else {
      group.push(r);
    }
  }
  if (http.size === 0 && !hasHttp) return records;
  const removed = http.removedBy(group);
  for (const r of removed) http.apply(r);
  return removed.length === 0 ? records : [...records, ...removed];
}

/** Whether a member is in its group, describing each group once. */
function memberLookup(c: GroupCoordinator): (groupId: string, memberId: string) => boolean {
  const members = new Map<string, ReadonlySet<string>>();
  return (groupId, memberId) => {
    let ids = members.get(groupId);
    if (ids === undefined) {
      ids = c.groupState(groupId) === "dead"
        ? new Set()
        : new Set(c.describeGroup(groupId).members.map((m) => m.memberId));
      members.set(groupId, ids);
    }
    return ids.has(memberId);
  };
}
