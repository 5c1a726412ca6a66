// Reading batches: header access, walking concatenated batches, full validation, and decoding
// the records of an uncompressed batch. Every function is bounds-checked and throws only
// TributaryError("CORRUPT_MESSAGE") (or UNSUPPORTED_COMPRESSION_TYPE) on bad input.

import { TributaryError } from "../model/errors.ts";
import {
  Attribute,
  BATCH_HEADER_BYTES,
  BATCH_OVERHEAD_BYTES,
  codecName,
  Compression,
  MAGIC_V2,
  Offset,
  readHeaderFields,
  viewOf,
} from "./batch-header.ts";
import { crc32c } from "./crc32c.ts";
import type { BatchHeader, DecodedRecord } from "./batch-format.ts";
import {
  makeDecodedRecord,
  readRecords,
  RECORD_BYTES_MIN,
  type RecordMaker,
} from "./record-read.ts";

const BATCH_LENGTH_MIN = BATCH_HEADER_BYTES - BATCH_OVERHEAD_BYTES;

function corrupt(message: string): TributaryError {
  return new TributaryError("CORRUPT_MESSAGE", message);
}

function checkPosition(bytes: Uint8Array, position: number): void {
  if (!Number.isInteger(position) || position < 0 || position > bytes.length) {
    throw corrupt(`position ${position} is outside the ${bytes.length} bytes given`);
  }
}

/** The header at position, unchecked beyond its int64s; needs 61 bytes. */
export function readBatchHeader(bytes: Uint8Array, position = 0): BatchHeader {
  checkPosition(bytes, position);
  const available = bytes.length - position;
  if (available < BATCH_HEADER_BYTES) {
    throw corrupt(
      `batch at byte ${position}: ${available} bytes, a header needs ${BATCH_HEADER_BYTES}`,
    );
  }
  return readHeaderFields(viewOf(bytes), position);
}

/**
 * Total bytes of the batch at position (batchLength + 12), or -1 when fewer than 12 bytes
 * remain. A batchLength too small for a header is CORRUPT_MESSAGE, so walkers always advance.
 */
export function batchSizeAt(bytes: Uint8Array, position: number): number {
  checkPosition(bytes, position);
  if (bytes.length - position < BATCH_OVERHEAD_BYTES) return -1;
  const p = position + Offset.batchLength;
  const batchLength = (bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3];
  if (batchLength < BATCH_LENGTH_MIN) {
    throw corrupt(`batch at byte ${position} has batchLength ${batchLength} < ${BATCH_LENGTH_MIN}`);
  }
  return batchLength + BATCH_OVERHEAD_BYTES;
}

export function lastOffsetOf(header: BatchHeader): number {
  return header.baseOffset + header.lastOffsetDelta;
}

/** Checks magic, lengths, CRC and counts of the batch at position; returns its header. */
export function validateBatch(bytes: Uint8Array, position = 0): BatchHeader {
  return checkBatch(bytes, position, true);
}

/**
 * validateBatch without the CRC pass, for bytes whose CRC the caller has just checked (the
 * broker validates each produced batch before handing it to the log; a second CRC-32C over
 * every byte cost the broker as much as the first at 1 KB records).
 */
export function checkBatchFraming(bytes: Uint8Array, position = 0): BatchHeader {
  return checkBatch(bytes, position, false);
}

function checkBatch(bytes: Uint8Array, position: number, withCrc: boolean): BatchHeader {
  const header = readBatchHeader(bytes, position);
  if (header.magic !== MAGIC_V2) {
    throw corrupt(
      `batch at byte ${position} has magic ${header.magic}, only ${MAGIC_V2} is supported`,
    );
  }
  const size = batchSizeAt(bytes, position);
  if (size > bytes.length - position) {
    throw corrupt(
      `batch at byte ${position} is ${size} bytes, only ${bytes.length - position} given`,
    );
  }
  if (withCrc) {
    const crc = crc32c(bytes, position + Offset.attributes, position + size);
    if (crc !== header.crc) {
      throw corrupt(
        `batch at byte ${position} fails its CRC: stored ${hex32(header.crc)}, computed ${
          hex32(crc)
        }`,
      );
    }
  }
  checkCounts(header, size, position);
  return header;
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

function checkCounts(header: BatchHeader, size: number, position: number): void {
  const codec = header.attributes & Attribute.compressionMask;
  if (codec > Compression.zstd) {
    throw corrupt(`batch at byte ${position} uses unknown ${codecName(codec)}`);
  }
  const { recordCount, lastOffsetDelta } = header;
  // Compaction may drop records, so recordCount can be below lastOffsetDelta + 1, never above.
  if (lastOffsetDelta < 0 || recordCount < 0 || recordCount > lastOffsetDelta + 1) {
    throw corrupt(
      `batch at byte ${position} has recordCount ${recordCount} and lastOffsetDelta ${lastOffsetDelta}`,
    );
  }
  if (!Number.isSafeInteger(header.baseOffset + lastOffsetDelta)) {
    throw corrupt(`batch at byte ${position} ends beyond offset 2^53`);
  }
  const recordsBytes = size - BATCH_HEADER_BYTES;
  if (codec === Compression.none && recordCount * RECORD_BYTES_MIN > recordsBytes) {
    throw corrupt(
      `batch at byte ${position} cannot hold ${recordCount} records in ${recordsBytes} bytes`,
    );
  }
}

/** Validates the batch at position and decodes its records; compressed ones need decodeRecordsAsync. */
export function decodeRecords(bytes: Uint8Array, position?: number): DecodedRecord[];
export function decodeRecords<T>(bytes: Uint8Array, position: number, make: RecordMaker<T>): T[];
export function decodeRecords<T>(
  bytes: Uint8Array,
  position = 0,
  make: RecordMaker<T | DecodedRecord> = makeDecodedRecord,
): Array<T | DecodedRecord> {
  const header = validateBatch(bytes, position);
  const codec = header.attributes & Attribute.compressionMask;
  if (codec !== Compression.none) {
    throw new TributaryError(
      "UNSUPPORTED_COMPRESSION_TYPE",
      `batch at byte ${position} is ${codecName(codec)}-compressed; use decodeRecordsAsync`,
    );
  }
  const start = position + BATCH_HEADER_BYTES;
  return readRecords(
    bytes,
    start,
    position + header.batchLength + BATCH_OVERHEAD_BYTES,
    header,
    make,
  );
}

/**
 * Walks the batches concatenated in bytes, yielding each one's position and header; stops
 * before a partial trailing batch. Headers are not validated (see validateBatch).
 */
export function* batchesIn(
  bytes: Uint8Array,
): Generator<{ position: number; header: BatchHeader }> {
  // Each step advances by at least a header (batchSizeAt guarantees it), so this ends.
  let position = 0;
  for (;;) {
    const size = batchSizeAt(bytes, position);
    if (size === -1 || size > bytes.length - position) return;
    yield { position, header: readBatchHeader(bytes, position) };
    position += size;
  }
}
