// Opening a partition directory: find the segments, decide which of them recovery must rescan,
// rescan those, and leave the directory consistent and durable before the first append.
//
// Clean shutdown (marker present and the checkpoint agrees with the log end): every segment is
// trusted after sanity checks; nothing is rescanned. Unclean: segments wholly below the one
// holding the checkpointed recovery point are trusted (their data and indexes were fsynced
// before the recovery point passed them); that segment and all later ones are validated batch
// by batch (CRC included), their indexes rebuilt, and the log is cut at the first torn, corrupt,
// partial or out-of-order batch. A segment failing its sanity checks is rescanned as well. The
// recovered data is then fsynced and the checkpoint rewritten, so the recovery point equals the
// log end when open() returns.
//
// Only the last (active) segment is ever cut for bad data. A roll fsyncs the old segment before
// the next file exists, so a crash cannot tear an older segment: a bad batch there is damage
// (bit rot, an outside edit), and cutting the log at it would throw away every later segment,
// acknowledged records included. Loading then fails with KAFKA_STORAGE_ERROR and leaves the
// files as they are; the broker takes that one partition offline (docs/storage.md).
//
// Every cut is reported (LoadReport.truncations, recovery-report.ts) for the `log.truncated`
// warning: recovery never drops data silently.

import { assert, TributaryError } from "../model/errors.ts";
import type { FileSystem } from "../../runtime/types.ts";
import {
  hasCleanShutdownMarker,
  type LogCheckpoint,
  readCheckpoint,
  removeCleanShutdownMarker,
  writeCheckpoint,
} from "./checkpoint.ts";
import { lowerCleanerCheckpoint } from "./cleaner-checkpoint.ts";
import { recoverCleanerFiles } from "./cleaner-files.ts";
import type { LogTruncation, OffsetGap } from "./recovery-report.ts";
import { type IndexPolicy, LogSegment, segmentIndexOf } from "./segment.ts";
import {
  DELETED_SUFFIX,
  joinPath,
  parentPath,
  parseSegmentFileName,
  segmentPath,
  TEMP_SUFFIX,
} from "./segment-files.ts";

export interface LoadedLog {
  segments: LogSegment[];
  logStartOffset: number;
  recoveryPoint: number;
  /** What loading did, for logs and tests. */
  report: LoadReport;
}

export interface LoadReport {
  cleanShutdown: boolean;
  segmentsFound: number;
  segmentsRecovered: number;
  segmentsDeleted: number;
  /** Bytes cut from torn or corrupt tails. */
  truncatedBytes: number;
  /** Why the first truncation happened ("" when none did). */
  truncationReason: string;
  /** Cleaner swaps a crash interrupted after their commit, finished now (cleaner-files.ts). */
  cleanerSwapsCompleted: number;
  /** Every cut recovery made, for the `log.truncated` warning. */
  truncations: LogTruncation[];
  /** Offsets missing between segments (a segment file is gone), oldest first. */
  gaps: OffsetGap[];
}

export interface LoadOptions {
  /**
   * Validate every segment from the one holding this offset, whatever the clean-shutdown marker
   * and the checkpoint promise: an earlier open found data there that does not parse.
   */
  recoverFromOffset?: number;
  /** The log claimed a clean shutdown before this open (a forced recovery's earlier open saw it). */
  cleanShutdownClaimed?: boolean;
  /**
   * Keep the leader-epoch cache and its leader-epoch-checkpoint file (leader-epoch-store.ts), as
   * replication needs. Off by default: a single node has nothing to ask it yet.
   */
  leaderEpochs?: boolean;
}

export async function loadLog(
  fs: FileSystem,
  dir: string,
  policy: IndexPolicy,
  nowMs: number,
  options: LoadOptions = {},
): Promise<LoadedLog> {
  await makeDirDurably(fs, dir);
  const cleaner = await recoverCleanerFiles(fs, dir);
  const bases = await listSegmentsAndTidy(fs, dir);
  const checkpoint = await readCheckpoint(fs, dir);
  const cleanShutdown = await hasCleanShutdownMarker(fs, dir);
  // From here on a crash must count as unclean, whatever happens to this open.
  if (cleanShutdown) await removeCleanShutdownMarker(fs, dir);
  const report: LoadReport = {
    cleanShutdown,
    segmentsFound: bases.length,
    segmentsRecovered: 0,
    segmentsDeleted: 0,
    truncatedBytes: 0,
    truncationReason: "",
    cleanerSwapsCompleted: cleaner.swapsCompleted,
    truncations: [],
    gaps: [],
  };
  const forced = options.recoverFromOffset;
  const trust: TrustBasis = {
    cleanCheckpoint: cleanShutdown && forced === undefined ? checkpoint : null,
    recoveryPoint: Math.min(checkpoint?.recoveryPoint ?? 0, forced ?? Number.MAX_SAFE_INTEGER),
    knownEnd: checkpoint?.recoveryPoint ?? -1,
    cleanShutdownClaimed: cleanShutdown || options.cleanShutdownClaimed === true,
  };
  const segments: LogSegment[] = [];
  try {
    for (const base of bases) segments.push(await LogSegment.open(fs, dir, base, nowMs, policy));
    await recoverSegments(fs, dir, segments, trust, report);
    const state = await settleStart(fs, dir, segments, checkpoint, nowMs, policy, report);
    report.gaps = findGaps(segments, bases.length > 0 ? checkpoint : null);
    for (const segment of segments) if (segment.dirty) await segment.sync(true);
    await fs.syncDir(dir);
    await writeCheckpoint(fs, dir, state);
    await lowerCleanerCheckpoint(fs, dir, state.recoveryPoint);
    return { segments, ...state, report };
  } catch (err) {
    for (const segment of segments) await segment.close();
    throw err;
  }
}

