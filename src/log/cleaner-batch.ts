// What the cleaner does with one batch: keep it as it is, drop it, or rewrite it with fewer
// records. Pure over bytes (decompression aside).
//
// A record goes when it lies below the log start, has no key (compacted topics reject those at
// produce; older ones are dropped as Kafka's cleaner does), is superseded (the map holds a later
// offset for its key), or is a tombstone whose batch's delete horizon has passed. Records at or
// past mapEnd were not mapped and stay whatever they are, as do control batches.
//
// Tombstones and delete.retention.ms (KIP-534's rule): the first time the cleaner rewrites a
// batch holding a tombstone it stamps the batch with a delete horizon, now + deleteRetentionMs
// (attribute bit 6; baseTimestamp then holds the horizon and the record timestamp deltas are
// taken from it, so record timestamps do not change). Passes after the horizon drop the
// tombstone. So a tombstone stays readable at least delete.retention.ms after it was first
// cleaned, and never less than that after it was written.
//
// A rewritten batch keeps its baseOffset, lastOffsetDelta (so its last offset), partition leader
// epoch, producer id, epoch and base sequence, timestamp type and flags; its records keep their
// offsets and timestamps. It is written in the batch's own codec, as Kafka's cleaner does;
// batches that lose nothing are copied byte for byte, compressed or not.

import { assert } from "../model/errors.ts";
import {
  Attribute,
  BATCH_HEADER_BYTES,
  BATCH_OVERHEAD_BYTES,
  Offset,
  viewOf,
  writeHeaderFields,
} from "./batch-header.ts";
import type { OffsetMap } from "./cleaner-map.ts";
import { crc32c } from "./crc32c.ts";
import {
  type BatchHeader,
  compressSealed,
  type DecodedRecord,
  decodeRecordsAsync,
  isControlBatch,
  lastOffsetOf,
} from "./record-batch.ts";
import { SizeList, sizeOfRecord, writeRecord } from "./record-write.ts";

export interface RetainRules {
  map: OffsetMap;
  /** Offsets at or past it were not mapped: their batches are kept as they are. */
  mapEnd: number;
  logStartOffset: number;
  nowMs: number;
  deleteRetentionMs: number;
}

export type BatchOutcome =
  | { kind: "keep"; horizonMs: number }
  | { kind: "drop"; removed: number }
  | { kind: "rewrite"; bytes: Uint8Array; removed: number; horizonMs: number };

/** -1: no horizon. */
export function deleteHorizonOf(header: BatchHeader): number {
  return (header.attributes & Attribute.deleteHorizon) !== 0 ? header.baseTimestamp : -1;
}

/**
 * Decides about the batch in `bytes` (exactly one batch). horizonMs is the delete horizon of
 * tombstones the outcome keeps (-1: none), so the cleaner knows when another pass is due.
 */
export async function cleanBatch(
  bytes: Uint8Array,
  header: BatchHeader,
  rules: RetainRules,
): Promise<BatchOutcome> {
  if (lastOffsetOf(header) < rules.logStartOffset) {
    return { kind: "drop", removed: header.recordCount };
  }
  if (header.baseOffset >= rules.mapEnd || isControlBatch(header)) {
    return { kind: "keep", horizonMs: -1 };
  }
  const records = await decodeRecordsAsync(bytes);
  const horizonMs = deleteHorizonOf(header);
  const retained = records.filter((record) => retains(record, horizonMs, rules));
  if (retained.length === 0) return { kind: "drop", removed: records.length };
  const hasTombstone = retained.some((record) => record.value === null);
  const newHorizonMs = !hasTombstone
    ? -1
    : horizonMs >= 0
    ? horizonMs
    : rules.nowMs + rules.deleteRetentionMs;
  if (retained.length === records.length && (!hasTombstone || horizonMs >= 0)) {
    return { kind: "keep", horizonMs: newHorizonMs };
  }
  const codec = header.attributes & Attribute.compressionMask;
  return {
    kind: "rewrite",
    bytes: await compressSealed(encodeRetained(header, retained, newHorizonMs), codec),
    removed: records.length - retained.length,
    horizonMs: newHorizonMs,
  };
}

function retains(record: DecodedRecord, horizonMs: number, rules: RetainRules): boolean {
  if (record.offset < rules.logStartOffset || record.key === null) return false;
  if (rules.map.latest(record.key) > record.offset) return false;
  return record.value !== null || horizonMs < 0 || horizonMs > rules.nowMs;
}

// Reused across calls: encodeRetained is synchronous and never re-entered.
const sizes = new SizeList();

/** The batch rebuilt around `records` (a non-empty subset of its own), uncompressed. */
export function encodeRetained(
  header: BatchHeader,
  records: readonly DecodedRecord[],
  horizonMs: number,
): Uint8Array {
  assert(records.length > 0, "a rewritten batch keeps a record");
  const logAppendTime = (header.attributes & Attribute.logAppendTime) !== 0;
  let maxTimestamp = logAppendTime ? header.maxTimestamp : records[0].timestamp;
  if (!logAppendTime) {
    for (const r of records) {
      maxTimestamp = Math.max(maxTimestamp, r.timestamp);
    }
  }
  const baseTimestamp = horizonMs >= 0 ? horizonMs : records[0].timestamp;
  sizes.reset();
  let recordsBytes = 0;
  for (const r of records) {
    recordsBytes += sizeOfRecord(
      r,
      r.timestamp - baseTimestamp,
      r.offset - header.baseOffset,
      sizes,
    );
  }
  const out = new Uint8Array(BATCH_HEADER_BYTES + recordsBytes);
  writeHeader(out, header, {
    attributes: rewrittenAttributes(header, horizonMs),
    baseTimestamp,
    maxTimestamp,
    recordCount: records.length,
  });
  let pos = BATCH_HEADER_BYTES;
  for (const r of records) {
    pos = writeRecord(
      out,
      pos,
      r,
      r.timestamp - baseTimestamp,
      r.offset - header.baseOffset,
      sizes,
    );
  }
  assert(pos === out.length, `rewritten records took ${pos} of ${out.length} bytes`);
  return seal(out);
}

/**
 * The batch with no records left: header only, same offsets and producer fields. The cleaner
 * keeps one as the last batch of a group so the swapped-in segment ends where the group ended.
 */
export function emptyBatchLike(header: BatchHeader): Uint8Array {
  const out = new Uint8Array(BATCH_HEADER_BYTES);
  writeHeader(out, header, {
    attributes: rewrittenAttributes(header, -1),
    baseTimestamp: header.maxTimestamp,
    maxTimestamp: header.maxTimestamp,
    recordCount: 0,
  });
  return seal(out);
}

function rewrittenAttributes(header: BatchHeader, horizonMs: number): number {
  const plain = header.attributes & ~(Attribute.compressionMask | Attribute.deleteHorizon);
  return horizonMs >= 0 ? plain | Attribute.deleteHorizon : plain;
}

function writeHeader(
  out: Uint8Array,
  header: BatchHeader,
  fields: Pick<BatchHeader, "attributes" | "baseTimestamp" | "maxTimestamp" | "recordCount">,
): void {
  writeHeaderFields(viewOf(out), 0, {
    ...header,
    ...fields,
    batchLength: out.length - BATCH_OVERHEAD_BYTES,
    crc: 0,
  });
}

function seal(out: Uint8Array): Uint8Array {
  viewOf(out).setUint32(Offset.crc, crc32c(out, Offset.attributes));
  return out;
}
