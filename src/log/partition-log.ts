// The log of one partition: an ordered list of segments in one directory, the last one active.
//
// Concurrency (all in one event loop, so "atomic" means "between two awaits"):
// - writeLock (FIFO mutex) orders appends and every structural change (roll, truncation,
//   retention, close), so appends are applied in call order.
// - gate (readers-writer lock): reads and fsync rounds share it; truncation, segment deletion
//   and close take it exclusively, so nobody reads or syncs a file while it is cut or removed.
//   Appends do not take the gate: they only add bytes past what readers and rounds look at.
// - fsyncs run in group-commit rounds (group-commit.ts) outside writeLock. A round first lets
//   the appends already queued write (append-queue.ts), then one fsync covers them all; appends
//   arriving meanwhile land in the page cache and ride the next round.
//
// Durability: the recovery point is the offset below which everything is fsynced; a round
// advances it. Index files of the active segment are written only at roll and close, since
// recovery rebuilds the indexes of every segment at or after the recovery point anyway. A roll
// fsyncs the old segment (data and indexes) before creating the next file, so a segment file
// that survives a crash proves all older ones whole. Creating or deleting segment files marks
// the directory dirty; the next round syncs it before any durable append that needs it is
// acknowledged.

import { assert, AssertionError, TributaryError } from "../errors.ts";
import type { Runtime, TimerHandle } from "../../runtime/types.ts";
import { type InputBatch, parseAppendInput } from "./append-input.ts";
import { AppendQueue } from "./append-queue.ts";
import { AsyncLock } from "./async-lock.ts";
import { type LogCheckpoint, writeCheckpoint, writeCleanShutdownMarker } from "./checkpoint.ts";
import { lowerCleanerCheckpoint } from "./cleaner-checkpoint.ts";
import { type LogConfig, policyDeletes, resolveLogConfig } from "./config.ts";
import { GroupCommit } from "./group-commit.ts";
import { deleteSegmentFiles, loadLog, type LoadOptions, type LoadReport } from "./log-loader.ts";
import { offsetForTimestampIn, readBatches, type ReadResult } from "./segment-read.ts";
import {
  type BatchHeader,
  lastOffsetOf,
  setBaseOffset,
  setPartitionLeaderEpoch,
} from "./record-batch.ts";
import { segmentsToDelete } from "./retention.ts";
import { type IndexPolicy, LogSegment, RELATIVE_OFFSET_MAX, segmentIndexOf } from "./segment.ts";
import { type RollReason, rollReason } from "./segment-roll.ts";
import { SegmentDeleter } from "./segment-deleter.ts";
import { parentPath } from "./segment-files.ts";
import { concatPending, type PendingAppend, PendingAppends } from "./pending-appends.ts";
import { type CachedTail, cacheTail, readTail } from "./tail-cache.ts";
import { isOutOfSpace, WriteHealth } from "./write-health.ts";
import { probeWrite } from "./write-probe.ts";
import type { OffsetGap } from "./recovery-report.ts";
import { OFFSET_INDEX_FORMAT, TIME_INDEX_FORMAT } from "./sparse-index.ts";

export type { ReadResult } from "./segment-read.ts";

export type LogRuntime = Pick<Runtime, "fs" | "clock" | "timers">;

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Position of the first batch in its segment file. */
  position: number;
}

export interface AppendOptions {
  /** Resolve only after an fsync covering this append (shared with concurrent ones). */
  durable?: boolean;
  /** Stamped into every batch's partitionLeaderEpoch. */
  leaderEpoch?: number;
  /**
   * The caller validated these exact bytes (CRC included) just before: the log checks framing,
   * offsets and sizes but does not compute every batch's CRC a second time.
   */
  crcVerified?: boolean;
}

type LogState = "open" | "closing" | "closed";

/** What a log tells its owner about its health (for logging: Partition). */
export type LogHealthEvent =
  | { kind: "failed"; error: TributaryError }
  | { kind: "write_degraded"; error: TributaryError }
  | { kind: "write_resumed" };

export interface LogHooks {
  /** A new active segment starts at baseOffset (called under the write lock; must not throw). */
  onRoll?: (baseOffset: number, reason: RollReason) => void;
}

/** Most bytes one file write carries when queued producer appends are written together. */
const COALESCED_APPEND_BYTES_MAX = 8 * 1024 * 1024;

