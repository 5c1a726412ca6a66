// Writing one cleaned group: the batches of a group of segments, each kept, rewritten or dropped
// (cleaner-batch.ts), appended to a new segment under *.cleaned names and fsynced, ready for
// swapInCleaned(). The segment is built with LogSegment itself (through SuffixedFileSystem), so
// its indexes are exactly what a rolled segment would have.

import type { FileSystem } from "../../runtime/types.ts";
import { assert } from "../model/errors.ts";
import { cleanBatch, emptyBatchLike, type RetainRules } from "./cleaner-batch.ts";
import { CLEANED_SUFFIX, removeCleaned, SuffixedFileSystem } from "./cleaner-files.ts";
import type { PartitionLog } from "./partition-log.ts";
import { batchesIn, type BatchHeader, readBatchHeader } from "./record-batch.ts";
import { LogSegment, type SegmentBatch } from "./segment.ts";

/** Kept batches are written in runs of about this many bytes. */
const APPEND_RUN_BYTES = 256 * 1024;

export interface GroupStats {
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
}

export interface WrittenGroup {
  /** The cleaned segment, synced, under *.cleaned names; null when the group needs no change. */
  segment: LogSegment | null;
  /** Latest delete horizon of the tombstones kept (-1: none). */
  horizonMs: number;
  stats: GroupStats;
}

export class CleanedWriter {
  readonly #fs: FileSystem;
  readonly #log: PartitionLog;
  readonly #group: readonly LogSegment[];
  readonly #upperOf: (segment: LogSegment) => number;
  readonly #readBytesMax: number;

  constructor(
    fs: FileSystem,
    log: PartitionLog,
    group: readonly LogSegment[],
    upperOf: (segment: LogSegment) => number,
    readBytesMax: number,
  ) {
    this.#fs = fs;
    this.#log = log;
    this.#group = group;
    this.#upperOf = upperOf;
    this.#readBytesMax = readBytesMax;
  }

  async write(rules: RetainRules): Promise<WrittenGroup> {
    const base = this.#group[0].baseOffset;
    const dir = this.#log.dir;
    await removeCleaned(this.#fs, dir, base);
    const segment = await LogSegment.create(
      new SuffixedFileSystem(this.#fs, CLEANED_SUFFIX),
      dir,
      base,
      this.#group[this.#group.length - 1].createdMs,
      { indexIntervalBytes: this.#log.config.indexIntervalBytes },
    );
    let copied: CopyResult;
    try {
      copied = await this.#copy(segment, rules);
      if (copied.changed) {
        segment.seal();
        await segment.sync(true);
      }
    } catch (err) {
      // The first failure is the one to report; leftover *.cleaned files are harmless (the next
      // pass or open removes them), so a failing cleanup must not hide it.
      await Promise.allSettled([this.#discard(segment, base)]);
      throw err;
    }
    const bytesBefore = this.#group.reduce((n, s) => n + s.sizeBytes, 0);
    if (!copied.changed) {
      await this.#discard(segment, base);
      const stats = { recordsRemoved: 0, bytesBefore, bytesAfter: bytesBefore };
      return { segment: null, horizonMs: copied.horizonMs, stats };
    }
    const stats = { recordsRemoved: copied.removed, bytesBefore, bytesAfter: segment.sizeBytes };
    return { segment, horizonMs: copied.horizonMs, stats };
  }

  async #discard(segment: LogSegment, base: number): Promise<void> {
    await segment.close();
    await removeCleaned(this.#fs, this.#log.dir, base);
  }

  async #copy(segment: LogSegment, rules: RetainRules): Promise<CopyResult> {
    const out = new AppendRun(segment);
    let changes = this.#group.length > 1 ? 1 : 0;
    let removed = 0;
    let horizonMs = -1;
    let droppedLast: BatchHeader | null = null;
    for (const old of this.#group) {
      const upper = this.#upperOf(old);
      for await (const { bytes, header } of this.#batches(old.baseOffset, upper)) {
        const outcome = await cleanBatch(bytes, header, rules);
        if (outcome.kind === "drop") {
          changes++;
          removed += outcome.removed;
          droppedLast = header;
          continue;
        }
        droppedLast = null;
        horizonMs = Math.max(horizonMs, outcome.horizonMs);
        if (outcome.kind === "keep") {
          await out.add(bytes, header);
        } else {
          changes++;
          removed += outcome.removed;
          await out.add(outcome.bytes, readBatchHeader(outcome.bytes));
        }
      }
    }
    // The group's last batch stays, emptied, so the swap ends where the group did.
    if (droppedLast !== null) {
      const empty = emptyBatchLike(droppedLast);
      await out.add(empty, readBatchHeader(empty));
      // An already empty last batch comes back as the same bytes: no change.
      if (droppedLast.recordCount === 0) changes--;
    }
    await out.flush();
    return { changed: changes > 0, removed, horizonMs };
  }

  /** The batches holding offsets in [from, upper) at or past the log start, in order. */
  async *#batches(
    from: number,
    upper: number,
  ): AsyncGenerator<{ bytes: Uint8Array; header: BatchHeader }> {
    let offset = from;
    // Each round returns at least one batch and moves offset past it, or ends the loop.
    while (offset < upper) {
      offset = Math.max(offset, this.#log.logStartOffset);
      const read = await this.#log.read(offset, this.#readBytesMax, { maxOffset: upper });
      if (read.bytes.length === 0) return;
      assert(read.nextOffset > offset, `cleaner read at ${offset} made no progress`);
      for (const { position, header } of batchesIn(read.bytes)) {
        const size = header.batchLength + 12;
        yield { bytes: read.bytes.subarray(position, position + size), header };
      }
      offset = read.nextOffset;
    }
  }
}

interface CopyResult {
  changed: boolean;
  removed: number;
  horizonMs: number;
}

/** Batches appended to the segment in runs of about APPEND_RUN_BYTES. */
class AppendRun {
  readonly #segment: LogSegment;
  #parts: Uint8Array[] = [];
  #batches: SegmentBatch[] = [];
  #bytes = 0;

  constructor(segment: LogSegment) {
    this.#segment = segment;
  }

  async add(bytes: Uint8Array, header: BatchHeader): Promise<void> {
    this.#batches.push({ at: this.#bytes, sizeBytes: bytes.length, header });
    this.#parts.push(bytes);
    this.#bytes += bytes.length;
    if (this.#bytes >= APPEND_RUN_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#batches.length === 0) return;
    const run = new Uint8Array(this.#bytes);
    let at = 0;
    for (const part of this.#parts) {
      run.set(part, at);
      at += part.length;
    }
    const batches = this.#batches;
    this.#parts = [];
    this.#batches = [];
    this.#bytes = 0;
    await this.#segment.append(run, batches);
  }
}
