// The state of one partition log, shared by the modules that each implement one concern of it
// (the list is in partition-log.ts), with the checks, failure handling and invariants they all
// use. Only those modules see it: PartitionLog keeps it private.
//
// Concurrency (all in one event loop, so "atomic" means "between two awaits"):
// - writeLock (FIFO mutex) orders appends and every structural change (roll, truncation,
//   retention, the cleaner's swap, close), so appends are applied in call order.
// - gate (readers-writer lock): reads and fsync rounds share it; truncation, segment deletion,
//   the cleaner's swap and close take it exclusively, so nobody reads or syncs a file while it
//   is cut or removed. Appends do not take the gate: they only add bytes past what readers and
//   rounds look at.
// - checkpointLock: checkpoint files are written one at a time (log-flush.ts).
// - fsyncs run in group-commit rounds outside writeLock (log-flush.ts); appends pass through
//   `appends` (append-queue.ts) so a round can wait for the ones queued ahead of it.
//
// Failure: the first storage failure takes the log out of service (fail()); a full disk only
// degrades writes while reads go on (WriteHealth probes until space is back).

import { assert, InvariantViolation, TributaryError } from "../model/errors.ts";
import type { Runtime, TimerHandle } from "../../runtime/types.ts";
import { AppendQueue } from "./append-queue.ts";
import { AsyncLock } from "./async-lock.ts";
import type { LogCheckpoint } from "./checkpoint.ts";
import type { LogConfig } from "./config.ts";
import { GroupCommit, type SyncRound } from "./group-commit.ts";
import type { LeaderEpochStore } from "./leader-epoch-store.ts";
import type { LoadedLog, LoadReport } from "./log-loader.ts";
import { PendingAppends } from "./pending-appends.ts";
import type { IndexPolicy, LogSegment } from "./segment.ts";
import { SegmentDeleter } from "./segment-deleter.ts";
import type { RollReason } from "./segment-roll.ts";
import type { CachedTail } from "./tail-cache.ts";
import { isOutOfSpace, WriteHealth } from "./write-health.ts";
import { probeWrite } from "./write-probe.ts";

export type LogRuntime = Pick<Runtime, "fs" | "clock" | "timers">;

/** What a log tells its owner about its health (for logging: Partition). */
export type LogHealthEvent =
  | { kind: "failed"; error: TributaryError }
  | { kind: "write_degraded"; error: TributaryError }
  | { kind: "write_resumed" };

export interface LogHooks {
  /** A new active segment starts at baseOffset (called under the write lock; must not throw). */
  onRoll?: (baseOffset: number, reason: RollReason) => void;
}

type Lifecycle = "open" | "closing" | "closed";

/** One group-commit round over core (log-flush.ts), handed in to keep this file a leaf. */
export type CoreSyncRound = (
  core: LogCore,
  onTarget: Parameters<SyncRound>[0],
) => Promise<void>;

export class LogCore {
  readonly rt: LogRuntime;
  readonly dir: string;
  /** What open() found and repaired. */
  readonly loadReport: LoadReport;
  config: LogConfig;
  readonly policy: IndexPolicy;
  segments: LogSegment[];
  logStartOffset: number;
  /** Offsets below it are fsynced. */
  recoveryPoint: number;
  sizeBytes = 0;
  readonly writeLock = new AsyncLock("log writes");
  readonly gate = new AsyncLock("log segments");
  readonly checkpointLock = new AsyncLock("log checkpoint");
  readonly groupCommit: GroupCommit;
  /** The values in the checkpoint file. */
  checkpointed: LogCheckpoint;
  /** Segment files were created or deleted since the directory was last fsynced. */
  dirDirty = false;
  flushTimer: TimerHandle | null = null;
  readonly background = new Set<Promise<void>>();
  readonly appends: AppendQueue;
  readonly pending = new PendingAppends();
  /** The last small write to the active segment, for reads at the tail (tail-cache.ts). */
  tail: CachedTail | null = null;
  readonly deleter: SegmentDeleter;
  lifecycle: Lifecycle = "open";
  closing: Promise<void> | null = null;
  failure: TributaryError | null = null;
  readonly writeHealth: WriteHealth;
  onHealth: ((event: LogHealthEvent) => void) | null = null;
  /** truncateTo() calls that cut data since open. */
  truncations = 0;
  /** The leader-epoch cache on disk, when the log keeps one (LoadOptions.leaderEpochs). */
  epochs: LeaderEpochStore | null = null;
  readonly hooks: LogHooks;