export class PartitionLog {
  readonly dir: string;
  /** What open() found and repaired. */
  readonly loadReport: LoadReport;
  readonly #rt: LogRuntime;
  #config: LogConfig;
  readonly #policy: IndexPolicy;
  #segments: LogSegment[];
  #logStartOffset: number;
  #recoveryPoint: number;
  #sizeBytes = 0;
  readonly #writeLock = new AsyncLock("log writes");
  readonly #gate = new AsyncLock("log segments");
  readonly #checkpointLock = new AsyncLock("log checkpoint");
  readonly #groupCommit: GroupCommit;
  #checkpointed: LogCheckpoint;
  #dirDirty = false;
  #flushTimer: TimerHandle | null = null;
  readonly #background = new Set<Promise<void>>();
  readonly #appends: AppendQueue;
  readonly #pending = new PendingAppends();
  /** The last small write to the active segment, for reads at the tail (tail-cache.ts). */
  #tail: CachedTail | null = null;
  readonly #deleter: SegmentDeleter;
  #state: LogState = "open";
  #closing: Promise<void> | null = null;
  #failure: TributaryError | null = null;
  readonly #writeHealth: WriteHealth;
  #onHealth: ((event: LogHealthEvent) => void) | null = null;
  #truncations = 0;
  readonly #hooks: LogHooks;

