// The log cleaner: compaction for cleanup.policy compact (and compact,delete). One pass:
//
//   1. Read the cleaner checkpoint and find the cleanable range (cleaner-range.ts); skip the log
//      unless its dirty ratio reaches min.cleanable.dirty.ratio or a tombstone's delete horizon
//      has passed.
//   2. Map key -> latest offset over the dirty section, within offsetMapBytesMax
//      (cleaner-map.ts). When the map fills, the pass covers the dirty section only up to
//      mapEnd, the batch that did not fit; the next pass goes on from there.
//   3. Rewrite every closed segment from the log's first up to the one holding mapEnd - 1, in
//      groups that each become one segment (cleaner-batch.ts says what each batch becomes),
//      and swap each group in atomically (cleaner-files.ts), one group at a time and in order.
//   4. With the last group, under the same lock, advance the checkpoint to mapEnd.
//
// Why nothing acknowledged is lost: the clean section [log start, checkpoint) holds at most one
// record per key (each pass leaves [log start, mapEnd) so), and the latest record of a key is
// never removed except as a tombstone past its horizon. A record goes only when a later one of
// its key was mapped, which is in the log (closed segments are fsynced before the roll past
// them) and survives the pass; a tombstone goes only when no older record of its key can be left
// before it: either it was mapped (older ones go in this pass, in this group or an earlier one,
// swapped in first) or it lies in the clean section (no older one exists there). Groups swap in
// offset order, each durably before the next, so a crash between groups leaves that true.
//
// Reads and appends go on during a pass: the cleaner reads through PartitionLog.read(), writes
// only its own temporary files, and takes the log's write lock just for each swap. Retention,
// truncation or record deletion meanwhile make the swap refuse (the pass is abandoned and
// retried later); a smaller checkpoint is always safe.
//
// Producer state: batches keep their producer fields, but a batch left with no records is
// dropped (except a group's last), so a producer whose batches were all compacted away is
// forgotten by the tail scan at the next open. Kafka keeps each producer's last batch for that;
// here producer state is rebuilt from the log's tail, which is mostly the (never cleaned)
// active segment.

import { TributaryError } from "../model/errors.ts";
import type { Clock, FileSystem } from "../../runtime/types.ts";
import type { RetainRules } from "./cleaner-batch.ts";
import {
  type CleanerCheckpoint,
  readCleanerCheckpoint,
  writeCleanerCheckpoint,
} from "./cleaner-checkpoint.ts";
import { type CleanableRange, cleanableRange, groupSegments } from "./cleaner-range.ts";
import { CleanedWriter, type GroupStats } from "./cleaner-writer.ts";
import { type KeyedOffset, OffsetMap } from "./cleaner-map.ts";
import { policyCompacts } from "./config.ts";
import type { PartitionLog } from "./partition-log.ts";
import { batchesIn, decodeRecordsAsync, isControlBatch } from "./record-batch.ts";
import type { LogSegment } from "./segment.ts";
import { removeCleaned, swapInCleaned } from "./cleaner-files.ts";

export interface LogCleanerOptions {
  /** Memory for one pass's key map (Kafka: log.cleaner.dedupe.buffer.size); default 32 MiB. */
  offsetMapBytesMax?: number;
  /** Bytes asked for per log read while cleaning; default 1 MiB. */
  readBytesMax?: number;
}

export interface CleanOptions {
  /** Default: the clock's now. */
  nowMs?: number;
  /** Offsets at or past it are not compacted (the high watermark); default: no limit. */
  uncleanableFrom?: number;
}

export type CleanOutcome =
  /** A pass ran and its checkpoint was written. */
  | "cleaned"
  /** Not compacted, or nothing cleanable, or below min.cleanable.dirty.ratio. */
  | "skipped"
  /** The log changed under the pass (retention, truncation, record deletion); try again later. */
  | "aborted"
  /** Another pass on this log is running. */
  | "busy";

export interface CleanResult {
  outcome: CleanOutcome;
  firstDirty: number;
  firstUncleanable: number;
  dirtyRatio: number;
  /** The checkpoint after the pass: below it every key has at most one record. */
  cleanedUpTo: number;
  /** True when the pass reached firstUncleanable (the map held the whole dirty section). */
  complete: boolean;
  segmentsBefore: number;
  segmentsAfter: number;
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
}

const OFFSET_MAP_BYTES_MAX_DEFAULT = 32 * 1024 * 1024;
const READ_BYTES_MAX_DEFAULT = 1024 * 1024;
/** cleanUntilDone() stops after this many passes, done or not (a bound, not a tuning knob). */
const PASSES_MAX = 1000;

export class LogCleaner {
  readonly #fs: FileSystem;
  readonly #clock: Pick<Clock, "nowMs">;
  readonly #offsetMapBytesMax: number;
  readonly #readBytesMax: number;
  readonly #busy = new Set<string>();

