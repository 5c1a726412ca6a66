// The producer state snapshot format: what producer-state.ts keeps per producer, as of one log
// offset, so a partition restarts with its idempotent producers known however long ago they
// last wrote (Kafka's <offset>.snapshot, with our five-batch window instead of Kafka's one).
// Written at segment roll and at clean shutdown (producer-snapshots.ts). All integers are
// big-endian:
//
//   snapshot  = version:int16 (1) crc:uint32 count:int32 producer{count}
//   crc       = CRC-32C of every byte after the crc field
//   producer  = producerId:int64 epoch:int16 lastSequence:int32 lastOffset:int64
//               lastTimestampMs:int64 batchCount:int8 (1..5) batch{batchCount}
//   batch     = firstSequence:int32 lastSequence:int32 baseOffset:int64 lastOffset:int64
//
// Batches are oldest first; the producer's lastSequence and lastOffset are its last batch's.
// A file that fails any check (size, version, CRC, counts, offsets) is corrupt as a whole.
import { TributaryError } from "../model/errors.ts";
import { crc32c } from "../log/crc32c.ts";
import { PRODUCER_BATCHES_KEPT, type ProducerSnapshotEntry } from "./producer-state.ts";

export const PRODUCER_SNAPSHOT_VERSION = 1;
const HEADER_BYTES = 10;
const CRC_END = 6;
const PRODUCER_FIXED_BYTES = 8 + 2 + 4 + 8 + 8 + 1;
const BATCH_BYTES = 4 + 4 + 8 + 8;

export function encodeProducerSnapshot(entries: readonly ProducerSnapshotEntry[]): Uint8Array {
  let size = HEADER_BYTES;
  for (const e of entries) size += PRODUCER_FIXED_BYTES + e.batches.length * BATCH_BYTES;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setInt16(0, PRODUCER_SNAPSHOT_VERSION);
  view.setInt32(CRC_END, entries.length);
  let at = HEADER_BYTES;
  for (const e of entries) {
    if (e.batches.length < 1 || e.batches.length > PRODUCER_BATCHES_KEPT) {
      throw new RangeError(`producer ${e.producerId}: ${e.batches.length} batches in a snapshot`);
    }
    view.setBigInt64(at, BigInt(e.producerId));
    view.setInt16(at + 8, e.epoch);
    view.setInt32(at + 10, e.lastSeq);
    view.setBigInt64(at + 14, BigInt(e.lastOffset));
    view.setBigInt64(at + 22, BigInt(e.lastTimestampMs));
    view.setInt8(at + 30, e.batches.length);
    at += PRODUCER_FIXED_BYTES;
    for (const b of e.batches) {
      view.setInt32(at, b.firstSeq);
      view.setInt32(at + 4, b.lastSeq);
      view.setBigInt64(at + 8, BigInt(b.baseOffset));
      view.setBigInt64(at + 16, BigInt(b.lastOffset));
      at += BATCH_BYTES;
    }
  }
  view.setUint32(2, crc32c(bytes, CRC_END));
  return bytes;
}

/** Decodes a snapshot; throws KAFKA_STORAGE_ERROR naming the first check it fails. */
export function decodeProducerSnapshot(bytes: Uint8Array): ProducerSnapshotEntry[] {
  if (bytes.length < HEADER_BYTES) corrupt(`${bytes.length} bytes, shorter than its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getInt16(0);
  if (version !== PRODUCER_SNAPSHOT_VERSION) corrupt(`unknown version ${version}`);
  const crc = view.getUint32(2);
  const actual = crc32c(bytes, CRC_END);
  if (crc !== actual) corrupt(`CRC ${hex(actual)} does not match the stored ${hex(crc)}`);
  const count = view.getInt32(CRC_END);
  // Each producer takes at least PRODUCER_FIXED_BYTES + one batch: this bounds the loop.
  if (count < 0 || count > (bytes.length - HEADER_BYTES) / PRODUCER_FIXED_BYTES) {
    corrupt(`producer count ${count} does not fit ${bytes.length} bytes`);
  }
  const entries: ProducerSnapshotEntry[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + PRODUCER_FIXED_BYTES > bytes.length) corrupt(`producer ${i} is cut short`);
    const batchCount = view.getInt8(at + 30);
    if (batchCount < 1 || batchCount > PRODUCER_BATCHES_KEPT) {
      corrupt(`producer ${i} has ${batchCount} batches`);
    }
    const entry: ProducerSnapshotEntry = {
      producerId: safe(view.getBigInt64(at), "producer id"),
      epoch: view.getInt16(at + 8),
      lastSeq: view.getInt32(at + 10),
      lastOffset: safe(view.getBigInt64(at + 14), "last offset"),
      lastTimestampMs: safe(view.getBigInt64(at + 22), "last timestamp"),
      batches: [],
    };
    at += PRODUCER_FIXED_BYTES;
    if (at + batchCount * BATCH_BYTES > bytes.length) corrupt(`producer ${i} is cut short`);
    for (let b = 0; b < batchCount; b++) {
      entry.batches.push({
        firstSeq: view.getInt32(at),
        lastSeq: view.getInt32(at + 4),
        baseOffset: safe(view.getBigInt64(at + 8), "base offset"),
        lastOffset: safe(view.getBigInt64(at + 16), "last offset"),
      });
      at += BATCH_BYTES;
    }
    checkEntry(entry, i);
    entries.push(entry);
  }
  if (at !== bytes.length) corrupt(`${bytes.length - at} bytes after the last producer`);
  return entries;
}

function checkEntry(e: ProducerSnapshotEntry, i: number): void {
  const last = e.batches[e.batches.length - 1];
  if (e.producerId < 0 || e.epoch < 0) corrupt(`producer ${i} has id ${e.producerId}`);
  if (last.lastSeq !== e.lastSeq || last.lastOffset !== e.lastOffset) {
    corrupt(`producer ${e.producerId}: last sequence/offset disagree with its last batch`);
  }
  for (let b = 0; b < e.batches.length; b++) {
    const batch = e.batches[b];
    const before = b > 0 ? e.batches[b - 1].lastOffset : -1;
    if (batch.baseOffset <= before || batch.lastOffset < batch.baseOffset || batch.firstSeq < 0) {
      corrupt(`producer ${e.producerId}: batch ${b} has offsets out of order`);
    }
  }
}

function safe(value: bigint, what: string): number {
  if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    corrupt(`${what} ${value} is past 2^53`);
  }
  return Number(value);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

function corrupt(detail: string): never {
  throw new TributaryError("KAFKA_STORAGE_ERROR", `corrupt producer snapshot: ${detail}`);
}
