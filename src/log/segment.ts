// One segment: a .log file of whole record batches plus its two sparse indexes (sparse-index.ts).
//
// The segment knows positions and offsets; the partition log decides when to roll, sync and
// delete. sizeBytes only ever covers whole batches whose write has completed, so a concurrent
// reader that stays below it never sees a torn batch.

import { assert } from "../model/errors.ts";
import type { FileHandle, FileSystem } from "../../runtime/types.ts";
import type { BatchHeader } from "./record-batch.ts";
import { BATCH_HEADER_BYTES, lastOffsetOf } from "./record-batch.ts";
import { scanBatches, type ScanResult } from "./segment-scan.ts";
import { segmentPath } from "./segment-files.ts";
import { OFFSET_INDEX_FORMAT, SparseIndex, TIME_INDEX_FORMAT } from "./sparse-index.ts";

/** Index entries hold offsets relative to the segment base as uint32. */
export const RELATIVE_OFFSET_MAX = 0xffff_ffff;

export interface IndexPolicy {
  indexIntervalBytes: number;
}

export interface SegmentBatch {
  /** Position of the batch inside the bytes being appended. */
  at: number;
  sizeBytes: number;
  header: BatchHeader;
}

export class LogSegment {
  readonly baseOffset: number;
  readonly log: FileHandle;
  readonly offsetIndex: SparseIndex;
  readonly timeIndex: SparseIndex;
  readonly createdMs: number;
  /** Shared with the partition log, which updates it when the config changes. */
  readonly #policy: IndexPolicy;
  #sizeBytes: number;
  #nextOffset: number;
  #maxTimestamp = -1;
  #offsetOfMaxTimestamp = -1;
  #firstBatchTimestamp = -1;
  #bytesSinceIndexEntry = 0;
  /** Bumped after every completed write or truncate of the log file. */
  #changes = 0;
  #changesSynced = 0;
  #indexLoad: Promise<void> | null = null;
  /** An index file was missing at open: the empty one created in its place proves nothing. */
  #indexesMissing = false;

  private constructor(
    baseOffset: number,
    files: SegmentFiles,
    createdMs: number,
    policy: IndexPolicy,
  ) {
    this.baseOffset = baseOffset;
    this.#policy = policy;
    this.log = files.log;
    this.offsetIndex = new SparseIndex(OFFSET_INDEX_FORMAT, files.index, files.indexBytes);
    this.timeIndex = new SparseIndex(TIME_INDEX_FORMAT, files.timeIndex, files.timeIndexBytes);
    this.createdMs = createdMs;
    this.#sizeBytes = files.logBytes;
    this.#nextOffset = baseOffset;
  }

  /** New, empty segment files; EEXIST when the log file already exists. */
  static async create(
    fs: FileSystem,
    dir: string,
    baseOffset: number,
    nowMs: number,
    policy: IndexPolicy,
  ): Promise<LogSegment> {
    const log = await fs.open(segmentPath(dir, baseOffset, "log"), {
      exclusive: true,
      write: true,
    });
    const index = await fs.open(segmentPath(dir, baseOffset, "index"), {
      create: true,
      write: true,
      truncate: true,
    });
    const timeIndex = await fs.open(segmentPath(dir, baseOffset, "timeindex"), {
      create: true,
      write: true,
      truncate: true,
    });
    const files = { log, index, timeIndex, logBytes: 0, indexBytes: 0, timeIndexBytes: 0 };
    return new LogSegment(baseOffset, files, nowMs, policy);
  }

