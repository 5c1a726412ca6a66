// The read paths over a snapshot of segments. Fetches never decode records: the offset index
// gives a position near the wanted batch, headers are walked to it, and whole batches are read
// with one positional read into one buffer. Only the timestamp lookup decodes (one batch).

import { assert } from "../model/errors.ts";
import {
  BATCH_OVERHEAD_BYTES,
  batchSizeAt,
  decodeRecordsAsync,
  lastOffsetOf,
  readBatchHeader,
} from "./record-batch.ts";
import { type LocatedBatch, type LogSegment, segmentIndexOf } from "./segment.ts";
import { readWindow } from "./segment-scan.ts";

export interface ReadResult {
  /** Whole batches, concatenated. */
  bytes: Uint8Array;
  /** Offset after the last returned record, or the requested offset if none. */
  nextOffset: number;
}

export interface ReadLimits {
  /** Bytes wanted; the first batch is returned whole even when larger. */
  maxBytes: number;
  /** Exclusive bound: no batch holding an offset at or past it is returned. */
  maxOffset: number;
  /** Read size for walking headers from an index entry. */
  scanWindowBytes: number;
}

/**
 * Batches from the one holding offset (or the first after it when offset falls in a gap), all
 * from one segment like Kafka: the caller fetches again from nextOffset.
 */
export async function readBatches(
  segments: readonly LogSegment[],
  offset: number,
  limits: ReadLimits,
): Promise<ReadResult> {
  const empty = { bytes: new Uint8Array(0), nextOffset: offset };
  if (offset >= limits.maxOffset) return empty;
  for (let i = segmentIndexOf(segments, offset); i < segments.length; i++) {
    const segment = segments[i];
    const endPosition = segment.sizeBytes;
    const located = await segment.locate(offset, endPosition, limits.scanWindowBytes);
    if (located !== null) return await readFrom(segment, located, endPosition, limits, empty);
  }
  return empty;
}

async function readFrom(
  segment: LogSegment,
  located: LocatedBatch,
  endPosition: number,
  limits: ReadLimits,
  empty: ReadResult,
): Promise<ReadResult> {
  // A batch straddling maxOffset (the high watermark) is withheld whole, as Kafka does.
  if (lastOffsetOf(located.header) >= limits.maxOffset) return empty;
  const firstBytes = located.header.batchLength + BATCH_OVERHEAD_BYTES;
  const length = Math.min(endPosition - located.position, Math.max(firstBytes, limits.maxBytes));
  const data = await readWindow(segment.log, located.position, length);
  assert(
    data.length === length,
    `read ${data.length} of ${length} committed bytes in segment ${segment.baseOffset}`,
  );
  let used = 0;
  let nextOffset = empty.nextOffset;
  // Each step consumes a whole batch (>= 61 bytes), so this is bounded by length.
  while (used < data.length) {
    const size = batchSizeAt(data, used);
    if (size === -1 || used + size > data.length) break;
    if (used > 0 && used + size > limits.maxBytes) break;
    const header = readBatchHeader(data, used);
    if (lastOffsetOf(header) >= limits.maxOffset) break;
    used += size;
    nextOffset = lastOffsetOf(header) + 1;
  }
  return { bytes: used === data.length ? data : data.subarray(0, used), nextOffset };
}

/**
 * The first record at or after logStartOffset whose timestamp is >= timestampMs, or null. Like
 * Kafka, records below the log start offset do not count even when their batch is returned.
 */
export async function offsetForTimestampIn(
  segments: readonly LogSegment[],
  timestampMs: number,
  logStartOffset: number,
  scanWindowBytes: number,
): Promise<{ offset: number; timestamp: number } | null> {
  let minOffset = logStartOffset;
  for (const segment of segments) {
    if (segment.maxTimestamp < timestampMs) continue;
    // Each miss moves minOffset past a batch, so this ends within the segment's batches.
    for (;;) {
      const located = await segment.locateTimestamp(timestampMs, minOffset, scanWindowBytes);
      if (located === null) break;
      const size = located.header.batchLength + BATCH_OVERHEAD_BYTES;
      const bytes = await readWindow(segment.log, located.position, size);
      for (const record of await decodeRecordsAsync(bytes)) {
        if (record.timestamp >= timestampMs && record.offset >= minOffset) {
          return { offset: record.offset, timestamp: record.timestamp };
        }
      }
      // Its qualifying records were below the log start, or compacted away.
      minOffset = lastOffsetOf(located.header) + 1;
    }
  }
  return null;
}