/** mkdir -p, then syncs the parent of every directory it created so none vanishes in a crash. */
async function makeDirDurably(fs: FileSystem, dir: string): Promise<void> {
  const missing: string[] = [];
  // Bounded by the path's depth: parentPath() shortens the path until it reaches "/".
  for (
    let path = dir;
    path !== "/" && path !== "." && !(await fs.exists(path));
    path = parentPath(path)
  ) missing.push(path);
  if (missing.length === 0) return;
  await fs.mkdirp(dir);
  for (const path of missing.reverse()) await fs.syncDir(parentPath(path));
}

/** Sorted base offsets of the .log files; removes temp files, delayed deletions and orphans. */
async function listSegmentsAndTidy(fs: FileSystem, dir: string): Promise<number[]> {
  const entries = await fs.list(dir);
  const logs = new Set<number>();
  for (const entry of entries) {
    const parsed = entry.isFile ? parseSegmentFileName(entry.name) : null;
    if (parsed?.kind === "log") logs.add(parsed.baseOffset);
  }
  for (const entry of entries) {
    if (!entry.isFile) continue;
    const parsed = parseSegmentFileName(entry.name);
    const orphanIndex = parsed !== null && parsed.kind !== "log" && !logs.has(parsed.baseOffset);
    if (orphanIndex || entry.name.endsWith(TEMP_SUFFIX) || entry.name.endsWith(DELETED_SUFFIX)) {
      await fs.remove(joinPath(dir, entry.name));
    }
  }
  return [...logs].sort((a, b) => a - b);
}

/** What the checkpoint and the marker let recovery assume. */
interface TrustBasis {
  /** The checkpoint, when the marker says the log was closed cleanly (and no recovery is forced). */
  cleanCheckpoint: LogCheckpoint | null;
  /** Segments wholly below the one holding it are trusted after a crash. */
  recoveryPoint: number;
  /** The checkpointed recovery point: offsets below it were in the log (-1 without one). */
  knownEnd: number;
  cleanShutdownClaimed: boolean;
}

/**
 * Trusts what it may (see the file comment) and rescans the rest, in place: segments after a
 * truncation point are closed, removed from the array and deleted.
 */
async function recoverSegments(
  fs: FileSystem,
  dir: string,
  segments: LogSegment[],
  trust: TrustBasis,
  report: LoadReport,
): Promise<void> {
  const { cleanCheckpoint } = trust;
  const trustedCount = cleanCheckpoint !== null
    ? segments.length
    : segmentIndexOf(segments, trust.recoveryPoint);
  let first = await loadTrustedPrefix(segments, trustedCount);
  const logEnd = segments.length > 0 ? segments[segments.length - 1].nextOffset : 0;
  if (
    first === segments.length && cleanCheckpoint !== null &&
    cleanCheckpoint.recoveryPoint !== logEnd
  ) {
    // A clean shutdown writes recoveryPoint = log end; disagreement means the marker lies.
    first = segmentIndexOf(segments, Math.min(cleanCheckpoint.recoveryPoint, logEnd));
  }
  for (let i = first; i < segments.length; i++) {
    const segment = segments[i];
    const minOffset = i > 0
      ? Math.max(segment.baseOffset, segments[i - 1].nextOffset)
      : segment.baseOffset;
    const isLast = i === segments.length - 1;
    const fileBytes = await segment.log.size();
    const result = await segment.rebuild(true, minOffset, { cut: isLast });
    report.segmentsRecovered++;
    const overlaps = !isLast && segments[i + 1].baseOffset < segment.nextOffset;
    if (result.stop === "end" && !overlaps) continue;
    if (!overlaps && !isLast) throw damagedSegment(dir, segment, result);
    if (!isLast && result.validBytes < fileBytes) await segment.log.truncate(result.validBytes);
    report.truncatedBytes += fileBytes - result.validBytes;
    const reason = overlaps
      ? `segment ${segments[i + 1].baseOffset} overlaps ${segment.baseOffset}`
      : `${result.stop}: ${result.detail}`;
    if (report.truncationReason === "") report.truncationReason = reason;
    const truncation: LogTruncation = {
      segmentBaseOffset: segment.baseOffset,
      bytePosition: result.validBytes,
      fromOffset: segment.nextOffset,
      toOffset: -1,
      bytesDropped: fileBytes - result.validBytes,
      segmentsDeleted: 0,
      reason,
      afterCleanShutdown: trust.cleanShutdownClaimed,
    };
    let knownEnd = trust.knownEnd;
    for (const later of segments.splice(i + 1).reverse()) {
      knownEnd = Math.max(knownEnd, later.baseOffset + (later.isEmpty ? 0 : 1));
      report.truncatedBytes += later.sizeBytes;
      truncation.bytesDropped += later.sizeBytes;
      await deleteSegmentFiles(fs, dir, later);
      report.segmentsDeleted++;
      truncation.segmentsDeleted++;
    }
    truncation.toOffset = knownEnd > truncation.fromOffset ? knownEnd : -1;
    if (truncation.bytesDropped > 0 || truncation.segmentsDeleted > 0) {
      report.truncations.push(truncation);
    }
  }
}

