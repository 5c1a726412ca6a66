// When the active segment must roll before a batch joins it, and why (for the log.rolled event).
// Kafka's rules: the offset range of one segment (relative offsets are int32), segment.bytes,
// a full index, and segment.ms: the batch's max timestamp minus the segment's first batch
// timestamp, or the clock minus the segment's creation time when either has no timestamp.
import type { InputBatch } from "./append-input.ts";
import type { LogConfig } from "./config.ts";
import { lastOffsetOf } from "./record-batch.ts";
import { type LogSegment, RELATIVE_OFFSET_MAX } from "./segment.ts";
import { OFFSET_INDEX_FORMAT, TIME_INDEX_FORMAT } from "./sparse-index.ts";

export type RollReason = "offsets" | "size" | "index" | "time" | "retention" | "records-deleted";

/** Why batch cannot join segment after `pending` batches totalling sizeBytes, or null. */
export function rollReason(
  segment: LogSegment,
  batch: InputBatch,
  state: { sizeBytes: number; pending: number; nowMs: () => number },
  config: Readonly<LogConfig>,
): RollReason | null {
  if (lastOffsetOf(batch.header) - segment.baseOffset > RELATIVE_OFFSET_MAX) return "offsets";
  const { sizeBytes, pending } = state;
  if (sizeBytes === 0) return null;
  if (sizeBytes + batch.sizeBytes > config.segmentBytes) return "size";
  // Every batch may add one entry to each index: leave room for all of them.
  const offsetEntriesMax = Math.floor(config.segmentIndexBytes / OFFSET_INDEX_FORMAT.entryBytes);
  const timeEntriesMax = Math.floor(config.segmentIndexBytes / TIME_INDEX_FORMAT.entryBytes);
  if (segment.indexFull(offsetEntriesMax - pending, timeEntriesMax - pending)) return "index";
  const first = segment.firstBatchTimestamp;
  const stamp = batch.header.maxTimestamp;
  const ageMs = first >= 0 && stamp >= 0 ? stamp - first : state.nowMs() - segment.createdMs;
  return ageMs > config.segmentMs ? "time" : null;
}
