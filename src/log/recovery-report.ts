// What recovery cut from a log while opening it, in a form an operator can act on: the log line
// names the partition, the offsets dropped and the bytes dropped. Recovery never drops data
// silently; every cut ends up as one `log.truncated` warning.

import type { LogFields, Logger } from "../logging/logger.ts";

export interface LogTruncation {
  /** Base offset of the segment that was cut. */
  segmentBaseOffset: number;
  /** Byte position in that segment's file where the cut was made. */
  bytePosition: number;
  /** First offset dropped: the log end after the cut. */
  fromOffset: number;
  /**
   * End (exclusive) of what the log is known to have held before the cut: the checkpointed
   * recovery point (after a clean shutdown, the exact log end) or the base of a later segment
   * that was deleted; -1 when nothing says how far the lost data reached.
   */
  toOffset: number;
  /** Bytes removed: the cut tail plus every later segment deleted with it. */
  bytesDropped: number;
  segmentsDeleted: number;
  /** Why the cut happened (the first bad batch, a torn tail, an overlap). */
  reason: string;
  /** The log was closed cleanly, yet its data did not match (bit rot, an outside edit). */
  afterCleanShutdown: boolean;
}

/**
 * Offsets [fromOffset, toOffset) the log should hold but does not: a segment file is missing
 * between two that are there (or before the first, below the checkpointed log start).
 */
export interface OffsetGap {
  fromOffset: number;
  toOffset: number;
}

/** One `log.gap_detected` error per gap. */
export function logGaps(logger: Logger, where: LogFields, gaps: readonly OffsetGap[]): void {
  for (const gap of gaps) {
    logger.error(
      "log.gap_detected",
      `${String(where.topic)}-${
        String(where.partition)
      } has no data for offsets [${gap.fromOffset}, ${gap.toOffset}) (a segment file is missing); fetches there get OFFSET_OUT_OF_RANGE naming ${gap.toOffset}`,
      {
        ...where,
        fromOffset: gap.fromOffset,
        toOffset: gap.toOffset,
        offsetsMissing: gap.toOffset - gap.fromOffset,
      },
    );
  }
}

/** Offsets dropped by a truncation, -1 when the end of the lost data is unknown. */
export function offsetsDropped(t: LogTruncation): number {
  return t.toOffset < 0 ? -1 : Math.max(0, t.toOffset - t.fromOffset);
}

/** One `log.truncated` warning per truncation, with the partition's fields. */
export function logTruncations(
  logger: Logger,
  where: LogFields,
  truncations: readonly LogTruncation[],
): void {
  for (const t of truncations) {
    const dropped = offsetsDropped(t);
    const range = t.toOffset < 0 ? `from ${t.fromOffset}` : `[${t.fromOffset}, ${t.toOffset})`;
    const what = dropped < 0 ? "an unknown number of offsets" : `${dropped} offsets`;
    logger.warn(
      "log.truncated",
      `recovery truncated ${String(where.topic)}-${
        String(where.partition)
      } at offset ${t.fromOffset}: dropped ${what} ${range}, ${t.bytesDropped} bytes (${t.reason})`,
      {
        ...where,
        segment: t.segmentBaseOffset,
        bytePosition: t.bytePosition,
        fromOffset: t.fromOffset,
        toOffset: t.toOffset,
        offsetsDropped: dropped,
        bytesDropped: t.bytesDropped,
        segmentsDeleted: t.segmentsDeleted,
        afterCleanShutdown: t.afterCleanShutdown,
        reason: t.reason,
      },
    );
  }
}
