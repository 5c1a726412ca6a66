// Decoding of the records section of a batch (layout in batch-format.ts), checked as strictly
// as Kafka's broker does: each record's fields must fill exactly its declared length, offset
// deltas must increase and stay within lastOffsetDelta, and the section must hold exactly
// recordCount records. Every loop is bounded by the bytes left, since each record and header
// consumes at least one byte per field.
//
// Keys, values and header values are subarray views into the input, not copies.

import { TributaryError } from "../model/errors.ts";
import { Attribute } from "./batch-header.ts";
import type { BatchHeader, DecodedRecord, RecordHeader } from "./batch-format.ts";
import { readUtf8 } from "./utf8.ts";
import { type Cursor, readVarint, readVarlong } from "./varint.ts";

/** attributes + timestampDelta + offsetDelta + keyLength + valueLength + headerCount. */
export const RECORD_BODY_BYTES_MIN = 6;
/** The smallest record, its length prefix included. */
export const RECORD_BYTES_MIN = RECORD_BODY_BYTES_MIN + 1;
// keyLength + valueLength of the smallest header.
const HEADER_BYTES_MIN = 2;

/** Shared by every record without headers: one allocation less per record read. */
const NO_HEADERS: RecordHeader[] = Object.freeze([]) as unknown as RecordHeader[];

function corrupt(message: string): TributaryError {
  return new TributaryError("CORRUPT_MESSAGE", message);
}

/**
 * Builds the object a decoded record becomes. Callers with their own record shape (the
 * consumer) pass one, so each record is allocated once instead of decoded and then copied.
 */
export type RecordMaker<T> = (
  offset: number,
  timestamp: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: RecordHeader[],
  attributes: number,
) => T;

export const makeDecodedRecord: RecordMaker<DecodedRecord> = (
  offset,
  timestamp,
  key,
  value,
  headers,
  attributes,
) => ({ offset, timestamp, key, value, headers, attributes });

/** Decodes header.recordCount records filling bytes[start, end) exactly. */
export function readRecords(
  bytes: Uint8Array,
  start: number,
  end: number,
  header: BatchHeader,
): DecodedRecord[];
export function readRecords<T>(
  bytes: Uint8Array,
  start: number,
  end: number,
  header: BatchHeader,
  make: RecordMaker<T>,
): T[];
export function readRecords<T>(
  bytes: Uint8Array,
  start: number,
  end: number,
  header: BatchHeader,
  make: RecordMaker<T | DecodedRecord> = makeDecodedRecord,
): Array<T | DecodedRecord> {
  const cursor: Cursor = { pos: start, end };
  const records: Array<T | DecodedRecord> = [];
  const order = { previousOffsetDelta: -1 };
  for (let i = 0; i < header.recordCount; i++) {
    if (cursor.pos >= end) {
      throw corrupt(`batch declares ${header.recordCount} records, holds ${i}`);
    }
    records.push(readRecord(bytes, cursor, header, order, make));
  }
  if (cursor.pos !== end) {
    throw corrupt(`${end - cursor.pos} bytes left after the batch's ${header.recordCount} records`);
  }
  return records;
}

function readRecord<T>(
  bytes: Uint8Array,
  cursor: Cursor,
  header: BatchHeader,
  order: { previousOffsetDelta: number },
  make: RecordMaker<T>,
): T {
  const recordStart = cursor.pos;
  const length = readVarint(bytes, cursor);
  const sectionEnd = cursor.end;
  if (length < RECORD_BODY_BYTES_MIN || length > sectionEnd - cursor.pos) {
    throw corrupt(`record at byte ${recordStart} has invalid length ${length}`);
  }
  const recordEnd = cursor.pos + length;
  cursor.end = recordEnd;
  const attributes = (bytes[cursor.pos++] << 24) >> 24; // int8
  const timestampDelta = readVarlong(bytes, cursor);
  const offsetDelta = readVarint(bytes, cursor);
  if (offsetDelta <= order.previousOffsetDelta || offsetDelta > header.lastOffsetDelta) {
    throw corrupt(
      `record at byte ${recordStart} has offsetDelta ${offsetDelta} after ${order.previousOffsetDelta}, ` +
        `lastOffsetDelta ${header.lastOffsetDelta}`,
    );
  }
  order.previousOffsetDelta = offsetDelta;
  const key = readBytes(bytes, cursor, "key");
  const value = readBytes(bytes, cursor, "value");
  const headers = readHeaders(bytes, cursor);
  if (cursor.pos !== recordEnd) {
    throw corrupt(
      `record at byte ${recordStart} declares ${length} bytes but its fields end early`,
    );
  }
  cursor.end = sectionEnd;
  return make(
    header.baseOffset + offsetDelta,
    recordTimestamp(header, timestampDelta, recordStart),
    key,
    value,
    headers,
    attributes,
  );
}

// Under LogAppendTime every record carries the broker's append time, kept in maxTimestamp.
function recordTimestamp(header: BatchHeader, timestampDelta: number, recordStart: number): number {
  if ((header.attributes & Attribute.logAppendTime) !== 0) return header.maxTimestamp;
  const timestamp = header.baseTimestamp + timestampDelta;
  if (!Number.isSafeInteger(timestamp)) {
    throw corrupt(`record at byte ${recordStart} has a timestamp beyond 2^53`);
  }
  return timestamp;
}

function readBytes(bytes: Uint8Array, cursor: Cursor, field: string): Uint8Array | null {
  const at = cursor.pos;
  const length = readVarint(bytes, cursor);
  if (length === -1) return null;
  if (length < -1 || length > cursor.end - cursor.pos) {
    throw corrupt(`${field} at byte ${at} has invalid length ${length}`);
  }
  const start = cursor.pos;
  cursor.pos = start + length;
  return bytes.subarray(start, cursor.pos);
}

function readHeaders(bytes: Uint8Array, cursor: Cursor): RecordHeader[] {
  const at = cursor.pos;
  const count = readVarint(bytes, cursor);
  if (count < 0 || count > (cursor.end - cursor.pos) / HEADER_BYTES_MIN) {
    throw corrupt(`header count at byte ${at} is invalid: ${count}`);
  }
  if (count === 0) return NO_HEADERS;
  const headers: RecordHeader[] = [];
  for (let h = 0; h < count; h++) {
    const keyAt = cursor.pos;
    const keyLength = readVarint(bytes, cursor);
    if (keyLength < 0 || keyLength > cursor.end - cursor.pos) {
      throw corrupt(`header key at byte ${keyAt} has invalid length ${keyLength}`);
    }
    const key = readUtf8(bytes, cursor.pos, cursor.pos + keyLength);
    cursor.pos += keyLength;
    headers.push({ key, value: readBytes(bytes, cursor, "header value") });
  }
  return headers;
}