  private constructor(
    rt: LogRuntime,
    dir: string,
    config: LogConfig,
    policy: IndexPolicy,
    loaded: Awaited<ReturnType<typeof loadLog>>,
    hooks: LogHooks,
  ) {
    this.#rt = rt;
    this.#hooks = hooks;
    this.dir = dir;
    this.#config = config;
    this.#policy = policy;
    this.#segments = loaded.segments;
    this.#logStartOffset = loaded.logStartOffset;
    this.#recoveryPoint = loaded.recoveryPoint;
    this.#checkpointed = {
      logStartOffset: loaded.logStartOffset,
      recoveryPoint: loaded.recoveryPoint,
    };
    this.loadReport = loaded.report;
    for (const segment of loaded.segments) this.#sizeBytes += segment.sizeBytes;
    this.#groupCommit = new GroupCommit(
      (onTarget) => this.#syncRound(onTarget),
      () => this.#recoveryPoint,
    );
    this.#appends = new AppendQueue(this.#writeLock);
    this.#deleter = new SegmentDeleter(rt.fs, rt.timers, dir, (work) => this.#track(work));
    this.#writeHealth = new WriteHealth({
      timers: rt.timers,
      clock: rt.clock,
      probe: () => probeWrite(rt.fs, dir),
      onChange: (error) =>
        this.#onHealth?.(
          error === null ? { kind: "write_resumed" } : { kind: "write_degraded", error },
        ),
    });
    this.#checkInvariants();
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
    return new PartitionLog(rt, dir, resolved, policy, loaded, hooks);
  }

  get logStartOffset(): number {
    return this.#logStartOffset;
  }

  /** Why appends fail while reads still serve (the disk is full), or null. */
  get writeDegraded(): TributaryError | null {
    return this.#writeHealth.degraded;
  }

  /** Resolves once writes work again after a full disk (at once when they do). */
  whenWritable(): Promise<void> {
    return this.#writeHealth.whenHealthy();
  }

  /** One listener for failures and full-disk state changes (replaces an earlier one). */
  onHealthChange(listener: (event: LogHealthEvent) => void): void {
    this.#onHealth = listener;
  }

  /** Background probe writes tried while degraded, since open (tests, diagnostics). */
  get writeProbes(): number {
    return this.#writeHealth.probes;
  }

  /**
   * The gap found at open that holds offset (a segment file was missing), while the log still
   * reaches past it; null otherwise. Reads there fail with OFFSET_OUT_OF_RANGE.
   */
  gapAt(offset: number): OffsetGap | null {
    for (const gap of this.loadReport.gaps) {
      if (gap.toOffset <= this.#logStartOffset || gap.fromOffset >= this.logEndOffset) continue;
      if (offset >= gap.fromOffset && offset < gap.toOffset) return gap;
    }
    return null;
  }

  /** The storage failure that took this log out of service, or null while it works. */
  get failure(): TributaryError | null {
    return this.#failure;
  }

  /** The next offset to assign. */
  get logEndOffset(): number {
    return this.#active.nextOffset;
  }

  /** Offsets below it are fsynced. */
  get recoveryPoint(): number {
    return this.#recoveryPoint;
  }

  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  get config(): Readonly<LogConfig> {
    return this.#config;
  }

  get segmentCount(): number {
    return this.#segments.length;
  }

  /** Base offsets of the segments, oldest first. */
  segmentBaseOffsets(): number[] {
    return this.#segments.map((segment) => segment.baseOffset);
  }

  /** The segments, oldest first, the active one last (a copy; for the cleaner). */
  segmentsSnapshot(): LogSegment[] {
    return [...this.#segments];
  }

  /** truncateTo() calls that cut data since open: the cleaner notices a truncation under it. */
  get truncations(): number {
    return this.#truncations;
  }

  /** Group-commit rounds (each at most one fsync per dirty file) since open. */
  get syncRounds(): number {
    return this.#groupCommit.rounds;
  }

  get #active(): LogSegment {
    return this.#segments[this.#segments.length - 1];
  }

  // ---------------------------------------------------------------------------------------------
  // Appends

  async append(batches: Uint8Array, options: AppendOptions = {}): Promise<AppendResult> {
    this.#checkUsable();
    const input = parseAppendInput(batches, {
      assignOffsets: true,
      batchBytesMax: this.#config.segmentBytes,
      crcVerified: options.crcVerified === true,
    });
    if (options.leaderEpoch !== undefined) stampLeaderEpoch(batches, input, options.leaderEpoch);
    const entry = this.#pending.add(batches, input);
    let result: AppendResult;
    try {
      result = await this.#appends.run(() => this.#appendPending(entry));
    } catch (err) {
      this.#pending.remove(entry);
      // Refused before the lock yet written by an append ahead of it: it is in the log.
      if (entry.result === null) throw err;
      result = entry.result;
    }
    await this.#afterAppend(result.lastOffset + 1, options.durable === true);
    return result;
  }

  /** Under writeLock: writes entry, with the appends queued behind it, unless one did already. */
  async #appendPending(entry: PendingAppend): Promise<AppendResult> {
    if (entry.result === null && entry.error === null) {
      this.#checkNotClosed();
      const claimed = this.#pending.claimFrom(entry, COALESCED_APPEND_BYTES_MAX);
      try {
        await this.#writePending(claimed);
      } catch (err) {
        for (const c of claimed) if (c.result === null) c.error = err;
      }
    }
    if (entry.error !== null) throw entry.error;
    assert(entry.result !== null, "a claimed append has its result");
    return entry.result;
  }

  /** Assigns offsets to the claimed appends in order and writes them, in one write if they fit. */
  async #writePending(claimed: PendingAppend[]): Promise<void> {
    let next = this.logEndOffset;
    for (const { bytes, input } of claimed) {
      for (const batch of input) {
        setBaseOffset(bytes, batch.at, next);
        batch.header.baseOffset = next;
        next = lastOffsetOf(batch.header) + 1;
      }
    }
    if (claimed.length > 1) {
      const joined = concatPending(claimed);
      if (this.#fitsActive(joined.input)) {
        const written = await this.#appendLocked(joined.bytes, joined.input);
        claimed.forEach((c, i) => {
          c.result = {
            baseOffset: c.input[0].header.baseOffset,
            lastOffset: lastOffsetOf(c.input[c.input.length - 1].header),
            position: written.position + joined.starts[i],
          };
        });
        return;
      }
    }
    for (const c of claimed) c.result = await this.#appendLocked(c.bytes, c.input);
  }

  /** All of input goes into the active segment without a roll (one write). */
  #fitsActive(input: InputBatch[]): boolean {
    const active = this.#active;
    return !this.#mustRoll(active, input[0], active.sizeBytes, 0) &&
      this.#runEnd(input, 0) === input.length;
  }

  /** Replication: batches keep their offsets; the first must be at or past logEndOffset. */
  async appendWithOffsets(
    batches: Uint8Array,
    options: { durable?: boolean } = {},
  ): Promise<AppendResult> {
    this.#checkUsable();
    const input = parseAppendInput(batches, {
      assignOffsets: false,
      batchBytesMax: this.#config.segmentBytes,
    });
    const result = await this.#appends.run(async () => {
      this.#checkNotClosed();
      const first = input[0].header.baseOffset;
      if (first < this.logEndOffset) {
        throw new TributaryError(
          "OFFSET_OUT_OF_RANGE",
          `append at offset ${first} below log end ${this.logEndOffset}`,
        );
      }
      return await this.#appendLocked(batches, input);
    });
    await this.#afterAppend(result.lastOffset + 1, options.durable === true);
    return result;
  }

  /** Writes validated batches with offsets set, rolling segments as needed. Holds writeLock. */
  async #appendLocked(bytes: Uint8Array, input: InputBatch[]): Promise<AppendResult> {
    let position = -1;
    try {
      // Each iteration writes at least one batch, so this ends after input.length rounds.
      for (let i = 0; i < input.length;) {
        const reason = this.#rollReason(this.#active, input[i], this.#active.sizeBytes, 0);
        if (reason !== null) {
          await this.#roll(rollBaseOffset(this.#active, input[i].header), reason);
        }
        const end = this.#runEnd(input, i);
        const written = await this.#writeRun(bytes, input, i, end);
        if (position < 0) position = written;
        i = end;
      }
    } catch (err) {
      throw this.#fail("append", err);
    }
    this.#writeHealth.markHealthy();
    const last = input[input.length - 1].header;
    assert(
      this.logEndOffset === lastOffsetOf(last) + 1,
      `log end ${this.logEndOffset} follows the append`,
    );
    return { baseOffset: input[0].header.baseOffset, lastOffset: lastOffsetOf(last), position };
  }

  /** End (exclusive) of the run of batches from i that fit the active segment together. */
  #runEnd(input: InputBatch[], i: number): number {
    let sizeBytes = this.#active.sizeBytes + input[i].sizeBytes;
    let end = i + 1;
    while (end < input.length && !this.#mustRoll(this.#active, input[end], sizeBytes, end - i)) {
      sizeBytes += input[end].sizeBytes;
      end++;
    }
    return end;
  }

  /** Whether batch cannot join segment after `pending` batches totalling sizeBytes. */
  #mustRoll(segment: LogSegment, batch: InputBatch, sizeBytes: number, pending: number): boolean {
    return this.#rollReason(segment, batch, sizeBytes, pending) !== null;
  }

  #rollReason(
    segment: LogSegment,
    batch: InputBatch,
    sizeBytes: number,
    pending: number,
  ): RollReason | null {
    const nowMs = () => this.#rt.clock.nowMs();
    return rollReason(segment, batch, { sizeBytes, pending, nowMs }, this.#config);
  }

  async #writeRun(
    bytes: Uint8Array,
    input: InputBatch[],
    from: number,
    to: number,
  ): Promise<number> {
    const start = input[from].at;
    const last = input[to - 1];
    const end = last.at + last.sizeBytes;
    const run = input.slice(from, to).map((batch) => ({
      at: batch.at - start,
      sizeBytes: batch.sizeBytes,
      header: batch.header,
    }));
    const active = this.#active;
    const position = await active.append(bytes.subarray(start, end), run);
    this.#tail = cacheTail(active, position, bytes.subarray(start, end));
    this.#sizeBytes += end - start;
    return position;
  }

  /**
   * A new active segment at baseOffset. The old one is sealed and fsynced (data and indexes)
   * first: then a segment file that survives a crash proves every segment before it is whole,
   * so recovery never sees a hole where unflushed data of an older segment was lost.
   */
  async #roll(baseOffset: number, reason: RollReason): Promise<void> {
    const old = this.#active;
    assert(baseOffset >= old.nextOffset, `roll at ${baseOffset} after ${old.nextOffset}`);
    old.seal();
    await old.sync(true);
    const segment = await LogSegment.create(
      this.#rt.fs,
      this.dir,
      baseOffset,
      this.#rt.clock.nowMs(),
      this.#policy,
    );
    this.#segments = [...this.#segments, segment];
    this.#dirDirty = true;
    // Make the new file durable and move the recovery point past the old segment soon, so
    // recovery after a crash stays short (Kafka flushes after a roll too).
    this.#track(this.#flushAndCheckpoint(baseOffset));
    this.#hooks.onRoll?.(baseOffset, reason);
  }

  async #afterAppend(endOffset: number, durable: boolean): Promise<void> {
    const unflushed = this.logEndOffset - this.#recoveryPoint;
    if (durable) await this.#durable(endOffset);
    else if (unflushed >= this.#config.flushMessages) await this.#durable(this.logEndOffset);
    this.#armFlushTimer();
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /**
   * Whole batches from the one holding offset, up to maxBytes (at least one batch when any
   * exists below maxOffset), all from one segment. offset == logEndOffset reads nothing.
   */
  async read(
    offset: number,
    maxBytes: number,
    options: { maxOffset?: number } = {},
  ): Promise<ReadResult> {
    this.#checkUsable();
    checkOffsetArgument("offset", offset);
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new TributaryError(
        "INVALID_FETCH_SIZE",
        `maxBytes must be a non-negative integer, got ${maxBytes}`,
      );
    }
    if (options.maxOffset !== undefined) checkOffsetArgument("maxOffset", options.maxOffset);
    return await this.#gate.shared(async () => {
      this.#checkNotClosed();
      const logEnd = this.logEndOffset;
      if (offset < this.#logStartOffset || offset > logEnd) {
        throw new TributaryError(
          "OFFSET_OUT_OF_RANGE",
          `offset ${offset} outside [${this.#logStartOffset}, ${logEnd}]`,
        );
      }
      const gap = this.gapAt(offset);
      if (gap !== null) throw gapError(this.dir, gap);
      const maxOffset = Math.min(options.maxOffset ?? logEnd, logEnd);
      const cached = this.#readCachedTail(offset, { maxBytes, maxOffset });
      if (cached !== null) return cached;
      try {
        return await readBatches(this.#segments, offset, {
          maxBytes,
          maxOffset,
          scanWindowBytes: this.#scanWindowBytes(),
        });
      } catch (err) {
        throw this.#fail("read", err);
      }
    });
  }

  /** A read served by the cached tail, when it still ends the active segment and holds offset. */
  #readCachedTail(
    offset: number,
    limits: { maxBytes: number; maxOffset: number },
  ): ReadResult | null {
    const tail = this.#tail;
    const active = this.#active;
    if (tail === null || tail.segment !== active) return null;
    if (tail.position + tail.bytes.length !== active.sizeBytes) return null;
    return readTail(tail, offset, limits);
  }

  /** The first record with timestamp >= timestampMs, or null when every record is older. */
  async offsetForTimestamp(
    timestampMs: number,
  ): Promise<{ offset: number; timestamp: number } | null> {
    this.#checkUsable();
    if (!Number.isSafeInteger(timestampMs)) {
      throw new TributaryError("INVALID_REQUEST", `timestamp ${timestampMs}`);
    }
    return await this.#gate.shared(async () => {
      this.#checkNotClosed();
      try {
        return await offsetForTimestampIn(
          this.#segments,
          timestampMs,
          this.#logStartOffset,
          this.#scanWindowBytes(),
        );
      } catch (err) {
        throw this.#fail("offsetForTimestamp", err);
      }
    });
  }

  #scanWindowBytes(): number {
    return Math.min(1024 * 1024, Math.max(8 * 1024, 2 * this.#config.indexIntervalBytes + 1024));
  }

  // ---------------------------------------------------------------------------------------------
  // Flushing

  /** Fsyncs everything appended so far, advances the recovery point and checkpoints it. */
  async flush(): Promise<void> {
    this.#checkUsable();
    await this.#flushAndCheckpoint(this.logEndOffset);
  }

  async #flushAndCheckpoint(offset: number): Promise<void> {
    await this.#durable(offset);
    await this.#writeCheckpoint();
  }

  async #durable(offset: number): Promise<void> {
    try {
      await this.#groupCommit.waitDurable(offset);
    } catch (err) {
      throw this.#fail("fsync", err);
    }
  }

  /**
   * One group-commit round: fsync every dirty file (and the directory), then advance. It first
   * waits for the appends already queued to write, so one fsync covers all of them even on
   * hosts whose file handles serialize writes with fsync (Deno); later appends do not delay it.
   * It holds no lock while it waits, so a lock holder that awaits a round cannot deadlock.
   */
  async #syncRound(onTarget: (target: number) => void): Promise<void> {
    await this.#appends.drained();
    return await this.#gate.shared(async () => {
      if (this.#state === "closed") {
        onTarget(this.#recoveryPoint);
        return;
      }
      if (this.#failure !== null) throw this.#failure;
      const target = this.logEndOffset;
      onTarget(target);
      const segments = this.#segments;
      const active = segments[segments.length - 1];
      const dirDirty = this.#dirDirty;
      this.#dirDirty = false;
      try {
        for (const segment of segments) if (segment.dirty) await segment.sync(segment !== active);
        if (dirDirty) await this.#rt.fs.syncDir(this.dir);
      } catch (err) {
        this.#dirDirty ||= dirDirty;
        throw this.#fail("fsync", err);
      }
      this.#recoveryPoint = Math.max(this.#recoveryPoint, target);
      this.#checkInvariants();
    });
  }

  #armFlushTimer(): void {
    if (this.#flushTimer !== null || this.#config.flushMs === Infinity || this.#state !== "open") {
      return;
    }
    if (this.logEndOffset <= this.#recoveryPoint) return;
    this.#flushTimer = this.#rt.timers.setTimeout(() => {
      this.#flushTimer = null;
      if (this.#state === "open" && this.#failure === null) {
        this.#track(this.#flushAndCheckpoint(this.logEndOffset));
      }
    }, this.#config.flushMs);
  }

  /** Checkpoints are written one at a time, each with the values current when it starts. */
  #writeCheckpoint(operation = "checkpoint"): Promise<void> {
    return this.#checkpointLock.exclusive(async () => {
      const next = { logStartOffset: this.#logStartOffset, recoveryPoint: this.#recoveryPoint };
      const last = this.#checkpointed;
      if (
        next.logStartOffset === last.logStartOffset && next.recoveryPoint === last.recoveryPoint
      ) return;
      try {
        await writeCheckpoint(this.#rt.fs, this.dir, next);
      } catch (err) {
        throw this.#fail(operation, err);
      }
      this.#checkpointed = next;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Truncation and retention

  /**
   * Drops every offset >= offset. Works in whole batches: when offset falls inside a batch, that
   * batch goes too, so logEndOffset may end up below offset.
   */
  async truncateTo(offset: number): Promise<void> {
    this.#checkUsable();
    checkOffsetArgument("offset", offset);
    await this.#writeLock.exclusive(() =>
      this.#gate.exclusive(async () => {
        this.#checkNotClosed();
        if (offset >= this.logEndOffset) return;
        this.#tail = null;
        this.#truncations++;
        try {
          if (offset < this.#segments[0].baseOffset) await this.#truncateFullyAndStartAt(offset);
          else await this.#truncateWithin(offset);
          await this.#rt.fs.syncDir(this.dir);
          this.#dirDirty = false;
        } catch (err) {
          throw this.#fail("truncate", err);
        }
        this.#recoveryPoint = Math.min(this.#recoveryPoint, this.logEndOffset);
        this.#logStartOffset = Math.min(this.#logStartOffset, this.logEndOffset);
        // Lower the recovery point on disk before anything new can be appended below it.
        await this.#writeCheckpoint("truncate");
        // Likewise the cleaner's: new records below it would pass for compacted ones.
        try {
          await lowerCleanerCheckpoint(this.#rt.fs, this.dir, this.logEndOffset);
        } catch (err) {
          throw this.#fail("truncate", err);
        }
        this.#checkInvariants();
      })
    );
  }

  async #truncateWithin(offset: number): Promise<void> {
    let keep = segmentIndexOf(this.#segments, offset);
    if (keep > 0 && this.#segments[keep].baseOffset === offset) keep--;
    const doomed = this.#segments.slice(keep + 1);
    this.#segments = this.#segments.slice(0, keep + 1);
    // Newest first: directory changes reach the disk in order, so a crash part way leaves the
    // log cut at a segment boundary, never with a hole in the middle.
    for (const segment of doomed.reverse()) {
      this.#sizeBytes -= segment.sizeBytes;
      await deleteSegmentFiles(this.#rt.fs, this.dir, segment);
    }
    // The removals must be durable before the cut: a crash must not keep a cut segment with
    // later segments still after it.
    if (doomed.length > 0) await this.#rt.fs.syncDir(this.dir);
    const segment = this.#active;
    const before = segment.sizeBytes;
    await segment.truncateTo(offset);
    this.#sizeBytes -= before - segment.sizeBytes;
    await segment.sync(false);
  }

  async #truncateFullyAndStartAt(offset: number): Promise<void> {
    // Newest first, and the fresh segment last: a crash part way leaves a prefix of the old log.
    for (const segment of [...this.#segments].reverse()) {
      await deleteSegmentFiles(this.#rt.fs, this.dir, segment);
    }
    await this.#rt.fs.syncDir(this.dir);
    this.#sizeBytes = 0;
    this.#segments = [
      await LogSegment.create(this.#rt.fs, this.dir, offset, this.#rt.clock.nowMs(), this.#policy),
    ];
    this.#logStartOffset = offset;
  }

  /** Advances logStartOffset (DeleteRecords); segments wholly below it are deleted. */
  async deleteRecordsBefore(offset: number): Promise<void> {
    this.#checkUsable();
    checkOffsetArgument("offset", offset);
    // Never let the checkpointed start pass data a crash could still take away. (Waited for
    // outside writeLock: a round waits for queued appends, which wait for writeLock.)
    if (offset <= this.logEndOffset && offset > this.#recoveryPoint) await this.#durable(offset);
    await this.#writeLock.exclusive(async () => {
      this.#checkNotClosed();
      if (offset > this.logEndOffset) {
        throw new TributaryError(
          "OFFSET_OUT_OF_RANGE",
          `cannot delete records before ${offset}: log ends at ${this.logEndOffset}`,
        );
      }
      if (offset <= this.#logStartOffset) return;
      this.#logStartOffset = offset;
      await this.#writeCheckpoint();
      const active = this.#active;
      if (!active.isEmpty && active.nextOffset <= offset) {
        await this.#rollOrFail(this.logEndOffset, "records-deleted");
      }
      let count = 0;
      while (count < this.#segments.length - 1 && this.#segments[count + 1].baseOffset <= offset) {
        count++;
      }
      await this.#deleteOldest(count);
    });
  }

  /**
   * Deletes segments by retention.ms / retention.bytes (retention.ts), the active one included
   * as Kafka does: when every segment is due, a new empty active segment is rolled at the log
   * end first, so the log start offset moves to the log end and appends continue there. Only
   * with cleanup.policy delete or compact,delete, and only below highWatermark (data not yet
   * committed is never deleted).
   */
  async applyRetention(
    nowMs: number = this.#rt.clock.nowMs(),
    options: { highWatermark?: number } = {},
  ): Promise<number> {
    this.#checkUsable();
    return await this.#writeLock.exclusive(async () => {
      this.#checkNotClosed();
      if (!policyDeletes(this.#config.cleanupPolicy)) return 0;
      const upTo = Math.min(options.highWatermark ?? this.logEndOffset, this.logEndOffset);
      const count = segmentsToDelete(this.#segments, this.#config, nowMs, upTo);
      if (count === 0) return 0;
      if (count === this.#segments.length) await this.#rollOrFail(this.logEndOffset, "retention");
      this.#logStartOffset = Math.max(this.#logStartOffset, this.#segments[count].baseOffset);
      await this.#writeCheckpoint();
      await this.#deleteOldest(count);
      return count;
    });
  }

  async #rollOrFail(baseOffset: number, reason: RollReason): Promise<void> {
    try {
      await this.#roll(baseOffset, reason);
    } catch (err) {
      throw this.#fail("roll", err);
    }
  }

  /** Removes the count oldest segments (the log start offset is already past them). */
  async #deleteOldest(count: number): Promise<void> {
    if (count === 0) return;
    assert(count < this.#segments.length, "the active segment is never deleted");
    await this.#gate.exclusive(async () => {
      const doomed = this.#segments.slice(0, count);
      this.#segments = this.#segments.slice(count);
      assert(
        this.#segments[0].baseOffset <= this.#logStartOffset,
        "log start offset lies in the first segment",
      );
      try {
        for (const segment of doomed) {
          this.#sizeBytes -= segment.sizeBytes;
          await this.#deleter.delete(segment, this.#config.fileDeleteDelayMs ?? 0);
        }
      } catch (err) {
        throw this.#fail("delete segment", err);
      }
      this.#dirDirty = true;
      this.#checkInvariants();
    });
  }

  /**
   * For the cleaner (cleaner.ts): under the write lock, checks that `old` are still consecutive
   * closed segments of this log and that no truncation happened since `truncations` was read,
   * then runs `commit` (which moves the files, see cleaner-files.ts) and puts `replacement` in
   * place of `old` (with a null replacement the segments stay as they are). Readers still
   * on the old segments finish before the commit starts. Returns false, running nothing,
   * when retention, truncation or record deletion changed the segments first.
   */
  async replaceSegments(
    plan: { old: readonly LogSegment[]; replacement: LogSegment | null; truncations: number },
    commit: () => Promise<void>,
  ): Promise<boolean> {
    this.#checkUsable();
    return await this.#writeLock.exclusive(async () => {
      this.#checkNotClosed();
      const { old, replacement } = plan;
      const at = old.length === 0 ? 0 : this.#segments.indexOf(old[0]);
      const intact = plan.truncations === this.#truncations && at >= 0 &&
        at + old.length < this.#segments.length &&
        old.every((segment, i) => this.#segments[at + i] === segment);
      if (!intact) return false;
      // The commit renames and removes the old segments' files, so no reader may be on them
      // from then on: one whose handle the open-file budget closed could not reopen them.
      await this.#gate.exclusive(async () => {
        try {
          await commit();
        } catch (err) {
          throw this.#fail("clean", err);
        }
        if (replacement === null) return;
        assert(replacement.baseOffset === old[0].baseOffset, "a cleaned segment keeps its base");
        const next = [...this.#segments];
        next.splice(at, old.length, replacement);
        this.#segments = next;
        for (const segment of old) this.#sizeBytes -= segment.sizeBytes;
        this.#sizeBytes += replacement.sizeBytes;
        try {
          for (const segment of old) await segment.close();
        } catch (err) {
          throw this.#fail("clean", err);
        }
        this.#checkInvariants();
      });
      return true;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration and lifecycle

  updateConfig(config: Partial<LogConfig>): void {
    this.#checkUsable();
    this.#config = resolveLogConfig(config, this.#config);
    this.#policy.indexIntervalBytes = this.#config.indexIntervalBytes;
    this.#flushTimer?.cancel();
    this.#flushTimer = null;
    this.#armFlushTimer();
  }

  /** Flushes, checkpoints and writes the clean-shutdown marker. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown(true);
    return this.#closing;
  }

  /** Closes without the final flush and removes the directory (topic deletion). */
  async deleteAll(): Promise<void> {
    this.#closing ??= this.#shutdown(false);
    await this.#closing;
    await this.#rt.fs.remove(this.dir, { recursive: true });
    await this.#rt.fs.syncDir(parentPath(this.dir));
  }

  async #shutdown(clean: boolean): Promise<void> {
    this.#state = "closing";
    this.#writeHealth.stop();
    this.#flushTimer?.cancel();
    this.#flushTimer = null;
    this.#deleter.cancelPending();
    await this.#settleBackground();
    await this.#writeLock.exclusive(async () => {
      // Appends ahead of close may have rolled and started background flushes; no append can
      // be queued behind this lock now (closing refuses them), so those flushes can finish.
      await this.#settleBackground();
      await this.#gate.exclusive(async () => {
        const wasHealthy = this.#failure === null;
        try {
          if (clean && wasHealthy) await this.#finalFlush();
        } finally {
          for (const segment of this.#segments) await segment.close();
          this.#state = "closed";
        }
      });
    });
  }

  /** Under both locks: everything durable, indexes complete, checkpoint and marker written. */
  async #finalFlush(): Promise<void> {
    try {
      this.#active.seal();
      for (const segment of this.#segments) await segment.sync(true);
      await this.#rt.fs.syncDir(this.dir);
      this.#recoveryPoint = this.logEndOffset;
      await this.#writeCheckpoint();
      await writeCleanShutdownMarker(this.#rt.fs, this.dir);
    } catch (err) {
      throw this.#fail("close", err);
    }
  }

  async #settleBackground(): Promise<void> {
    // Background work can start more background work (a timer flush); bounded by rounds.
    for (let i = 0; this.#background.size > 0; i++) {
      assert(i < 1000, "background log work keeps coming");
      await Promise.all([...this.#background]);
    }
  }

  /** Runs background work whose failure marks the log failed instead of vanishing. */
  #track(work: Promise<void>): void {
    const tracked: Promise<void> = work
      .catch((err: unknown) => {
        this.#fail("background", err);
      })
      .finally(() => {
        this.#background.delete(tracked);
      });
    this.#background.add(tracked);
  }

  // ---------------------------------------------------------------------------------------------
  // Failure and invariants

  /**
   * Records the first storage failure: from then on every operation fails with it (as with a
   * Kafka log dir going offline), since after a failed write or fsync the page cache and the
   * disk may disagree in ways no retry can see. Returns the error to throw.
   */
  #fail(operation: string, err: unknown): TributaryError {
    if (err instanceof TributaryError && err === this.#failure) return err;
    if (this.#failure === null && DEGRADABLE_OPERATIONS.has(operation) && isOutOfSpace(err)) {
      return this.#degrade(operation, err);
    }
    const message = err instanceof Error ? err.message : String(err);
    const failure = new TributaryError(
      "KAFKA_STORAGE_ERROR",
      `${operation} in ${this.dir} failed: ${message}`,
      { cause: err },
    );
    if (this.#failure === null) {
      this.#failure = failure;
      this.#onHealth?.({ kind: "failed", error: failure });
    }
    if (err instanceof AssertionError) throw err;
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
    this.#writeHealth.markDegraded(degraded);
    return degraded;
  }

  /** New operations need an open log. */
  #checkUsable(): void {
    if (this.#failure !== null) throw this.#failure;
    if (this.#state !== "open") {
      throw new TributaryError("KAFKA_STORAGE_ERROR", `log ${this.dir} is closed`);
    }
  }

  /** Operations accepted before close() began still run: close waits for them (FIFO locks). */
  #checkNotClosed(): void {
    if (this.#failure !== null) throw this.#failure;
    if (this.#state === "closed") {
      throw new TributaryError("KAFKA_STORAGE_ERROR", `log ${this.dir} is closed`);
    }
  }

  #checkInvariants(): void {
    const logEnd = this.logEndOffset;
    assert(
      this.#logStartOffset <= logEnd,
      `logStartOffset ${this.#logStartOffset} <= logEndOffset ${logEnd}`,
    );
    assert(
      this.#recoveryPoint <= logEnd,
      `recoveryPoint ${this.#recoveryPoint} <= logEndOffset ${logEnd}`,
    );
    assert(this.#segments.length > 0, "a log has an active segment");
    assert(
      this.#segments[0].baseOffset <= this.#logStartOffset,
      "logStartOffset within the first segment",
    );
    for (let i = 1; i < this.#segments.length; i++) {
      assert(
        this.#segments[i - 1].baseOffset < this.#segments[i].baseOffset,
        "segment base offsets increase",
      );
    }
  }
}