  /** Existing segment files (missing index files are created empty); contents are not read yet. */
  static async open(
    fs: FileSystem,
    dir: string,
    baseOffset: number,
    nowMs: number,
    policy: IndexPolicy,
  ): Promise<LogSegment> {
    const indexesExisted = (await fs.exists(segmentPath(dir, baseOffset, "index"))) &&
      (await fs.exists(segmentPath(dir, baseOffset, "timeindex")));
    const log = await fs.open(segmentPath(dir, baseOffset, "log"), { write: true });
    const index = await fs.open(segmentPath(dir, baseOffset, "index"), {
      create: true,
      write: true,
    });
    const timeIndex = await fs.open(segmentPath(dir, baseOffset, "timeindex"), {
      create: true,
      write: true,
    });
    const [logBytes, indexBytes, timeIndexBytes] = await Promise.all([
      log.size(),
      index.size(),
      timeIndex.size(),
    ]);
    const files = { log, index, timeIndex, logBytes, indexBytes, timeIndexBytes };
    const segment = new LogSegment(baseOffset, files, nowMs, policy);
    segment.#indexesMissing = !indexesExisted;
    return segment;
  }

  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  /** Offset after the last batch (baseOffset when empty). */
  get nextOffset(): number {
    return this.#nextOffset;
  }

  /** Largest batch maxTimestamp in the segment, -1 when none carries one. */
  get maxTimestamp(): number {
    return this.#maxTimestamp;
  }

  /** maxTimestamp of the first batch (what segment.ms ages), -1 when empty. */
  get firstBatchTimestamp(): number {
    return this.#firstBatchTimestamp;
  }

  get isEmpty(): boolean {
    return this.#sizeBytes === 0;
  }

  /** The log file has completed writes that are not synced yet. */
  get logDirty(): boolean {
    return this.#changes !== this.#changesSynced;
  }

  /** Appends whole batches (already validated, offsets assigned) stored in bytes. */
  async append(bytes: Uint8Array, batches: SegmentBatch[]): Promise<number> {
    const position = this.#sizeBytes;
    assert(batches.length > 0 && bytes.length > 0, "append of at least one batch");
    assert(
      batches[0].header.baseOffset >= this.#nextOffset,
      `offsets increase in segment ${this.baseOffset}`,
    );
    try {
      await this.log.writeAt(bytes, position);
    } catch (err) {
      // A short write (the disk filled up part way) may have left part of the batches past the
      // end: cut them, so the next append starts on this batch boundary. Shrinking needs no
      // space; if even that fails, its error (not the ENOSPC) tells the log to stop.
      await this.log.truncate(position);
      throw err;
    }
    for (const batch of batches) {
      this.#indexBatch(position + batch.at, batch.sizeBytes, batch.header);
    }
    this.#sizeBytes = position + bytes.length;
    this.#changes++;
    return position;
  }

