// One `__consumer_offsets` partition and the GroupCoordinator holding its groups: loading by
// replay, durable appends before answers, the deadline timer, and reloading after a failure.
//
// Ordering: an operation's records are handed to the log in the same turn as the state change
// that made them (appendInternal is synchronous up to the log, which appends in call order),
// so the log's order is the order of the in-memory changes even across groups. An operation
// that wrote nothing still waits for every append before it (the barrier), so nothing a
// response shows is less durable than the response.
//
// Failure: if an append fails, memory is ahead of the log. The coordinator is dropped at once,
// operations answer COORDINATOR_LOAD_IN_PROGRESS, and once every append issued so far has
// settled a fresh coordinator is loaded from the log (docs/groups.md, rule 2).
import type { Logger } from "../logging/logger.ts";
import { logGroupRecords } from "./group-events.ts";
import type { Clock, TimerHandle, Timers } from "../../runtime/types.ts";
import { TributaryError } from "../model/errors.ts";
import type { GroupCoordinator, GroupRecord, WithRecords } from "../group/mod.ts";
import { encodeGroupBatch, replayOffsetsPartition } from "./offsets-log.ts";
import { CONSUMER_OFFSETS_TOPIC } from "./offsets-topic.ts";
import type { CoordinatorBroker } from "./types.ts";

/** After a failed load, operations retry loading at most this often. */
const RELOAD_INTERVAL_MS = 1_000;

export interface CoordinatorPartitionDeps {
  broker: CoordinatorBroker;
  clock: Pick<Clock, "nowMs">;
  timers: Pick<Timers, "setTimeout">;
  /** A fresh coordinator that knows the given partition counts. */
  newCoordinator: (partitionCounts: ReadonlyMap<string, number>) => GroupCoordinator;
  /** Partition counts of every topic right now. */
  partitionCounts: () => ReadonlyMap<string, number>;
  report: (what: string, err: unknown) => void;
  logger: Logger;
}

type State = "loading" | "ready" | "failed" | "closed";

export class CoordinatorPartition {
  readonly partition: number;
  readonly #deps: CoordinatorPartitionDeps;
  #state: State = "loading";
  #coordinator: GroupCoordinator | null = null;
  /** Bumped whenever the coordinator is dropped: answers from an older one are refused. */
  #generation = 0;
  /** Settles once every append issued so far has; false if any of them failed. */
  #appends: Promise<boolean> = Promise.resolve(true);
  #loading: Promise<void> | null = null;
  #failedAtMs = Number.NEGATIVE_INFINITY;
  #timer: TimerHandle | null = null;
  #timerAtMs = Number.POSITIVE_INFINITY;

  constructor(partition: number, deps: CoordinatorPartitionDeps) {
    this.partition = partition;
    this.#deps = deps;
  }

  get state(): State {
    return this.#state;
  }

  /** Replays the partition into a fresh coordinator; shared by concurrent callers. */
  load(): Promise<void> {
    this.#loading ??= this.#load().finally(() => (this.#loading = null));
    return this.#loading;
  }

  /**
   * A state change: `op` runs on the coordinator now, its records are appended durably, and
   * only then is its response returned.
   */
  async mutate<T>(op: (c: GroupCoordinator, nowMs: number) => WithRecords<T>): Promise<T> {
    const c = this.#ready();
    const generation = this.#generation;
    const nowMs = this.#deps.clock.nowMs();
    const { response, records } = op(c, nowMs);
    const durable = records.length > 0 ? this.#append(records, nowMs) : this.#appends;
    this.#arm();
    await this.#settled(durable, generation);
    return response;
  }