/** A bad batch in an older segment: the partition goes offline, its files untouched. */
function damagedSegment(
  dir: string,
  segment: LogSegment,
  result: { stop: string; validBytes: number; detail: string },
): TributaryError {
  return new TributaryError(
    "KAFKA_STORAGE_ERROR",
    `segment ${segment.baseOffset} of ${dir} is damaged at byte ${result.validBytes} ` +
      `(${result.stop}: ${result.detail}); it is not the active segment, so recovery will not ` +
      `cut the log there (later segments would be lost): restore or remove the segment`,
  );
}

/**
 * Offsets no segment holds: between a segment's end and the next one's base, and below the first
 * segment when the checkpoint says the log started earlier (the first segment file is gone).
 */
function findGaps(segments: readonly LogSegment[], checkpoint: LogCheckpoint | null): OffsetGap[] {
  const gaps: OffsetGap[] = [];
  const first = segments[0].baseOffset;
  if (checkpoint !== null && checkpoint.logStartOffset < first) {
    gaps.push({ fromOffset: checkpoint.logStartOffset, toOffset: first });
  }
  for (let i = 1; i < segments.length; i++) {
    const end = segments[i - 1].nextOffset;
    if (end < segments[i].baseOffset) {
      gaps.push({ fromOffset: end, toOffset: segments[i].baseOffset });
    }
  }
  return gaps;
}

/** Loads segments [0, count) as trusted; returns the index of the first that fails its checks. */
async function loadTrustedPrefix(segments: LogSegment[], count: number): Promise<number> {
  for (let i = 0; i < count; i++) {
    const isLast = i === segments.length - 1;
    const upper = isLast ? Number.MAX_SAFE_INTEGER : segments[i + 1].baseOffset;
    if (!(await segments[i].loadTrusted(isLast, upper))) return i;
  }
  return count;
}

/**
 * Applies the checkpointed log start offset: deletes segments wholly below it, and when the log
 * ends before it (data lost in the crash was never acknowledged durable) starts over there.
 */
async function settleStart(
  fs: FileSystem,
  dir: string,
  segments: LogSegment[],
  checkpoint: LogCheckpoint | null,
  nowMs: number,
  policy: IndexPolicy,
  report: LoadReport,
): Promise<LogCheckpoint> {
  const firstBase = segments.length > 0 ? segments[0].baseOffset : 0;
  const logStartOffset = Math.max(checkpoint?.logStartOffset ?? firstBase, firstBase);
  while (segments.length > 1 && segments[1].baseOffset <= logStartOffset) {
    await deleteSegmentFiles(fs, dir, segments.shift() as LogSegment);
    report.segmentsDeleted++;
  }
  const logEnd = segments.length > 0 ? segments[segments.length - 1].nextOffset : logStartOffset;
  if (segments.length === 0 || logEnd < logStartOffset) {
    for (const segment of segments.splice(0)) {
      await deleteSegmentFiles(fs, dir, segment);
      report.segmentsDeleted++;
    }
    segments.push(await LogSegment.create(fs, dir, logStartOffset, nowMs, policy));
  }
  const end = segments[segments.length - 1].nextOffset;
  assert(logStartOffset <= end, `log start ${logStartOffset} <= log end ${end} after loading`);
  return { logStartOffset, recoveryPoint: end };
}

/** Closes the segment and removes its three files (durable with the next syncDir). */
export async function deleteSegmentFiles(
  fs: FileSystem,
  dir: string,
  segment: LogSegment,
): Promise<void> {
  await segment.close();
  await fs.remove(segmentPath(dir, segment.baseOffset, "log"));
  await fs.remove(segmentPath(dir, segment.baseOffset, "index"));
  await fs.remove(segmentPath(dir, segment.baseOffset, "timeindex"));
}
