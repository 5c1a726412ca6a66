// Files of a cleaning in progress, and what open() makes of them after a crash.
//
// A pass writes each cleaned group of segments as one new segment named by the group's first
// base offset A, under temporary names, and swaps it in (Kafka's protocol):
//   1. A.log.cleaned, A.index.cleaned and A.timeindex.cleaned are written and fsynced;
//   2. the indexes are renamed *.swap and the directory fsynced, then the log, and the directory
//      fsynced again: the swap is committed once A.log.swap is durable, and its indexes are
//      durable before it (on any file system, not only one that orders renames);
//   3. the group's other segments are removed;
//   4. the *.swap files are renamed to their final names (log last), replacing A's old files
//      atomically, and the directory is fsynced.
// Recovery (recoverCleanerFiles, at open before segments are listed): a *.cleaned file belongs
// to a pass that never committed and is deleted; an A.log.swap is committed and is finished.
// Index *.swap files without their A.log.swap are leftovers of step 2 and go. With A.log.swap
// present, an index without its *.swap was already moved in step 4 and is the new one.
//
// Which segments a swap replaces: those with base offsets in [A, end), end = the offset after
// the swap's last batch. That is exact because the cleaner always keeps the last batch of a
// group (emptied of its records when none survive): the swap ends inside the group's last
// segment, past every other base offset of the group and before the next segment's. A swap
// without batches (a group of one segment holding nothing at or past the log start) replaces
// only A.

import { TributaryError } from "../model/errors.ts";
import type { DirEntry, FileHandle, FileSystem, OpenOptions } from "../../runtime/types.ts";
import { lastOffsetOf } from "./record-batch.ts";
import {
  joinPath,
  parseSegmentFileName,
  type SegmentFileKind,
  segmentPath,
} from "./segment-files.ts";
import { scanBatches } from "./segment-scan.ts";

export const CLEANED_SUFFIX = ".cleaned";
export const SWAP_SUFFIX = ".swap";

const KINDS: readonly SegmentFileKind[] = ["log", "index", "timeindex"];
const INDEXES: readonly SegmentFileKind[] = ["index", "timeindex"];
/** Indexes before the log: the log's rename is the step that counts. */
const INDEXES_THEN_LOG: readonly SegmentFileKind[] = [...INDEXES, "log"];
const SWAP_NAME = /^(\d{20})\.(log|index|timeindex)\.swap$/;

/**
 * Opens every file as path + suffix. LogSegment.create() writes a segment's three files through
 * it, so a cleaned segment is built with the log's own segment code under temporary names.
 */
export class SuffixedFileSystem implements FileSystem {
  readonly #inner: FileSystem;
  readonly #suffix: string;

  constructor(inner: FileSystem, suffix: string) {
    this.#inner = inner;
    this.#suffix = suffix;
  }

  open(path: string, options?: OpenOptions): Promise<FileHandle> {
    return this.#inner.open(path + this.#suffix, options);
  }
  readFile(path: string): Promise<Uint8Array> {
    return this.#inner.readFile(path + this.#suffix);
  }
  exists(path: string): Promise<boolean> {
    return this.#inner.exists(path + this.#suffix);
  }
  remove(path: string, options?: { recursive?: boolean }): Promise<void> {
    return this.#inner.remove(path + this.#suffix, options);
  }
  rename(from: string, to: string): Promise<void> {
    return this.#inner.rename(from + this.#suffix, to + this.#suffix);
  }
  mkdirp(path: string): Promise<void> {
    return this.#inner.mkdirp(path);
  }
  list(path: string): Promise<DirEntry[]> {
    return this.#inner.list(path);
  }
  syncDir(path: string): Promise<void> {
    return this.#inner.syncDir(path);
  }
  makeTempDir(prefix: string): Promise<string> {
    return this.#inner.makeTempDir(prefix);
  }
}

/** Removes the *.cleaned files of base (an abandoned group, or a stale one before writing). */
export async function removeCleaned(fs: FileSystem, dir: string, base: number): Promise<void> {
  for (const kind of KINDS) await fs.remove(segmentPath(dir, base, kind) + CLEANED_SUFFIX);
}