  constructor(
    rt: LogRuntime,
    opened: { dir: string; config: LogConfig; policy: IndexPolicy; loaded: LoadedLog },
    hooks: LogHooks,
    syncRound: CoreSyncRound,
  ) {
    const { dir, loaded } = opened;
    this.rt = rt;
    this.hooks = hooks;
    this.dir = dir;
    this.config = opened.config;
    this.policy = opened.policy;
    this.segments = loaded.segments;
    this.logStartOffset = loaded.logStartOffset;
    this.recoveryPoint = loaded.recoveryPoint;
    this.checkpointed = {
      logStartOffset: loaded.logStartOffset,
      recoveryPoint: loaded.recoveryPoint,
    };
    this.loadReport = loaded.report;
    for (const segment of loaded.segments) this.sizeBytes += segment.sizeBytes;
    this.groupCommit = new GroupCommit(
      (onTarget) => syncRound(this, onTarget),
      () => this.recoveryPoint,
    );
    this.appends = new AppendQueue(this.writeLock);
    this.deleter = new SegmentDeleter(rt.fs, rt.timers, dir, (work) => this.track(work));
    this.writeHealth = new WriteHealth({
      timers: rt.timers,
      clock: rt.clock,
      probe: () => probeWrite(rt.fs, dir),
      onChange: (error) =>
        this.onHealth?.(
          error === null ? { kind: "write_resumed" } : { kind: "write_degraded", error },
        ),
    });
    this.checkInvariants();
  }

  get active(): LogSegment {
    return this.segments[this.segments.length - 1];
  }

  /** The next offset to assign. */
  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  /** Runs background work whose failure marks the log failed instead of vanishing. */
  track(work: Promise<void>): void {
    const tracked: Promise<void> = work
      .catch((err: unknown) => {
        // fail() rethrows an invariant violation, which was reported when it was raised and
        // has marked the log failed; background work has no caller to hand it to.
        try {
          this.fail("background", err);
        } catch {
          // reported already
        }
      })
      .finally(() => {
        this.background.delete(tracked);
      });
    this.background.add(tracked);
  }

  /**
   * Records the first storage failure: from then on every operation fails with it (as with a
   * Kafka log dir going offline), since after a failed write or fsync the page cache and the
   * disk may disagree in ways no retry can see. Returns the error to throw.
   */
  fail(operation: string, err: unknown): TributaryError {
    if (err instanceof TributaryError && err === this.failure) return err;
    if (this.failure === null && DEGRADABLE_OPERATIONS.has(operation) && isOutOfSpace(err)) {
      return this.#degrade(operation, err);
    }
    const message = err instanceof Error ? err.message : String(err);
    const failure = new TributaryError(
      "KAFKA_STORAGE_ERROR",
      `${operation} in ${this.dir} failed: ${message}`,
      { cause: err },
    );
    if (this.failure === null) {
      this.failure = failure;
      this.onHealth?.({ kind: "failed", error: failure });
    }
    if (err instanceof InvariantViolation) throw err;
    return failure;
  }

  /**
   * A write found the disk full. The failed write left the log on a batch boundary (segment.ts
   * cuts a short write; a failed roll or checkpoint changed nothing readers see), so reads go
   * on and the next append is attempted as usual; WriteHealth probes until space is back.
   */
  #degrade(operation: string, err: unknown): TributaryError {
    const degraded = err instanceof TributaryError && err.code === "KAFKA_STORAGE_ERROR"
      ? err
      : new TributaryError(
        "KAFKA_STORAGE_ERROR",
        `${operation} in ${this.dir} failed: ${
          err instanceof Error ? err.message : String(err)
        } (disk full: reads still serve, writes resume once space is free)`,
        { cause: err },
      );
    this.writeHealth.markDegraded(degraded);
    return degraded;
  }

  /** New operations need an open log. */
  checkUsable(): void {
    if (this.failure !== null) throw this.failure;
    if (this.lifecycle !== "open") {
      throw new TributaryError("KAFKA_STORAGE_ERROR", `log ${this.dir} is closed`);
    }
  }

  /** Operations accepted before close() began still run: close waits for them (FIFO locks). */
  checkNotClosed(): void {
    if (this.failure !== null) throw this.failure;
    if (this.lifecycle === "closed") {
      throw new TributaryError("KAFKA_STORAGE_ERROR", `log ${this.dir} is closed`);
    }
  }

  checkInvariants(): void {
    const logEnd = this.logEndOffset;
    assert(
      this.logStartOffset <= logEnd,
      `logStartOffset ${this.logStartOffset} <= logEndOffset ${logEnd}`,
    );
    assert(
      this.recoveryPoint <= logEnd,
      `recoveryPoint ${this.recoveryPoint} <= logEndOffset ${logEnd}`,
    );
    assert(this.segments.length > 0, "a log has an active segment");
    assert(
      this.segments[0].baseOffset <= this.logStartOffset,
      "logStartOffset within the first segment",
    );
    for (let i = 1; i < this.segments.length; i++) {
      assert(
        this.segments[i - 1].baseOffset < this.segments[i].baseOffset,
        "segment base offsets increase",
      );
    }
  }
}

/**
 * Failures that only degrade writes when the disk is full: each leaves the log consistent.
 * fsync failures are never among them (after a failed fsync the page cache may have dropped
 * data no retry can see), nor truncation (its lowered checkpoint must land before any append).
 */
const DEGRADABLE_OPERATIONS = new Set(["append", "roll", "checkpoint", "background"]);

export function checkOffsetArgument(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new TributaryError("INVALID_REQUEST", `${name} must be an integer, got ${value}`);
  }
  if (value < 0) throw new TributaryError("OFFSET_OUT_OF_RANGE", `${name} ${value} is negative`);
}
