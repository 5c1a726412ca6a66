// The read path of a partition log: fetches and timestamp lookups, under the gate shared (so
// no truncation or segment deletion cuts a file under them), checked against the log's range
// and the gaps found at open. Reads at the tail are served from the last write when it is
// still in memory (tail-cache.ts); everything else reads the segments (segment-read.ts).
//
// The log does not know the high watermark: callers bound reads with maxOffset (the broker
// passes its partition's high watermark, src/broker/fetch.ts).

import { TributaryError } from "../model/errors.ts";
import { checkOffsetArgument, type LogCore } from "./log-core.ts";
import type { OffsetGap } from "./recovery-report.ts";
import { offsetForTimestampIn, readBatches, type ReadResult } from "./segment-read.ts";
import { readTail } from "./tail-cache.ts";

/**
 * Whole batches from the one holding offset, up to maxBytes (at least one batch when any
 * exists below maxOffset), all from one segment. offset == logEndOffset reads nothing.
 */
export async function read(
  core: LogCore,
  offset: number,
  maxBytes: number,
  options: { maxOffset?: number },
): Promise<ReadResult> {
  core.checkUsable();
  checkOffsetArgument("offset", offset);
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new TributaryError(
      "INVALID_FETCH_SIZE",
      `maxBytes must be a non-negative integer, got ${maxBytes}`,
    );
  }
  if (options.maxOffset !== undefined) checkOffsetArgument("maxOffset", options.maxOffset);
  return await core.gate.shared(async () => {
    core.checkNotClosed();
    const logEnd = core.logEndOffset;
    if (offset < core.logStartOffset || offset > logEnd) {
      throw new TributaryError(
        "OFFSET_OUT_OF_RANGE",
        `offset ${offset} outside [${core.logStartOffset}, ${logEnd}]`,
      );
    }
    const gap = gapAt(core, offset);
    if (gap !== null) throw gapError(core.dir, gap);
    const maxOffset = Math.min(options.maxOffset ?? logEnd, logEnd);
    const cached = readCachedTail(core, offset, { maxBytes, maxOffset });
    if (cached !== null) return cached;
    try {
      return await readBatches(core.segments, offset, {
        maxBytes,
        maxOffset,
        scanWindowBytes: scanWindowBytes(core),
      });
    } catch (err) {
      throw core.fail("read", err);
    }
  });
}

/** The first record with timestamp >= timestampMs, or null when every record is older. */
export async function offsetForTimestamp(
  core: LogCore,
  timestampMs: number,
): Promise<{ offset: number; timestamp: number } | null> {
  core.checkUsable();
  if (!Number.isSafeInteger(timestampMs)) {
    throw new TributaryError("INVALID_REQUEST", `timestamp ${timestampMs}`);
  }
  return await core.gate.shared(async () => {
    core.checkNotClosed();
    try {
      return await offsetForTimestampIn(
        core.segments,
        timestampMs,
        core.logStartOffset,
        scanWindowBytes(core),
      );
    } catch (err) {
      throw core.fail("offsetForTimestamp", err);
    }
  });
}

/**
 * The gap found at open that holds offset (a segment file was missing), while the log still
 * reaches past it; null otherwise. Reads there fail with OFFSET_OUT_OF_RANGE.
 */
export function gapAt(core: LogCore, offset: number): OffsetGap | null {
  for (const gap of core.loadReport.gaps) {
    if (gap.toOffset <= core.logStartOffset || gap.fromOffset >= core.logEndOffset) continue;
    if (offset >= gap.fromOffset && offset < gap.toOffset) return gap;
  }
  return null;
}

/** A read served by the cached tail, when it still ends the active segment and holds offset. */
function readCachedTail(
  core: LogCore,
  offset: number,
  limits: { maxBytes: number; maxOffset: number },
): ReadResult | null {
  const tail = core.tail;
  const active = core.active;
  if (tail === null || tail.segment !== active) return null;
  if (tail.position + tail.bytes.length !== active.sizeBytes) return null;
  return readTail(tail, offset, limits);
}

function scanWindowBytes(core: LogCore): number {
  return Math.min(1024 * 1024, Math.max(8 * 1024, 2 * core.config.indexIntervalBytes + 1024));
}

function gapError(dir: string, gap: OffsetGap): TributaryError {
  return new TributaryError(
    "OFFSET_OUT_OF_RANGE",
    `offsets [${gap.fromOffset}, ${gap.toOffset}) of ${dir} are missing (a segment file was ` +
      `lost); the next valid offset is ${gap.toOffset}`,
  );
}