/**
 * Steps 2-4 of the file comment: the cleaned segment at base replaces the segments at
 * `replaced` (base among them). The caller holds the log's write lock.
 */
export async function swapInCleaned(
  fs: FileSystem,
  dir: string,
  base: number,
  replaced: readonly number[],
): Promise<void> {
  for (const kind of INDEXES) {
    const path = segmentPath(dir, base, kind);
    await fs.rename(path + CLEANED_SUFFIX, path + SWAP_SUFFIX);
  }
  await fs.syncDir(dir);
  const log = segmentPath(dir, base, "log");
  await fs.rename(log + CLEANED_SUFFIX, log + SWAP_SUFFIX);
  await fs.syncDir(dir);
  for (const old of replaced) {
    if (old === base) continue;
    for (const kind of KINDS) await fs.remove(segmentPath(dir, old, kind));
  }
  for (const kind of INDEXES_THEN_LOG) {
    const path = segmentPath(dir, base, kind);
    await fs.rename(path + SWAP_SUFFIX, path);
  }
  await fs.syncDir(dir);
}

/** What recovery found; counted for the load report and tests. */
export interface CleanerRecovery {
  swapsCompleted: number;
  filesRemoved: number;
}

/** Deletes uncommitted cleaner files and finishes committed swaps (see the file comment). */
export async function recoverCleanerFiles(fs: FileSystem, dir: string): Promise<CleanerRecovery> {
  const names = (await fs.list(dir)).filter((e) => e.isFile).map((e) => e.name);
  const swapBases = new Set<number>();
  for (const name of names) {
    const match = SWAP_NAME.exec(name);
    if (match !== null && match[2] === "log") swapBases.add(Number(match[1]));
  }
  const result: CleanerRecovery = { swapsCompleted: 0, filesRemoved: 0 };
  for (const name of names) {
    const match = SWAP_NAME.exec(name);
    const orphanSwap = match !== null && !swapBases.has(Number(match[1]));
    if (name.endsWith(CLEANED_SUFFIX) || orphanSwap) {
      await fs.remove(joinPath(dir, name));
      result.filesRemoved++;
    }
  }
  for (const base of [...swapBases].sort((a, b) => a - b)) {
    result.filesRemoved += await finishSwap(fs, dir, base, names);
    result.swapsCompleted++;
  }
  if (result.filesRemoved > 0 || result.swapsCompleted > 0) await fs.syncDir(dir);
  return result;
}

/** Steps 3-4 for a committed swap at base; returns the count of old files removed. */
async function finishSwap(
  fs: FileSystem,
  dir: string,
  base: number,
  names: readonly string[],
): Promise<number> {
  const logSwap = segmentPath(dir, base, "log") + SWAP_SUFFIX;
  const end = await swapEnd(fs, logSwap, base);
  let removed = 0;
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (parsed !== null && parsed.baseOffset > base && parsed.baseOffset < end) {
      await fs.remove(joinPath(dir, name));
      removed++;
    }
  }
  for (const kind of INDEXES) {
    const path = segmentPath(dir, base, kind);
    if (await fs.exists(path + SWAP_SUFFIX)) await fs.rename(path + SWAP_SUFFIX, path);
  }
  await fs.rename(logSwap, segmentPath(dir, base, "log"));
  return removed;
}

/** The offset after the last batch of a swap file (base + 1 when it holds none). */
async function swapEnd(fs: FileSystem, path: string, base: number): Promise<number> {
  const file = await fs.open(path);
  let end = base + 1;
  try {
    const result = await scanBatches(file, {
      to: await file.size(),
      validate: false,
      onBatch: ({ header }) => {
        end = lastOffsetOf(header) + 1;
        return undefined;
      },
    });
    // The file was fsynced before its rename committed the swap: a torn one was damaged by
    // something else, and guessing its extent could resurrect deleted records.
    if (result.stop !== "end") {
      throw new TributaryError(
        "KAFKA_STORAGE_ERROR",
        `${path}: ${result.stop} at byte ${result.validBytes}: ${result.detail}`,
      );
    }
  } finally {
    await file.close();
  }
  return end;
}
