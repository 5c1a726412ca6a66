// The log of one partition: an ordered list of segments in one directory, the last one active.
//
// This class holds the public surface and delegates; each concern lives in its own module over
// the shared state (log-core.ts, which also describes the locks and failure handling):
// - log-append.ts    append (the log assigns offsets) and appendWithOffsets (replication)
// - log-roll.ts      starting a new active segment
// - log-flush.ts     group-commit fsync rounds, the recovery point, checkpoint, flush policy
// - log-truncate.ts  truncateTo (replication cuts a divergent tail)
// - log-reset.ts     resetTo (replication starts a follower over at the leader's log start)
// - log-retention.ts applyRetention and deleteRecordsBefore (deleting from the front)
// - log-swap.ts      replaceSegments (the cleaner's swap of compacted segments)
// - log-read.ts      read, offsetForTimestamp, gaps found at open
// - log-close.ts     close and deleteAll
// - leader-epoch-store.ts the leader-epoch cache and its checkpoint (only when opened with
//                    LoadOptions.leaderEpochs: append, truncation and retention keep it in step)
//
// High watermark: the log does not track one. Its owner does (src/broker/partition.ts: Partition
// .setHighWatermark, called by produce.ts after each completed append on a single node; a
// replica manager will call it from follower progress) and hands it to the log where it
// matters: read({ maxOffset }) returns nothing at or past it, applyRetention({ highWatermark })
// deletes nothing past it, and the cleaner leaves it uncleanable (uncleanableFrom). After
// truncateTo the owner clamps it to the new logEndOffset (Partition.truncateTo). A replica
// manager needs appendWithOffsets, truncateTo and that seam. Should the log ever have to keep
// the high watermark itself (durable across restarts, as Kafka's
// replication-offset-checkpoint), it belongs in LogCore beside recoveryPoint, written with the
// checkpoint in log-flush.ts; nothing needs that yet.

import type { TributaryError } from "../model/errors.ts";
import { type LogConfig, resolveLogConfig } from "./config.ts";
import type { AppendOptions, AppendResult } from "./log-append.ts";
import * as appending from "./log-append.ts";
import * as closing from "./log-close.ts";
import { LogCore, type LogHealthEvent, type LogHooks, type LogRuntime } from "./log-core.ts";
import * as flushing from "./log-flush.ts";
import { type EpochEndOffset, UNDEFINED_END } from "./leader-epoch-cache.ts";
import { LeaderEpochStore, type LeaderEpochView } from "./leader-epoch-store.ts";
import { loadLog, type LoadOptions, type LoadReport } from "./log-loader.ts";
import * as reading from "./log-read.ts";
import * as resetting from "./log-reset.ts";
import * as retention from "./log-retention.ts";
import * as swap from "./log-swap.ts";
import * as truncation from "./log-truncate.ts";
import type { OffsetGap } from "./recovery-report.ts";
import type { ReadResult } from "./segment-read.ts";
import type { IndexPolicy, LogSegment } from "./segment.ts";

export type { AppendOptions, AppendResult } from "./log-append.ts";
export type { LogHealthEvent, LogHooks, LogRuntime } from "./log-core.ts";
export type { ReadResult } from "./segment-read.ts";

export class PartitionLog {
  readonly dir: string;
  /** What open() found and repaired. */
  readonly loadReport: LoadReport;
  readonly #core: LogCore;

  private constructor(core: LogCore) {
    this.#core = core;
    this.dir = core.dir;
    this.loadReport = core.loadReport;
  }

  /** Opens (creating if needed) the log in dir, recovering it after an unclean stop. */
  static async open(
    rt: LogRuntime,
    dir: string,
    config: Partial<LogConfig> = {},
    load: LoadOptions = {},
    hooks: LogHooks = {},
  ): Promise<PartitionLog> {
    const resolved = resolveLogConfig(config);
    const policy: IndexPolicy = { indexIntervalBytes: resolved.indexIntervalBytes };
    const loaded = await loadLog(rt.fs, dir, policy, rt.clock.nowMs(), load);
    const opened = { dir, config: resolved, policy, loaded };
    const core = new LogCore(rt, opened, hooks, flushing.syncRound);
    const log = new PartitionLog(core);
    if (load.leaderEpochs === true) {
      try {
        core.epochs = await LeaderEpochStore.open(rt.fs, dir, log);
      } catch (err) {
        const failure = core.fail("load leader epochs", err);
        await closing.close(core);
        throw failure;
      }
    }
    return log;
  }

  /** The leader-epoch cache, when opened with LoadOptions.leaderEpochs; null otherwise. */
  get leaderEpochs(): LeaderEpochView | null {
    return this.#core.epochs;
  }