/**
 * Where a roll starts the next segment: at the old one's end, even when the batch leaves a gap
 * in the offsets (replication), so segment bases stay contiguous and a gap between segments at
 * open always means a lost segment file (log-loader.ts). Only a gap too wide for the relative
 * offsets of the index starts the segment at the batch.
 */
function rollBaseOffset(old: LogSegment, batch: BatchHeader): number {
  return lastOffsetOf(batch) - old.nextOffset <= RELATIVE_OFFSET_MAX
    ? old.nextOffset
    : batch.baseOffset;
}

/**
 * Failures that only degrade writes when the disk is full: each leaves the log consistent.
 * fsync failures are never among them (after a failed fsync the page cache may have dropped
 * data no retry can see), nor truncation (its lowered checkpoint must land before any append).
 */
const DEGRADABLE_OPERATIONS = new Set(["append", "roll", "checkpoint", "background"]);

function gapError(dir: string, gap: OffsetGap): TributaryError {
  return new TributaryError(
    "OFFSET_OUT_OF_RANGE",
    `offsets [${gap.fromOffset}, ${gap.toOffset}) of ${dir} are missing (a segment file was ` +
      `lost); the next valid offset is ${gap.toOffset}`,
  );
}

function checkOffsetArgument(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new TributaryError("INVALID_REQUEST", `${name} must be an integer, got ${value}`);
  }
  if (value < 0) throw new TributaryError("OFFSET_OUT_OF_RANGE", `${name} ${value} is negative`);
}

function stampLeaderEpoch(bytes: Uint8Array, input: InputBatch[], epoch: number): void {
  if ((epoch | 0) !== epoch) {
    throw new TributaryError("INVALID_REQUEST", `leaderEpoch ${epoch} is not an int32`);
  }
  for (const batch of input) {
    setPartitionLeaderEpoch(bytes, batch.at, epoch);
    batch.header.partitionLeaderEpoch = epoch;
  }
}