  #indexBatch(position: number, sizeBytes: number, header: BatchHeader): void {
    const lastOffset = lastOffsetOf(header);
    assert(
      header.baseOffset >= this.#nextOffset,
      `batch ${header.baseOffset} after ${this.#nextOffset}`,
    );
    assert(
      lastOffset - this.baseOffset <= RELATIVE_OFFSET_MAX,
      `offset ${lastOffset} fits segment ${this.baseOffset}`,
    );
    if (position === 0) this.#firstBatchTimestamp = header.maxTimestamp;
    if (header.maxTimestamp > this.#maxTimestamp) {
      this.#maxTimestamp = header.maxTimestamp;
      this.#offsetOfMaxTimestamp = header.baseOffset;
    }
    if (this.#bytesSinceIndexEntry > this.#policy.indexIntervalBytes) {
      this.offsetIndex.append(header.baseOffset - this.baseOffset, position);
      this.#appendTimeEntry();
      this.#bytesSinceIndexEntry = 0;
    }
    this.#bytesSinceIndexEntry += sizeBytes;
    this.#nextOffset = lastOffset + 1;
  }

  /** Records the running maximum timestamp if it grew since the last time index entry. */
  #appendTimeEntry(): void {
    const index = this.timeIndex;
    if (this.#maxTimestamp < 0) return;
    if (index.count > 0 && index.key(index.count - 1) >= this.#maxTimestamp) return;
    index.append(this.#maxTimestamp, this.#offsetOfMaxTimestamp - this.baseOffset);
  }

  /** Called when the segment stops being active: its time index gets its final maximum. */
  seal(): void {
    this.#appendTimeEntry();
  }

  /** True when another batch could need an index entry the indexes have no room for. */
  indexFull(offsetEntriesMax: number, timeEntriesMax: number): boolean {
    return this.offsetIndex.count >= offsetEntriesMax || this.timeIndex.count >= timeEntriesMax;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /** Loads the indexes of a segment opened from disk (lazily, on first use). */
  loadIndexes(): Promise<void> {
    if (this.offsetIndex.loaded && this.timeIndex.loaded) return Promise.resolve();
    // Concurrent readers share one load: a rebuild must not run twice over the same arrays.
    this.#indexLoad ??= this.#loadIndexes().finally(() => {
      this.#indexLoad = null;
    });
    return this.#indexLoad;
  }

  async #loadIndexes(): Promise<void> {
    const entriesMax = Math.floor(this.#sizeBytes / BATCH_HEADER_BYTES) + 1;
    const offsetsOk = await this.offsetIndex.load(this.#sizeBytes || 1, entriesMax);
    const timesOk = await this.timeIndex.load(RELATIVE_OFFSET_MAX + 1, entriesMax);
    // An index that fails its checks is rebuilt from the log (headers only: the data is trusted).
    if (!offsetsOk || !timesOk) await this.rebuild(false);
  }

  /**
   * Position and header of the first batch with lastOffset >= offset, scanning forward from the
   * offset index entry at or below it; null when no batch below endPosition qualifies.
   */
  async locate(
    offset: number,
    endPosition: number,
    windowBytes: number,
  ): Promise<LocatedBatch | null> {
    await this.loadIndexes();
    const entry = this.offsetIndex.floor(offset - this.baseOffset);
    const from = entry < 0 ? 0 : this.offsetIndex.value(entry);
    return await this.#findBatch(
      from,
      endPosition,
      windowBytes,
      (header) => lastOffsetOf(header) >= offset,
    );
  }

  /**
   * First batch with maxTimestamp >= timestampMs and lastOffset >= minOffset. The search starts
   * at the later of two positions that cannot be past it: the time index entry below the
   * timestamp, and the offset index entry at or below minOffset.
   */
  async locateTimestamp(
    timestampMs: number,
    minOffset: number,
    windowBytes: number,
  ): Promise<LocatedBatch | null> {
    await this.loadIndexes();
    let from = 0;
    const timeEntry = this.timeIndex.floor(timestampMs - 1);
    if (timeEntry >= 0) {
      const offsetEntry = this.offsetIndex.floor(this.timeIndex.value(timeEntry));
      if (offsetEntry >= 0) from = this.offsetIndex.value(offsetEntry);
    }
    const startEntry = this.offsetIndex.floor(minOffset - this.baseOffset);
    if (startEntry >= 0) from = Math.max(from, this.offsetIndex.value(startEntry));
    const wanted = (h: BatchHeader) =>
      h.maxTimestamp >= timestampMs && lastOffsetOf(h) >= minOffset;
    return await this.#findBatch(from, this.#sizeBytes, windowBytes, wanted);
  }

  async #findBatch(
    from: number,
    to: number,
    windowBytes: number,
    wanted: (h: BatchHeader) => boolean,
  ): Promise<LocatedBatch | null> {
    const found: LocatedBatch[] = [];
    await scanBatches(this.log, {
      from,
      to,
      validate: false,
      windowBytes,
      onBatch: ({ position, header }) => {
        if (!wanted(header)) return undefined;
        found.push({ position, header });
        return "found";
      },
    });
    return found[0] ?? null;
  }

  // ---------------------------------------------------------------------------------------------
  // Loading and recovery

  /**
   * Adopts the indexes of a segment that recovery may trust (closed cleanly, or wholly below the
   * recovery point) after cheap sanity checks: index files hold whole entries that point inside
   * the log and below upperOffset (the next segment's base). Indexes of older segments are read
   * lazily on first use; only the last segment's are loaded and its tail walked to find the log
   * end. Returns false when something does not add up (the caller then recovers the segment).
   */
  async loadTrusted(isLast: boolean, upperOffset: number): Promise<boolean> {
    const { offsetIndex: offsets, timeIndex: times } = this;
    if (this.#indexesMissing && this.#sizeBytes > 0) return false;
    if (offsets.fileBytes % offsets.format.entryBytes !== 0) return false;
    if (times.fileBytes % times.format.entryBytes !== 0) return false;
    if (isLast) {
      const entriesMax = Math.floor(this.#sizeBytes / BATCH_HEADER_BYTES) + 1;
      if (!(await offsets.load(this.#sizeBytes || 1, entriesMax))) return false;
      if (!(await times.load(RELATIVE_OFFSET_MAX + 1, entriesMax))) return false;
    }
    const lastEntry = await offsets.readLastEntry();
    if (
      lastEntry !== null &&
      (lastEntry.value >= this.#sizeBytes || this.baseOffset + lastEntry.key >= upperOffset)
    ) return false;
    const lastTime = await times.readLastEntry();
    if (lastTime !== null) {
      if (this.baseOffset + lastTime.value >= upperOffset) return false;
      this.#maxTimestamp = lastTime.key;
      this.#offsetOfMaxTimestamp = this.baseOffset + lastTime.value;
    }
    this.#nextOffset = upperOffset;
    if (isLast) return await this.#loadTail();
    // A sealed segment ends where its last batch ends, not necessarily where the next begins:
    // finding out (a header walk after the last index entry) is what reveals a missing segment.
    const end = await this.#findEnd(lastEntry);
    if (end === null || end > upperOffset) return false;
    this.#nextOffset = end;
    return true;
  }

  /** The offset after the last batch, walking headers from the last offset index entry. */
  async #findEnd(lastEntry: { key: number; value: number } | null): Promise<number | null> {
    let next = this.baseOffset + (lastEntry?.key ?? 0);
    const result = await scanBatches(this.log, {
      from: lastEntry?.value ?? 0,
      to: this.#sizeBytes,
      validate: false,
      windowBytes: 64 * 1024,
      onBatch: ({ header }) => {
        if (header.baseOffset < next) return "offsets go backwards";
        next = lastOffsetOf(header) + 1;
        return undefined;
      },
    });
    return result.stop === "end" ? next : null;
  }

  /** Walks the batches after the last offset index entry to find the end of the log. */
  async #loadTail(): Promise<boolean> {
    const index = this.offsetIndex;
    const from = index.count > 0 ? index.value(index.count - 1) : 0;
    let next = index.count > 0 ? this.baseOffset + index.key(index.count - 1) : this.baseOffset;
    const first: BatchHeader[] = [];
    const result = await scanBatches(this.log, {
      from,
      to: this.#sizeBytes,
      validate: false,
      windowBytes: 64 * 1024,
      onBatch: ({ position, header }) => {
        if (header.baseOffset < next || header.baseOffset < this.baseOffset) {
          return "offsets go backwards";
        }
        if (position === 0) first.push(header);
        next = lastOffsetOf(header) + 1;
        if (header.maxTimestamp > this.#maxTimestamp) return "timestamp above the time index";
        return undefined;
      },
    });
    if (result.stop !== "end") return false;
    this.#nextOffset = next;
    this.#bytesSinceIndexEntry = this.#sizeBytes - from;
    if (this.#sizeBytes > 0) {
      this.#firstBatchTimestamp = (first[0] ?? (await this.#readFirstHeader())).maxTimestamp;
    }
    return true;
  }

  async #readFirstHeader(): Promise<BatchHeader> {
    const first = await this.#findBatch(0, this.#sizeBytes, BATCH_HEADER_BYTES, () => true);
    assert(first !== null, `segment ${this.baseOffset} has a first batch`);
    return first.header;
  }

  /**
   * Rebuilds both indexes by walking the log from the start. With validate, every batch is
   * checked (CRC included) and the log file is cut at the first batch that is torn, corrupt,
   * or whose offsets are below minOffset or not increasing. With `cut: false` the file is left
   * as it is (the caller decides what a bad batch means), the segment ending at the bad batch.
   */
  async rebuild(
    validate: boolean,
    minOffset = this.baseOffset,
    options: { cut?: boolean } = {},
  ): Promise<ScanResult> {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.#nextOffset = this.baseOffset;
    this.#maxTimestamp = -1;
    this.#offsetOfMaxTimestamp = -1;
    this.#firstBatchTimestamp = -1;
    this.#bytesSinceIndexEntry = 0;
    const fileBytes = await this.log.size();
    const result = await scanBatches(this.log, {
      to: fileBytes,
      validate,
      onBatch: ({ position, sizeBytes, header }) => {
        const floor = Math.max(minOffset, this.#nextOffset);
        if (header.baseOffset < floor) return `batch offset ${header.baseOffset} below ${floor}`;
        if (lastOffsetOf(header) - this.baseOffset > RELATIVE_OFFSET_MAX) {
          return `offset ${lastOffsetOf(header)} too far`;
        }
        this.#indexBatch(position, sizeBytes, header);
        return undefined;
      },
    });
    this.#sizeBytes = result.validBytes;
    const cut = options.cut !== false && result.validBytes < fileBytes;
    if (cut) await this.log.truncate(result.validBytes);
    // After a crash the surviving bytes may sit only in the page cache: count them as unsynced.
    if (validate || cut) this.#changes++;
    // Older segments are trusted by their last time index entry (their newest timestamp), so
    // a rebuilt index ends with it; for the active segment the entry is merely early.
    this.seal();
    return result;
  }

  /** Drops every batch with lastOffset >= offset (the batch holding offset included). */
  async truncateTo(offset: number): Promise<void> {
    const located = await this.locate(offset, this.#sizeBytes, 64 * 1024);
    if (located !== null) {
      await this.log.truncate(located.position);
      this.#changes++;
    }
    // The cut is rare; rebuilding the indexes from the remaining headers keeps them exact, and
    // gives the exact next offset even to a segment loaded with only an upper bound for it.
    await this.rebuild(false);
  }

  // ---------------------------------------------------------------------------------------------
  // Durability and teardown

  /**
   * Makes the log file durable; with indexes, also writes and syncs both index files (needed
   * once the recovery point moves past this segment, since recovery then trusts them).
   */
  async sync(indexes: boolean): Promise<void> {
    const changes = this.#changes;
    if (indexes) {
      await this.offsetIndex.persist();
      await this.timeIndex.persist();
      await this.offsetIndex.sync();
      await this.timeIndex.sync();
    }
    if (changes !== this.#changesSynced) {
      await this.log.sync();
      this.#changesSynced = changes;
    }
  }

  /** Something in the log file or the (loaded) indexes is not durable yet. */
  get dirty(): boolean {
    return this.logDirty || this.offsetIndex.dirty || this.timeIndex.dirty;
  }

  async close(): Promise<void> {
    await this.log.close();
    await this.offsetIndex.file.close();
    await this.timeIndex.file.close();
  }
}

/** Index of the segment holding offset: the last one with baseOffset <= offset (0 if none). */
export function segmentIndexOf(
  segments: readonly { baseOffset: number }[],
  offset: number,
): number {
  let low = 0;
  let high = segments.length - 1;
  let found = 0;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (segments[mid].baseOffset <= offset) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

export interface LocatedBatch {
  position: number;
  header: BatchHeader;
}

interface SegmentFiles {
  log: FileHandle;
  index: FileHandle;
  timeIndex: FileHandle;
  logBytes: number;
  indexBytes: number;
  timeIndexBytes: number;
}
