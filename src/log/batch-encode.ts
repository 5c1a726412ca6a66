// encodeBatch: BatchInput -> one uncompressed record batch v2. It is on every produce, so it
// sizes everything first, allocates the output once and writes it in a single pass.

import { assert, TributaryError } from "../model/errors.ts";
import {
  Attribute,
  BATCH_HEADER_BYTES,
  BATCH_OVERHEAD_BYTES,
  codecName,
  Compression,
  MAGIC_V2,
  Offset,
  TimestampType,
  viewOf,
  writeHeaderFields,
} from "./batch-header.ts";
import { crc32c } from "./crc32c.ts";
import type { BatchInput, RecordInput } from "./batch-format.ts";
import { SizeList, sizeOfRecord, writeRecord } from "./record-write.ts";

/** batchLength is an int32. */
const BATCH_LENGTH_MAX = 0x7fffffff;

// Reused across calls: encodeBatch is synchronous and never re-entered.
const sizes = new SizeList();

/** Encodes an uncompressed batch; for gzip use compressBatch. */
export function encodeBatch(input: BatchInput): Uint8Array {
  const compression = input.compression ?? Compression.none;
  if (compression !== Compression.none) {
    throw new TributaryError(
      "UNSUPPORTED_COMPRESSION_TYPE",
      `encodeBatch writes uncompressed batches only, got ${
        codecName(compression)
      }; use compressBatch`,
    );
  }
  return encodeUncompressed(input);
}

/** The batch with its records section uncompressed, whatever input.compression says. */
export function encodeUncompressed(input: BatchInput): Uint8Array {
  const records = input.records;
  if (!Array.isArray(records) || records.length === 0) {
    throw new TributaryError("INVALID_RECORD", "a batch needs at least one record");
  }
  const fields = producerFields(input);
  if (!Number.isSafeInteger(fields.baseOffset + (records.length - 1))) {
    throw new TributaryError("INVALID_RECORD", `offsets from ${fields.baseOffset} pass 2^53`);
  }
  const attributes = attributesOf(input, Compression.none);
  const baseTimestamp = records[0].timestamp;
  let maxTimestamp = baseTimestamp;
  let recordsBytes = 0;
  sizes.reset();
  for (let i = 0; i < records.length; i++) {
    const timestamp = records[i].timestamp;
    checkTimestamp(timestamp, baseTimestamp, i);
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    recordsBytes += sizeOfRecord(records[i], timestamp - baseTimestamp, i, sizes);
  }
  const batchLength = BATCH_HEADER_BYTES - BATCH_OVERHEAD_BYTES + recordsBytes;
  if (batchLength > BATCH_LENGTH_MAX) {
    throw new TributaryError(
      "RECORD_LIST_TOO_LARGE",
      `batch of ${batchLength} bytes exceeds int32`,
    );
  }
  const out = new Uint8Array(BATCH_HEADER_BYTES + recordsBytes);
  const view = viewOf(out);
  writeHeaderFields(view, 0, {
    baseOffset: fields.baseOffset,
    partitionLeaderEpoch: fields.partitionLeaderEpoch,
    producerId: fields.producerId,
    producerEpoch: fields.producerEpoch,
    baseSequence: fields.baseSequence,
    batchLength,
    magic: MAGIC_V2,
    crc: 0,
    attributes,
    lastOffsetDelta: records.length - 1,
    baseTimestamp,
    maxTimestamp,
    recordCount: records.length,
  });
  writeRecords(out, records, baseTimestamp);
  view.setUint32(Offset.crc, crc32c(out, Offset.attributes));
  return out;
}

function writeRecords(out: Uint8Array, records: RecordInput[], baseTimestamp: number): void {
  let pos = BATCH_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    pos = writeRecord(out, pos, record, record.timestamp - baseTimestamp, i, sizes);
  }
  // The message is built only on failure: this runs on every produce.
  if (pos !== out.length) {
    assert(false, `records took ${pos - BATCH_HEADER_BYTES} bytes, sized ${out.length}`);
  }
}

function checkTimestamp(timestamp: number, baseTimestamp: number, index: number): void {
  if (!Number.isSafeInteger(timestamp) || !Number.isSafeInteger(timestamp - baseTimestamp)) {
    throw new TributaryError(
      "INVALID_TIMESTAMP",
      `record ${index} timestamp ${timestamp} is not an integer within 2^53 of ${baseTimestamp}`,
    );
  }
}

/** The attributes int16 for input, with the given codec in bits 0-2. */
export function attributesOf(input: BatchInput, codec: number): number {
  const timestampType = input.timestampType ?? TimestampType.create;
  if (timestampType !== TimestampType.create && timestampType !== TimestampType.logAppend) {
    throw new TributaryError("INVALID_RECORD", `unknown timestampType ${timestampType}`);
  }
  return codec |
    (timestampType === TimestampType.logAppend ? Attribute.logAppendTime : 0) |
    (input.transactional ? Attribute.transactional : 0) |
    (input.control ? Attribute.control : 0);
}

function producerFields(input: BatchInput) {
  const fields = {
    baseOffset: input.baseOffset ?? 0,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? -1,
    producerId: input.producerId ?? -1,
    producerEpoch: input.producerEpoch ?? -1,
    baseSequence: input.baseSequence ?? -1,
  };
  checkField("baseOffset", fields.baseOffset, 0, Number.MAX_SAFE_INTEGER);
  checkField("partitionLeaderEpoch", fields.partitionLeaderEpoch, -0x80000000, 0x7fffffff);
  checkField("producerId", fields.producerId, -1, Number.MAX_SAFE_INTEGER);
  checkField("producerEpoch", fields.producerEpoch, -0x8000, 0x7fff);
  checkField("baseSequence", fields.baseSequence, -0x80000000, 0x7fffffff);
  return fields;
}

function checkField(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TributaryError("INVALID_RECORD", `${name} ${value} is outside [${min}, ${max}]`);
  }
}