  /** rt.fs must be the file system the logs were opened with. */
  constructor(
    rt: { fs: FileSystem; clock: Pick<Clock, "nowMs"> },
    options: LogCleanerOptions = {},
  ) {
    this.#fs = rt.fs;
    this.#clock = rt.clock;
    this.#offsetMapBytesMax = positive(options.offsetMapBytesMax, OFFSET_MAP_BYTES_MAX_DEFAULT);
    this.#readBytesMax = positive(options.readBytesMax, READ_BYTES_MAX_DEFAULT);
  }

  /** One pass over log when its config and state call for one (see the file comment). */
  async clean(log: PartitionLog, options: CleanOptions = {}): Promise<CleanResult> {
    if (this.#busy.has(log.dir)) return emptyResult("busy", log);
    if (!policyCompacts(log.config.cleanupPolicy)) return emptyResult("skipped", log);
    this.#busy.add(log.dir);
    try {
      return await new CleaningPass(this.#context(log, options)).run();
    } catch (err) {
      // Reads refuse offsets a concurrent truncation or record deletion took away.
      if (err instanceof TributaryError && err.code === "OFFSET_OUT_OF_RANGE") {
        return emptyResult("aborted", log);
      }
      throw err;
    } finally {
      this.#busy.delete(log.dir);
    }
  }

  /** Passes until one is skipped or complete (or aborted), at most PASSES_MAX; the last result. */
  async cleanUntilDone(log: PartitionLog, options: CleanOptions = {}): Promise<CleanResult> {
    let result = emptyResult("skipped", log);
    for (let pass = 0; pass < PASSES_MAX; pass++) {
      result = await this.clean(log, options);
      if (result.outcome !== "cleaned" || result.complete) break;
    }
    return result;
  }

  #context(log: PartitionLog, options: CleanOptions): PassContext {
    return {
      log,
      fs: this.#fs,
      nowMs: options.nowMs ?? this.#clock.nowMs(),
      uncleanableFrom: options.uncleanableFrom ?? Number.MAX_SAFE_INTEGER,
      offsetMapBytesMax: this.#offsetMapBytesMax,
      readBytesMax: this.#readBytesMax,
    };
  }
}

interface PassContext {
  log: PartitionLog;
  fs: FileSystem;
  nowMs: number;
  uncleanableFrom: number;
  offsetMapBytesMax: number;
  readBytesMax: number;
}

/** One pass over one log; used once. */
class CleaningPass {
  readonly #ctx: PassContext;
  readonly #truncations: number;
  readonly #segmentsBefore: number;
  #horizonMs = -1;
  #stats: GroupStats = { recordsRemoved: 0, bytesBefore: 0, bytesAfter: 0 };

  constructor(ctx: PassContext) {
    this.#ctx = ctx;
    this.#truncations = ctx.log.truncations;
    this.#segmentsBefore = ctx.log.segmentCount;
  }

