// Which part of a log a cleaning pass may touch, how dirty it is, and how its segments are
// grouped into cleaned segments. Pure: cleaner.ts does the reading and writing.
//
//   [log start ...... firstDirty) [firstDirty ...... firstUncleanable) [... active segment]
//          clean: one record per key      dirty: not compacted yet       never touched
//
// firstUncleanable is the base offset of the first segment that is the active one, holds an
// offset at or past uncleanableFrom (the high watermark), or holds a record younger than
// min.compaction.lag.ms. The dirty ratio is dirty bytes over clean + dirty bytes, counted in
// whole segments as Kafka does (a segment holding firstDirty counts as dirty).

import { RELATIVE_OFFSET_MAX } from "./segment.ts";

export interface RangeSegment {
  readonly baseOffset: number;
  readonly sizeBytes: number;
  /** Newest record timestamp, -1 when no batch carries one. */
  readonly maxTimestamp: number;
  readonly createdMs: number;
}

export interface RangeInput {
  logStartOffset: number;
  logEndOffset: number;
  /** From the cleaner checkpoint (0 without one). */
  cleanedUpTo: number;
  nowMs: number;
  minCompactionLagMs: number;
  /** Offsets at or past it are never compacted (the high watermark). */
  uncleanableFrom: number;
}

export interface CleanableRange<S extends RangeSegment> {
  firstDirty: number;
  firstUncleanable: number;
  /** Closed segments wholly below firstUncleanable, oldest first. */
  segments: S[];
  /** Base offset of the segment after segments[i]: the end of its offset range. */
  upper: number[];
  cleanBytes: number;
  dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes); 0 when both are 0. */
  dirtyRatio: number;
}

/** all: every segment of the log, oldest first, the active one last. */
export function cleanableRange<S extends RangeSegment>(
  all: readonly S[],
  input: RangeInput,
): CleanableRange<S> {
  const segments: S[] = [];
  const upper: number[] = [];
  let firstUncleanable = all[all.length - 1].baseOffset;
  const youngFromMs = input.nowMs - input.minCompactionLagMs;
  for (let i = 0; i < all.length - 1; i++) {
    const segment = all[i];
    const next = all[i + 1].baseOffset;
    const newestMs = segment.maxTimestamp >= 0 ? segment.maxTimestamp : segment.createdMs;
    const young = input.minCompactionLagMs > 0 && newestMs > youngFromMs;
    if (next > input.uncleanableFrom || young) {
      firstUncleanable = segment.baseOffset;
      break;
    }
    segments.push(segment);
    upper.push(next);
  }
  const firstDirty = Math.min(
    Math.max(input.cleanedUpTo, input.logStartOffset),
    input.logEndOffset,
    firstUncleanable,
  );
  let cleanBytes = 0;
  let dirtyBytes = 0;
  for (let i = 0; i < segments.length; i++) {
    if (upper[i] <= firstDirty) cleanBytes += segments[i].sizeBytes;
    else dirtyBytes += segments[i].sizeBytes;
  }
  const total = cleanBytes + dirtyBytes;
  const dirtyRatio = total === 0 ? 0 : dirtyBytes / total;
  return { firstDirty, firstUncleanable, segments, upper, cleanBytes, dirtyBytes, dirtyRatio };
}

/**
 * Splits consecutive segments into groups that each become one cleaned segment: a group's
 * original sizes add up to at most segmentBytes (cleaning only shrinks them) and its offsets
 * fit one segment's relative index entries. Trailing empty segments are left out of a group
 * (they would be ungrouped, not cleaned): a group's last segment must hold the batch that pins
 * where its swap ends (cleaner-files.ts). Groups of only empty segments are dropped.
 */
export function groupSegments<S extends RangeSegment>(
  segments: readonly S[],
  upper: readonly number[],
  segmentBytes: number,
): S[][] {
  const groups: S[][] = [];
  let current: S[] = [];
  let currentBytes = 0;
  const close = () => {
    let end = current.length;
    while (end > 0 && current[end - 1].sizeBytes === 0) end--;
    if (end > 0) groups.push(current.slice(0, end));
    current = [];
    currentBytes = 0;
  };
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (current.length > 0) {
      const tooBig = currentBytes + segment.sizeBytes > segmentBytes;
      const tooWide = upper[i] - 1 - current[0].baseOffset > RELATIVE_OFFSET_MAX;
      if (tooBig || tooWide) close();
    }
    current.push(segment);
    currentBytes += segment.sizeBytes;
  }
  close();
  return groups;
}