  /**
   * OffsetForLeaderEpoch against this log (LeaderEpochCache.endOffsetFor with the current log
   * end); UNDEFINED_END when the log keeps no leader epochs.
   */
  endOffsetForEpoch(requestedEpoch: number): EpochEndOffset {
    const epochs = this.#core.epochs;
    if (epochs === null) return { ...UNDEFINED_END };
    return epochs.endOffsetFor(requestedEpoch, this.#core.logEndOffset);
  }

  get logStartOffset(): number {
    return this.#core.logStartOffset;
  }

  /** Why appends fail while reads still serve (the disk is full), or null. */
  get writeDegraded(): TributaryError | null {
    return this.#core.writeHealth.degraded;
  }

  /** Resolves once writes work again after a full disk (at once when they do). */
  whenWritable(): Promise<void> {
    return this.#core.writeHealth.whenHealthy();
  }

  /** One listener for failures and full-disk state changes (replaces an earlier one). */
  onHealthChange(listener: (event: LogHealthEvent) => void): void {
    this.#core.onHealth = listener;
  }

  /** Background probe writes tried while degraded, since open (tests, diagnostics). */
  get writeProbes(): number {
    return this.#core.writeHealth.probes;
  }

  /**
   * The gap found at open that holds offset (a segment file was missing), while the log still
   * reaches past it; null otherwise. Reads there fail with OFFSET_OUT_OF_RANGE.
   */
  gapAt(offset: number): OffsetGap | null {
    return reading.gapAt(this.#core, offset);
  }

  /** The storage failure that took this log out of service, or null while it works. */
  get failure(): TributaryError | null {
    return this.#core.failure;
  }

  /** The next offset to assign. */
  get logEndOffset(): number {
    return this.#core.logEndOffset;
  }

  /** Offsets below it are fsynced. */
  get recoveryPoint(): number {
    return this.#core.recoveryPoint;
  }

  get sizeBytes(): number {
    return this.#core.sizeBytes;
  }

  get config(): Readonly<LogConfig> {
    return this.#core.config;
  }

  get segmentCount(): number {
    return this.#core.segments.length;
  }

  /** Base offsets of the segments, oldest first. */
  segmentBaseOffsets(): number[] {
    return this.#core.segments.map((segment) => segment.baseOffset);
  }

  /** The segments, oldest first, the active one last (a copy; for the cleaner). */
  segmentsSnapshot(): LogSegment[] {
    return [...this.#core.segments];
  }

  /** truncateTo() calls that cut data since open: the cleaner notices a truncation under it. */
  get truncations(): number {
    return this.#core.truncations;
  }

  /** Group-commit rounds (each at most one fsync per dirty file) since open. */
  get syncRounds(): number {
    return this.#core.groupCommit.rounds;
  }

  /** Appends batches, assigning offsets from logEndOffset on (log-append.ts). */
  append(batches: Uint8Array, options: AppendOptions = {}): Promise<AppendResult> {
    return appending.append(this.#core, batches, options);
  }

  /** Replication: batches keep their offsets; the first must be at or past logEndOffset. */
  appendWithOffsets(
    batches: Uint8Array,
    options: { durable?: boolean } = {},
  ): Promise<AppendResult> {
    return appending.appendWithOffsets(this.#core, batches, options);
  }

  /**
   * Whole batches from the one holding offset, up to maxBytes (at least one batch when any
   * exists below maxOffset), all from one segment. offset == logEndOffset reads nothing.
   */
  read(
    offset: number,
    maxBytes: number,
    options: { maxOffset?: number } = {},
  ): Promise<ReadResult> {
    return reading.read(this.#core, offset, maxBytes, options);
  }

  /** The first record with timestamp >= timestampMs, or null when every record is older. */
  offsetForTimestamp(timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
    return reading.offsetForTimestamp(this.#core, timestampMs);
  }

  /** Fsyncs everything appended so far, advances the recovery point and checkpoints it. */
  flush(): Promise<void> {
    return flushing.flush(this.#core);
  }

  /**
   * Drops every offset >= offset. Works in whole batches: when offset falls inside a batch, that
   * batch goes too, so logEndOffset may end up below offset.
   */
  truncateTo(offset: number): Promise<void> {
    return truncation.truncateTo(this.#core, offset);
  }

  /**
   * Empties the log and starts it over at offset, which may lie past the log end (a follower
   * below the leader's log start; log-reset.ts).
   */
  resetTo(offset: number): Promise<void> {
    return resetting.resetTo(this.#core, offset);
  }

  /** Advances logStartOffset (DeleteRecords); segments wholly below it are deleted. */
  deleteRecordsBefore(offset: number): Promise<void> {
    return retention.deleteRecordsBefore(this.#core, offset);
  }

  /**
   * Deletes segments by retention.ms / retention.bytes, only below highWatermark; returns how
   * many (log-retention.ts).
   */
  applyRetention(
    nowMs: number = this.#core.rt.clock.nowMs(),
    options: { highWatermark?: number } = {},
  ): Promise<number> {
    return retention.applyRetention(this.#core, nowMs, options);
  }

  /** For the cleaner: puts plan.replacement in place of plan.old if still intact (log-swap.ts). */
  replaceSegments(plan: swap.SwapPlan, commit: () => Promise<void>): Promise<boolean> {
    return swap.replaceSegments(this.#core, plan, commit);
  }

  updateConfig(config: Partial<LogConfig>): void {
    const core = this.#core;
    core.checkUsable();
    core.config = resolveLogConfig(config, core.config);
    core.policy.indexIntervalBytes = core.config.indexIntervalBytes;
    core.flushTimer?.cancel();
    core.flushTimer = null;
    flushing.armFlushTimer(core);
  }

  /** Flushes, checkpoints and writes the clean-shutdown marker. Idempotent. */
  close(): Promise<void> {
    return closing.close(this.#core);
  }

  /** Closes without the final flush and removes the directory (topic deletion). */
  deleteAll(): Promise<void> {
    return closing.deleteAll(this.#core);
  }
}
