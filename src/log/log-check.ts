// An offline consistency checker for a partition directory (simulation tests, and an operator's
// "is this log sane?"). Run it on a closed log or right after open(); an open log's active
// index files lag its memory and may hold stale entries until the next roll or close.
//
// It checks that every segment is whole batches that pass validation, offsets increase within
// and across segments, every offset index entry points at the start of the batch it names,
// every time index entry names a batch holding the running maximum timestamp, and the
// checkpoint lies within the log.

import type { FileSystem } from "../../runtime/types.ts";
import { readCheckpoint } from "./checkpoint.ts";
import type { BatchHeader } from "./record-batch.ts";
import { lastOffsetOf } from "./record-batch.ts";
import { joinPath, parseSegmentFileName, segmentPath } from "./segment-files.ts";
import { scanBatches } from "./segment-scan.ts";
import { type IndexFormat, OFFSET_INDEX_FORMAT, TIME_INDEX_FORMAT } from "./sparse-index.ts";

export interface LogCheckReport {
  segments: number;
  batches: number;
  /** Base offset of the first segment (0 when there is none). */
  firstOffset: number;
  /** Offset after the last batch. */
  nextOffset: number;
  problems: string[];
}

interface BatchAt {
  header: BatchHeader;
  /** Largest maxTimestamp of the batches before this one in the segment (-1 if none). */
  maxTimestampBefore: number;
}

export async function checkLogDir(fs: FileSystem, dir: string): Promise<LogCheckReport> {
  const bases: number[] = [];
  for (const entry of await fs.list(dir)) {
    const parsed = entry.isFile ? parseSegmentFileName(entry.name) : null;
    if (parsed?.kind === "log") bases.push(parsed.baseOffset);
  }
  bases.sort((a, b) => a - b);
  const report: LogCheckReport = {
    segments: bases.length,
    batches: 0,
    firstOffset: bases[0] ?? 0,
    nextOffset: bases[0] ?? 0,
    problems: [],
  };
  for (const [i, base] of bases.entries()) {
    await checkSegment(fs, dir, base, i === bases.length - 1, report);
  }
  await checkCheckpoint(fs, dir, report);
  return report;
}

async function checkSegment(
  fs: FileSystem,
  dir: string,
  base: number,
  isLast: boolean,
  report: LogCheckReport,
): Promise<void> {
  const name = `segment ${base}`;
  if (base < report.nextOffset) {
    report.problems.push(`${name} starts below the previous segment's end ${report.nextOffset}`);
  }
  const batches = new Map<number, BatchAt>();
  let next = Math.max(base, report.nextOffset);
  let maxTimestamp = -1;
  const file = await fs.open(segmentPath(dir, base, "log"));
  try {
    const result = await scanBatches(file, {
      to: await file.size(),
      validate: true,
      onBatch: ({ position, header }) => {
        if (header.baseOffset < next) {
          return `batch at ${position} has offset ${header.baseOffset}, expected >= ${next}`;
        }
        batches.set(position, { header, maxTimestampBefore: maxTimestamp });
        maxTimestamp = Math.max(maxTimestamp, header.maxTimestamp);
        next = lastOffsetOf(header) + 1;
        return undefined;
      },
    });
    if (result.stop !== "end") {
      report.problems.push(
        `${name}: ${result.stop} at byte ${result.validBytes}: ${result.detail}`,
      );
    }
  } finally {
    await file.close();
  }
  report.batches += batches.size;
  report.nextOffset = next;
  await checkOffsetIndex(fs, segmentPath(dir, base, "index"), base, batches, report.problems);
  const times = await checkTimeIndex(
    fs,
    segmentPath(dir, base, "timeindex"),
    base,
    batches,
    report.problems,
  );
  // Older segments are sealed: their last time index entry is their newest timestamp, which
  // a clean open trusts without reading the segment.
  const lastKey = times.length > 0 ? times[times.length - 1][0] : -1;
  if (!isLast && lastKey !== maxTimestamp) {
    report.problems.push(
      `${name}: newest timestamp ${maxTimestamp}, last time index entry ${lastKey}`,
    );
  }
}

async function checkOffsetIndex(
  fs: FileSystem,
  path: string,
  base: number,
  batches: Map<number, BatchAt>,
  problems: string[],
): Promise<void> {
  const entries = await readEntries(fs, path, OFFSET_INDEX_FORMAT, problems);
  let previous: [number, number] | null = null;
  for (const [relative, position] of entries) {
    if (previous !== null && (relative <= previous[0] || position <= previous[1])) {
      problems.push(
        `${path}: entry (${relative}, ${position}) after (${previous[0]}, ${previous[1]})`,
      );
    }
    const batch = batches.get(position);
    if (batch === undefined || batch.header.baseOffset !== base + relative) {
      problems.push(
        `${path}: entry (${relative}, ${position}) does not point at batch ${base + relative}`,
      );
    }
    previous = [relative, position];
  }
}

async function checkTimeIndex(
  fs: FileSystem,
  path: string,
  base: number,
  batches: Map<number, BatchAt>,
  problems: string[],
): Promise<[number, number][]> {
  const entries = await readEntries(fs, path, TIME_INDEX_FORMAT, problems);
  const byOffset = new Map<number, BatchAt>();
  for (const batch of batches.values()) byOffset.set(batch.header.baseOffset, batch);
  let previous = -Infinity;
  for (const [timestamp, relative] of entries) {
    if (timestamp <= previous) problems.push(`${path}: timestamp ${timestamp} after ${previous}`);
    const batch = byOffset.get(base + relative);
    const holdsMaximum = batch !== undefined && batch.header.maxTimestamp === timestamp &&
      batch.maxTimestampBefore < timestamp;
    if (!holdsMaximum) {
      problems.push(
        `${path}: entry (${timestamp}, ${relative}) is not where the maximum timestamp first appears`,
      );
    }
    previous = timestamp;
  }
  return entries;
}

async function readEntries(
  fs: FileSystem,
  path: string,
  format: IndexFormat,
  problems: string[],
): Promise<[number, number][]> {
  if (!(await fs.exists(path))) {
    problems.push(`${path} is missing`);
    return [];
  }
  const bytes = await fs.readFile(path);
  if (bytes.length % format.entryBytes !== 0) {
    problems.push(`${path}: ${bytes.length} bytes is not whole entries`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: [number, number][] = [];
  for (let at = 0; at + format.entryBytes <= bytes.length; at += format.entryBytes) {
    entries.push([format.readKey(view, at), format.readValue(view, at)]);
  }
  return entries;
}

async function checkCheckpoint(fs: FileSystem, dir: string, report: LogCheckReport): Promise<void> {
  const checkpoint = await readCheckpoint(fs, dir);
  if (checkpoint === null) return;
  const { logStartOffset, recoveryPoint } = checkpoint;
  if (
    report.segments > 0 &&
    (logStartOffset < report.firstOffset || logStartOffset > report.nextOffset)
  ) {
    report.problems.push(
      `${
        joinPath(dir, "log.checkpoint")
      }: logStartOffset ${logStartOffset} outside [${report.firstOffset}, ${report.nextOffset}]`,
    );
  }
  if (recoveryPoint > report.nextOffset) {
    report.problems.push(
      `${
        joinPath(dir, "log.checkpoint")
      }: recoveryPoint ${recoveryPoint} past the log end ${report.nextOffset}`,
    );
  }
}