  /** A read that waits until everything it may have seen is durable. */
  async readDurable<T>(op: (c: GroupCoordinator, nowMs: number) => T): Promise<T> {
    const c = this.#ready();
    const generation = this.#generation;
    const result = op(c, this.#deps.clock.nowMs());
    await this.#settled(this.#appends, generation);
    return result;
  }

  /** A read of the current state (listings, descriptions). */
  read<T>(op: (c: GroupCoordinator) => T): T {
    return op(this.#ready());
  }

  onPartitionCountChange(topic: string, partitionCount: number): void {
    // A partition still loading compares counts when its replay is done.
    if (this.#state !== "ready") return;
    this.#guard(() => {
      const nowMs = this.#deps.clock.nowMs();
      const c = this.#coordinator!;
      const { records } = c.onPartitionCountChange(topic, partitionCount, nowMs);
      if (records.length > 0) void this.#append(records, nowMs);
      this.#arm();
    });
  }

  async close(): Promise<void> {
    this.#state = "closed";
    this.#coordinator = null;
    this.#generation++;
    this.#cancelTimer();
    await this.#loading;
    await this.#appends;
  }

  async #load(): Promise<void> {
    this.#state = "loading";
    const generation = ++this.#generation;
    try {
      // Appends of a dropped coordinator must be in the log (or have failed) before replaying.
      await this.#appends;
      this.#appends = Promise.resolve(true);
      const countsAtStart = this.#deps.partitionCounts();
      const c = this.#deps.newCoordinator(countsAtStart);
      await replayOffsetsPartition(this.#deps.broker, this.partition, (r) => c.replay(r));
      if (generation !== this.#generation || this.#state !== "loading") return;
      const nowMs = this.#deps.clock.nowMs();
      const records: GroupRecord[] = [];
      for (const [topic, count] of changedCounts(countsAtStart, this.#deps.partitionCounts())) {
        records.push(...c.onPartitionCountChange(topic, count, nowMs).records);
      }
      records.push(...c.onLoaded(nowMs).records);
      this.#coordinator = c;
      this.#state = "ready";
      if (records.length > 0) void this.#append(records, nowMs);
      this.#arm();
    } catch (err) {
      if (generation !== this.#generation || this.#state !== "loading") return;
      this.#state = "failed";
      this.#failedAtMs = this.#deps.clock.nowMs();
      this.#deps.report(`loading ${CONSUMER_OFFSETS_TOPIC}-${this.partition}`, err);
    }
  }

  #ready(): GroupCoordinator {
    if (this.#state === "ready") return this.#coordinator!;
    if (this.#state === "closed") {
      throw new TributaryError("COORDINATOR_NOT_AVAILABLE", "the group coordinator is closed");
    }
    if (
      this.#state === "failed" &&
      this.#deps.clock.nowMs() - this.#failedAtMs >= RELOAD_INTERVAL_MS
    ) {
      void this.load();
    }
    throw this.#loadError();
  }

  #loadError(cause?: unknown): TributaryError {
    return new TributaryError(
      "COORDINATOR_LOAD_IN_PROGRESS",
      `the coordinator of ${CONSUMER_OFFSETS_TOPIC}-${this.partition} is loading`,
      cause === undefined ? undefined : { cause },
    );
  }

  /** Never rejects: a failure drops the coordinator and resolves false. */
  #append(records: readonly GroupRecord[], nowMs: number): Promise<boolean> {
    const generation = this.#generation;
    let appended: Promise<unknown>;
    try {
      appended = this.#deps.broker.appendInternal({
        topic: CONSUMER_OFFSETS_TOPIC,
        partition: this.partition,
        batches: encodeGroupBatch(records, nowMs),
      });
    } catch (err) {
      appended = Promise.reject(err);
    }
    const ok = appended.then(
      () => {
        logGroupRecords(this.#deps.logger, records);
        return true;
      },
      (err: unknown) => {
        this.#fail(generation, err);
        return false;
      },
    );
    const before = this.#appends;
    this.#appends = Promise.all([before, ok]).then(([a, b]) => a && b);
    return ok;
  }

  async #settled(durable: Promise<boolean>, generation: number): Promise<void> {
    const ok = await durable;
    if (!ok || generation !== this.#generation) throw this.#loadError();
  }

  #fail(generation: number, err: unknown): void {
    if (generation !== this.#generation || this.#state === "closed") return;
    this.#deps.report(`appending to ${CONSUMER_OFFSETS_TOPIC}-${this.partition}`, err);
    this.#coordinator = null;
    this.#cancelTimer();
    void this.load();
  }

  /** Runs a timer- or event-driven step; a throw (a bug) drops the coordinator like a failure. */
  #guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.#fail(this.#generation, err);
    }
  }

  #arm(): void {
    const next = this.#coordinator?.nextDeadlineMs() ?? null;
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
    if (this.#state !== "ready") return;
    this.#guard(() => {
      const nowMs = this.#deps.clock.nowMs();
      const { records } = this.#coordinator!.tick(nowMs);
      if (records.length > 0) void this.#append(records, nowMs);
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
