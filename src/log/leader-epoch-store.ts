// A partition's leader-epoch cache kept on disk: every change is written to
// leader-epoch-checkpoint (leader-epoch-checkpoint.ts) before the call resolves, as Kafka
// flushes its cache on every change.
//
// Ordering rule for the owner (what makes the file trustworthy at open): assign() the epoch of
// a batch and await it BEFORE the batch is appended. The file may then run ahead of the log
// (a crash lost the batch, or the append failed) but never behind it, and open() cuts what
// runs ahead with truncateFromEnd(logEndOffset) and truncateFromStart(logStartOffset), as
// Kafka's log loading does. A missing or unparsable file is rebuilt from the partitionLeaderEpoch
// of every batch (a header-only scan of the segments), so existing data directories, written
// before the file existed, open with the epochs their batches carry (today one entry (0, base)).
//
// How PartitionLog keeps it (when opened with LoadOptions.leaderEpochs):
// - open (partition-log.ts, after loadLog): LeaderEpochStore.open(fs, dir, log);
// - append (log-append.ts appendLocked, under writeLock, offsets assigned, before the write):
//   per batch needsUpdate(epoch, baseOffset), a comparison; only when true await assign();
// - truncateTo (log-truncate.ts, after the cut): truncateFromEnd(logEndOffset) (a cut below
//   the first segment so clears it);
// - applyRetention / deleteRecordsBefore (log-retention.ts, after the log checkpoint):
//   truncateFromStart(logStartOffset).

import { TributaryError } from "../model/errors.ts";
import type { FileSystem } from "../../runtime/types.ts";
import { AsyncLock } from "./async-lock.ts";
import {
  type AssignOutcome,
  type EpochEndOffset,
  type EpochEntry,
  LeaderEpochCache,
} from "./leader-epoch-cache.ts";
import { readEpochCheckpoint, writeEpochCheckpoint } from "./leader-epoch-checkpoint.ts";
import { scanBatches } from "./segment-scan.ts";
import type { LogSegment } from "./segment.ts";

/** What the store needs of an open log (PartitionLog has it). */
export interface EpochLogView {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  segmentsSnapshot(): LogSegment[];
}

export interface EpochLoadReport {
  /** "checkpoint": the file was read; "rebuilt": it was missing or corrupt and the log scanned. */
  source: "checkpoint" | "rebuilt";
  /** Why it was rebuilt (for the `log.leader_epochs_rebuilt` event), "" when it was not. */
  rebuildReason: "" | "missing" | "corrupt";
  detail: string;
  /** Entries of a read checkpoint that ran past the log end or below its start. */
  entriesDropped: number;
}

/** The reading side of the store, for a log's owner (OffsetForLeaderEpoch, fetch checks). */
export interface LeaderEpochView {
  readonly latestEpoch: number;
  readonly loadReport: EpochLoadReport;
  entries(): EpochEntry[];
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset;
  epochForOffset(offset: number): number;
}

export class LeaderEpochStore implements LeaderEpochView {
  readonly loadReport: EpochLoadReport;
  readonly #fs: FileSystem;
  readonly #dir: string;
  #cache: LeaderEpochCache;
  readonly #lock = new AsyncLock("leader epoch checkpoint");

  private constructor(
    where: { fs: FileSystem; dir: string },
    cache: LeaderEpochCache,
    report: EpochLoadReport,
  ) {
    this.#fs = where.fs;
    this.#dir = where.dir;
    this.#cache = cache;
    this.loadReport = report;
  }

  /** Reads the checkpoint of dir (rebuilding it from log when needed) and fits it to log. */
  static async open(fs: FileSystem, dir: string, log: EpochLogView): Promise<LeaderEpochStore> {
    const read = await readEpochCheckpoint(fs, dir);
    let cache: LeaderEpochCache;
    let report: EpochLoadReport;
    if (read.kind === "ok") {
      cache = new LeaderEpochCache(read.entries);
      const cut = cache.truncateFromEnd(log.logEndOffset).length;
      const before = cache.size;
      const moved = cache.truncateFromStart(log.logStartOffset);
      const dropped = cut + before - cache.size;
      report = { source: "checkpoint", rebuildReason: "", detail: "", entriesDropped: dropped };
      if (cut > 0 || moved) await writeEpochCheckpoint(fs, dir, cache.entries());
    } else {
      cache = await scanLogEpochs(log);
      report = {
        source: "rebuilt",
        rebuildReason: read.kind,
        detail: read.kind === "corrupt" ? read.detail : "",
        entriesDropped: 0,
      };
      await writeEpochCheckpoint(fs, dir, cache.entries());
    }
    return new LeaderEpochStore({ fs, dir }, cache, report);
  }

  get latestEpoch(): number {
    return this.#cache.latestEpoch;
  }

  entries(): EpochEntry[] {
    return this.#cache.entries();
  }

  /** The cheap per-batch test of the append path (LeaderEpochCache.needsUpdate). */
  needsUpdate(epoch: number, startOffset: number): boolean {
    return this.#cache.needsUpdate(epoch, startOffset);
  }

  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    return this.#cache.endOffsetFor(requestedEpoch, logEndOffset);
  }

  epochForOffset(offset: number): number {
    return this.#cache.epochForOffset(offset);
  }

  /** Before appending a batch of epoch at startOffset: records it, durably when it changed. */
  assign(epoch: number, startOffset: number): Promise<AssignOutcome> {
    return this.#change((cache) => {
      const outcome = cache.assign(epoch, startOffset);
      return { result: outcome, changed: outcome.kind === "added" };
    });
  }

  /** After the log was truncated to endOffset. */
  truncateFromEnd(endOffset: number): Promise<EpochEntry[]> {
    return this.#change((cache) => {
      const removed = cache.truncateFromEnd(endOffset);
      return { result: removed, changed: removed.length > 0 };
    });
  }

  /** After the log start moved to startOffset. */
  truncateFromStart(startOffset: number): Promise<boolean> {
    return this.#change((cache) => {
      const changed = cache.truncateFromStart(startOffset);
      return { result: changed, changed };
    });
  }

  /**
   * Applies a change and writes the file, one at a time. When the write fails the change is
   * undone, so the cache never holds what the file lacks: after a full disk the append is
   * retried, and its epoch must then be written again, not found already "recorded".
   */
  #change<T>(apply: (cache: LeaderEpochCache) => { result: T; changed: boolean }): Promise<T> {
    return this.#lock.exclusive(async () => {
      const before = this.#cache.entries();
      const { result, changed } = apply(this.#cache);
      if (!changed) return result;
      try {
        await writeEpochCheckpoint(this.#fs, this.#dir, this.#cache.entries());
      } catch (err) {
        this.#cache = new LeaderEpochCache(before);
        throw err;
      }
      return result;
    });
  }
}

/** The cache the batches of log describe: a header-only scan of every segment. */
export async function scanLogEpochs(log: EpochLogView): Promise<LeaderEpochCache> {
  const cache = new LeaderEpochCache();
  for (const segment of log.segmentsSnapshot()) {
    const result = await scanBatches(segment.log, {
      to: segment.sizeBytes,
      validate: false,
      onBatch: ({ header }) => {
        cache.assign(header.partitionLeaderEpoch, header.baseOffset);
        return undefined;
      },
    });
    if (result.stop !== "end") {
      throw new TributaryError(
        "KAFKA_STORAGE_ERROR",
        `leader epoch scan of segment ${segment.baseOffset} stopped at byte ` +
          `${result.validBytes}: ${result.stop} ${result.detail}`,
      );
    }
  }
  cache.truncateFromStart(log.logStartOffset);
  return cache;
}
