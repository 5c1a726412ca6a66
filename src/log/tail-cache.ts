// The bytes of the last small write to the active segment, so that a consumer tailing the log
// reads what was just appended from memory. A tailing fetch is woken by every append; from the
// file it costs two reads (walk headers from the index entry, then the batches), each a round
// trip through the host's I/O, and on Deno a read of a file waits for an fsync in progress on
// it. Kept only for writes of at most TAIL_CACHE_BYTES_MAX, copied, so one partition holds at
// most that much here and never pins a caller's (possibly much larger) buffer.

import { BATCH_HEADER_BYTES } from "./batch-header.ts";
import type { ReadResult } from "./segment-read.ts";
import { batchSizeAt, lastOffsetOf, readBatchHeader } from "./record-batch.ts";
import type { LogSegment } from "./segment.ts";

export const TAIL_CACHE_BYTES_MAX = 64 * 1024;

export interface CachedTail {
  /** The segment written to; the cache is valid only while it is the active one. */
  readonly segment: LogSegment;
  /** File position of bytes[0]; bytes end exactly where the segment ends. */
  readonly position: number;
  readonly bytes: Uint8Array;
  readonly firstOffset: number;
  readonly endOffset: number;
}

/** A copy of a just-written run of whole batches, or null when it is too large to keep. */
export function cacheTail(
  segment: LogSegment,
  position: number,
  bytes: Uint8Array,
): CachedTail | null {
  if (bytes.length > TAIL_CACHE_BYTES_MAX || bytes.length < BATCH_HEADER_BYTES) return null;
  const firstOffset = readBatchHeader(bytes, 0).baseOffset;
  let endOffset = firstOffset;
  // Every batch is at least 61 bytes, so this walks at most bytes.length / 61 headers.
  for (let at = 0; at < bytes.length; at += batchSizeAt(bytes, at)) {
    endOffset = lastOffsetOf(readBatchHeader(bytes, at)) + 1;
  }
  return { segment, position, bytes: bytes.slice(), firstOffset, endOffset };
}

/**
 * What a read at offset returns from the cached tail (the same as from the file: whole batches
 * from the one holding offset, the first one even past maxBytes, none at or past maxOffset),
 * or null when the tail does not hold offset.
 */
export function readTail(
  tail: CachedTail,
  offset: number,
  limits: { maxBytes: number; maxOffset: number },
): ReadResult | null {
  if (offset < tail.firstOffset || offset >= tail.endOffset) return null;
  const bytes = tail.bytes;
  let start = -1;
  let used = 0;
  let nextOffset = offset;
  for (let at = 0; at < bytes.length;) {
    const size = batchSizeAt(bytes, at);
    const last = lastOffsetOf(readBatchHeader(bytes, at));
    if (start < 0 && last >= offset) start = at;
    if (start >= 0) {
      if (last >= limits.maxOffset) break;
      if (used > 0 && used + size > limits.maxBytes) break;
      used += size;
      nextOffset = last + 1;
    }
    at += size;
  }
  return { bytes: start < 0 ? new Uint8Array(0) : bytes.subarray(start, start + used), nextOffset };
}