  async run(): Promise<CleanResult> {
    const { log, fs, nowMs } = this.#ctx;
    const checkpoint = (await readCleanerCheckpoint(fs, log.dir)) ??
      { cleanedUpTo: 0, deleteHorizonMs: -1 };
    const all = log.segmentsSnapshot();
    const range = cleanableRange(all, {
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      cleanedUpTo: checkpoint.cleanedUpTo,
      nowMs,
      minCompactionLagMs: log.config.minCompactionLagMs,
      uncleanableFrom: this.#ctx.uncleanableFrom,
    });
    if (!this.#due(range, checkpoint)) return this.#result("skipped", range, checkpoint, false);
    const map = new OffsetMap(this.#ctx.offsetMapBytesMax);
    const mapEnd = await this.#buildMap(range, map);
    const rules: RetainRules = {
      map,
      mapEnd,
      logStartOffset: log.logStartOffset,
      nowMs,
      deleteRetentionMs: log.config.deleteRetentionMs,
    };
    let last = -1;
    while (last + 1 < range.segments.length && range.segments[last + 1].baseOffset < mapEnd) {
      last++;
    }
    const groups = groupSegments(
      range.segments.slice(0, last + 1),
      range.upper,
      log.config.segmentBytes,
    );
    const next: CleanerCheckpoint = { cleanedUpTo: mapEnd, deleteHorizonMs: -1 };
    const done = await this.#cleanGroups(groups, range, rules, next);
    if (!done) return this.#result("aborted", range, checkpoint, false);
    return this.#result("cleaned", range, next, mapEnd >= range.firstUncleanable);
  }

  #due(range: CleanableRange<LogSegment>, checkpoint: CleanerCheckpoint): boolean {
    if (range.segments.length === 0) return false;
    const horizonPassed = checkpoint.deleteHorizonMs >= 0 &&
      checkpoint.deleteHorizonMs <= this.#ctx.nowMs;
    const dirty = range.dirtyBytes > 0 &&
      range.dirtyRatio >= this.#ctx.log.config.minCleanableDirtyRatio;
    return dirty || horizonPassed;
  }

  /** Maps the dirty section from firstDirty; returns mapEnd (see the file comment). */
  async #buildMap(range: CleanableRange<LogSegment>, map: OffsetMap): Promise<number> {
    const end = range.firstUncleanable;
    let offset = range.firstDirty;
    // Every read returns at least one batch or ends the loop, and offset only grows.
    while (offset < end) {
      offset = Math.max(offset, this.#ctx.log.logStartOffset);
      const read = await this.#ctx.log.read(offset, this.#ctx.readBytesMax, { maxOffset: end });
      if (read.bytes.length === 0) break;
      for (const { position, header } of batchesIn(read.bytes)) {
        if (isControlBatch(header)) continue;
        const records = await decodeRecordsAsync(read.bytes, position);
        const keyed: KeyedOffset[] = [];
        for (const r of records) {
          if (r.key !== null && r.offset >= range.firstDirty) {
            keyed.push({ key: r.key, offset: r.offset });
          }
        }
        if (!map.putBatch(keyed)) return header.baseOffset;
      }
      offset = read.nextOffset;
    }
    return end;
  }

  /** Writes and swaps in each group; false when the log changed under the pass. */
  async #cleanGroups(
    groups: LogSegment[][],
    range: CleanableRange<LogSegment>,
    rules: RetainRules,
    next: CleanerCheckpoint,
  ): Promise<boolean> {
    const { log, fs } = this.#ctx;
    const uppers = new Map(range.segments.map((segment, i) => [segment, range.upper[i]]));
    const upperOf = (segment: LogSegment) => uppers.get(segment) as number;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g];
      const isLast = g === groups.length - 1;
      const writer = new CleanedWriter(fs, log, group, upperOf, this.#ctx.readBytesMax);
      const written = await writer.write(rules);
      this.#horizonMs = Math.max(this.#horizonMs, written.horizonMs);
      next.deleteHorizonMs = this.#horizonMs;
      const base = group[0].baseOffset;
      const commit = async () => {
        if (written.segment !== null) {
          await swapInCleaned(fs, log.dir, base, group.map((s) => s.baseOffset));
        }
        if (isLast) await writeCleanerCheckpoint(fs, log.dir, next);
      };
      const swapped = written.segment === null && !isLast ? true : await log.replaceSegments(
        { old: group, replacement: written.segment, truncations: this.#truncations },
        commit,
      );
      if (!swapped) {
        await written.segment?.close();
        await removeCleaned(fs, log.dir, base);
        return false;
      }
      this.#add(written.stats);
    }
    if (groups.length === 0) return await this.#commitCheckpointOnly(next);
    return true;
  }

  /** A pass that had nothing to rewrite still records its (unchanged) range and horizon. */
  #commitCheckpointOnly(next: CleanerCheckpoint): Promise<boolean> {
    const { log, fs } = this.#ctx;
    return log.replaceSegments(
      { old: [], replacement: null, truncations: this.#truncations },
      () => writeCleanerCheckpoint(fs, log.dir, next),
    );
  }

  #add(stats: GroupStats): void {
    this.#stats = {
      recordsRemoved: this.#stats.recordsRemoved + stats.recordsRemoved,
      bytesBefore: this.#stats.bytesBefore + stats.bytesBefore,
      bytesAfter: this.#stats.bytesAfter + stats.bytesAfter,
    };
  }

  #result(
    outcome: CleanOutcome,
    range: CleanableRange<LogSegment>,
    checkpoint: CleanerCheckpoint,
    complete: boolean,
  ): CleanResult {
    return {
      outcome,
      firstDirty: range.firstDirty,
      firstUncleanable: range.firstUncleanable,
      dirtyRatio: range.dirtyRatio,
      cleanedUpTo: checkpoint.cleanedUpTo,
      complete,
      segmentsBefore: this.#segmentsBefore,
      segmentsAfter: this.#ctx.log.segmentCount,
      ...this.#stats,
    };
  }
}

function emptyResult(outcome: CleanOutcome, log: PartitionLog): CleanResult {
  return {
    outcome,
    firstDirty: log.logStartOffset,
    firstUncleanable: log.logStartOffset,
    dirtyRatio: 0,
    cleanedUpTo: log.logStartOffset,
    complete: false,
    segmentsBefore: log.segmentCount,
    segmentsAfter: log.segmentCount,
    recordsRemoved: 0,
    bytesBefore: 0,
    bytesAfter: 0,
  };
}

function positive(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TributaryError("INVALID_CONFIG", `cleaner limits must be positive integers`);
  }
  return value;
}
