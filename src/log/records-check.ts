// Validating the records section of a produced batch (layout in batch-format.ts) without
// decoding it, as Kafka's LogValidator does before anything is stored: a producer computes the
// CRC over whatever it sends, so a valid CRC says nothing about the records inside. Anything
// stored must decode later (readRecords), or one bad producer makes the partition unreadable.
//
// Checked per record: the length varint and that the fields fill exactly that many bytes;
// every varint and varlong well-formed (not truncated, not overlong); offsetDelta i for record
// i (the producer's offsets are dense, the log assigns the base); under CreateTime the timestamp
// an exact integer (INVALID_TIMESTAMP beyond 2^53); key, value and header value lengths
// -1 (null) or within the record; the header count and each header fitting; header keys
// non-null, valid UTF-8. Then: exactly recordCount records and no byte after the last one.
//
// One pass over the bytes, no allocation per record (it is on every produce): lengths are
// walked, keys and values never copied or decoded, and the common record takes a quick path
// (quickRecord) that only says yes or "look closer". Structural damage is CORRUPT_MESSAGE;
// records that parse but break a rule are INVALID_RECORD (INVALID_TIMESTAMP for an inexact
// timestamp); every message names the batch's position and the record's index.

import { TributaryError } from "../model/errors.ts";
import { Attribute } from "./batch-header.ts";
import type { BatchHeader } from "./batch-format.ts";
import { RECORD_BODY_BYTES_MIN } from "./record-read.ts";
import { isUtf8 } from "./utf8.ts";
import { type Cursor, readVarint, readVarlong } from "./varint.ts";

// keyLength + valueLength of the smallest header.
const HEADER_BYTES_MIN = 2;

export interface RecordsRules {
  /** Byte position of the batch in the request, for messages. */
  batchAt: number;
  /** Compacted topics: a record without a key is INVALID_RECORD. */
  keyRequired: boolean;
}

/** Throws unless bytes[start, end) holds exactly header.recordCount valid records. */
export function checkRecords(
  bytes: Uint8Array,
  start: number,
  end: number,
  header: BatchHeader,
  rules: RecordsRules,
): void {
  const count = header.recordCount;
  // quickRecord takes deltas below 2^13 in magnitude, which keep such a base exact.
  const quickTimestamps = (header.attributes & Attribute.logAppendTime) !== 0 ||
    Math.abs(header.baseTimestamp) <= Number.MAX_SAFE_INTEGER - 8192;
  let pos = start;
  let i = 0;
  try {
    // Bounded by count, and each record consumes at least RECORD_BODY_BYTES_MIN + 1 bytes.
    for (; i < count; i++) {
      if (pos >= end) throw recordError(rules, i, `batch declares ${count}, holds ${i}`);
      const next = quickTimestamps ? quickRecord(bytes, pos, end, i, rules.keyRequired) : -1;
      pos = next >= 0 ? next : carefulRecord(bytes, pos, end, header, rules, i);
    }
  } catch (err) {
    throw located(err, rules, i);
  }
  if (pos !== end) {
    throw new TributaryError(
      "CORRUPT_MESSAGE",
      `batch at byte ${rules.batchAt}: ${end - pos} bytes after its ${count} records`,
    );
  }
}

// The common record, checked with no call that cannot be inlined: every varint of one or two
// bytes (lengths below 8 KiB, offset deltas below 8192), ASCII header keys. It never throws:
// anything else, valid or not, returns -1 and carefulRecord walks the record again, and says
// what is wrong with it.
const SLOW = 3;

/** A zig-zag varint of 1-2 bytes within limit, packed as value * 4 + bytes; else SLOW. */
function short(bytes: Uint8Array, pos: number, limit: number): number {
  if (pos >= limit) return SLOW;
  const b0 = bytes[pos];
  if (b0 < 0x80) return (((b0 >>> 1) ^ -(b0 & 1)) << 2) | 1;
  if (pos + 1 >= limit) return SLOW;
  const b1 = bytes[pos + 1];
  if (b1 >= 0x80) return SLOW;
  const u = (b0 & 0x7f) | (b1 << 7);
  return (((u >>> 1) ^ -(u & 1)) << 2) | 2;
}

/** The position after a byte string (-1: null) whose packed length is at pos; -1 if not quick. */
function quickSkip(bytes: Uint8Array, pos: number, limit: number, nullable: boolean): number {
  const p = short(bytes, pos, limit);
  if ((p & 3) === SLOW) return -1;
  const length = p >> 2;
  pos += p & 3;
  if (length === -1) return nullable ? pos : -1;
  return length < 0 || length > limit - pos ? -1 : pos + length;
}

function quickRecord(
  bytes: Uint8Array,
  pos: number,
  end: number,
  i: number,
  keyRequired: boolean,
): number {
  let p = short(bytes, pos, end);
  if ((p & 3) === SLOW) return -1;
  const length = p >> 2;
  pos += p & 3;
  if (length < RECORD_BODY_BYTES_MIN || length > end - pos) return -1;
  const recordEnd = pos + length;
  pos++; // attributes
  p = short(bytes, pos, recordEnd); // timestampDelta: |delta| < 2^13 keeps it exact
  if ((p & 3) === SLOW) return -1;
  pos += p & 3;
  p = short(bytes, pos, recordEnd); // offsetDelta
  if ((p & 3) === SLOW || p >> 2 !== i) return -1;
  pos += p & 3;
  pos = quickSkip(bytes, pos, recordEnd, !keyRequired);
  if (pos < 0) return -1;
  pos = quickSkip(bytes, pos, recordEnd, true);
  if (pos < 0) return -1;
  p = short(bytes, pos, recordEnd);
  if ((p & 3) === SLOW) return -1;
  const headerCount = p >> 2;
  pos += p & 3;
  if (headerCount < 0 || headerCount > (recordEnd - pos) / HEADER_BYTES_MIN) return -1;
  // Bounded by headerCount, which the bytes left bound.
  for (let h = 0; h < headerCount; h++) {
    p = short(bytes, pos, recordEnd);
    if ((p & 3) === SLOW) return -1;
    const keyStart = pos + (p & 3);
    pos = keyStart + (p >> 2);
    if (pos < keyStart || pos > recordEnd) return -1; // null or too long
    for (let k = keyStart; k < pos; k++) if (bytes[k] >= 0x80) return -1; // not ASCII
    pos = quickSkip(bytes, pos, recordEnd, true);
    if (pos < 0) return -1;
  }
  return pos === recordEnd ? pos : -1;
}

/** Checks the record at pos field by field; returns the position after it or throws. */
function carefulRecord(
  bytes: Uint8Array,
  pos: number,
  end: number,
  header: BatchHeader,
  rules: RecordsRules,
  i: number,
): number {
  const length = varint(bytes, pos, end);
  pos = after;
  if (length < RECORD_BODY_BYTES_MIN || length > end - pos) {
    throw recordError(rules, i, `invalid length ${length}, ${end - pos} bytes left`);
  }
  const recordEnd = pos + length;
  pos++; // attributes int8: unused in v2
  const timestampDelta = varlong(bytes, pos, recordEnd);
  const offsetDelta = varint(bytes, after, recordEnd);
  pos = after;
  if (offsetDelta !== i) {
    throw recordError(rules, i, `offsetDelta ${offsetDelta}, expected ${i}`, "INVALID_RECORD");
  }
  const createTime = (header.attributes & Attribute.logAppendTime) === 0;
  if (createTime && !Number.isSafeInteger(header.baseTimestamp + timestampDelta)) {
    throw timestampError(header, timestampDelta, rules, i);
  }
  const keyLength = varint(bytes, pos, recordEnd);
  pos = skip(after, keyLength, recordEnd, rules, i, "key");
  if (keyLength === -1 && rules.keyRequired) {
    throw recordError(rules, i, "no key, and compacted topics need one", "INVALID_RECORD");
  }
  const valueLength = varint(bytes, pos, recordEnd);
  pos = skip(after, valueLength, recordEnd, rules, i, "value");
  pos = skipHeaders(bytes, pos, recordEnd, rules, i);
  if (pos !== recordEnd) {
    const taken = pos - recordEnd + length;
    throw recordError(rules, i, `length ${length} but its fields take ${taken}`);
  }
  return pos;
}

// The position after the last varint() or varlong(): a module variable rather than a returned
// pair or a cursor object, so the walk allocates nothing. checkRecords is synchronous and never
// re-entered, so nothing else sees it change.
let after = 0;
const slow: Cursor = { pos: 0, end: 0 };

// One- and two-byte varints (every length below 8 KiB) inline; the rest, and every error
// (truncated, overlong), in varint.ts. Varlongs of up to two bytes read the same.
const NOT_SHORT = 1 << 30; // outside the range of a two-byte value

function shortVarint(bytes: Uint8Array, pos: number, limit: number): number {
  if (pos < limit) {
    const b0 = bytes[pos];
    if (b0 < 0x80) {
      after = pos + 1;
      return (b0 >>> 1) ^ -(b0 & 1);
    }
    if (pos + 1 < limit) {
      const b1 = bytes[pos + 1];
      if (b1 < 0x80) {
        const u = (b0 & 0x7f) | (b1 << 7);
        after = pos + 2;
        return (u >>> 1) ^ -(u & 1);
      }
    }
  }
  return NOT_SHORT;
}

function varint(bytes: Uint8Array, pos: number, limit: number): number {
  const short = shortVarint(bytes, pos, limit);
  if (short !== NOT_SHORT) return short;
  slow.pos = pos;
  slow.end = limit;
  const value = readVarint(bytes, slow);
  after = slow.pos;
  return value;
}

function varlong(bytes: Uint8Array, pos: number, limit: number): number {
  const short = shortVarint(bytes, pos, limit);
  if (short !== NOT_SHORT) return short;
  slow.pos = pos;
  slow.end = limit;
  const value = readVarlong(bytes, slow);
  after = slow.pos;
  return value;
}

/** The position after a byte string of length (-1: null) at pos; throws when it does not fit. */
function skip(
  pos: number,
  length: number,
  limit: number,
  rules: RecordsRules,
  i: number,
  field: string,
): number {
  if (length === -1) return pos;
  if (length < -1 || length > limit - pos) {
    throw recordError(rules, i, `${field} length ${length}, ${limit - pos} bytes left`);
  }
  return pos + length;
}

function skipHeaders(
  bytes: Uint8Array,
  pos: number,
  limit: number,
  rules: RecordsRules,
  i: number,
): number {
  const count = varint(bytes, pos, limit);
  pos = after;
  if (count === 0) return pos;
  if (count < 0 || count > (limit - pos) / HEADER_BYTES_MIN) {
    throw recordError(rules, i, `header count ${count}, ${limit - pos} bytes left`);
  }
  // Bounded by count, which the bytes left bound.
  for (let h = 0; h < count; h++) {
    const keyLength = varint(bytes, pos, limit);
    pos = after;
    if (keyLength < 0 || keyLength > limit - pos) {
      const what = keyLength === -1 ? "is null" : `has length ${keyLength}`;
      throw recordError(rules, i, `header ${h} key ${what}`);
    }
    if (!isUtf8(bytes, pos, pos + keyLength)) {
      throw recordError(rules, i, `header ${h} key is not valid UTF-8`);
    }
    const valueLength = varint(bytes, pos + keyLength, limit);
    pos = skip(after, valueLength, limit, rules, i, `header ${h} value`);
  }
  return pos;
}

function timestampError(
  header: BatchHeader,
  delta: number,
  rules: RecordsRules,
  i: number,
): TributaryError {
  return recordError(
    rules,
    i,
    `timestamp ${header.baseTimestamp} + ${delta} is beyond 2^53`,
    "INVALID_TIMESTAMP",
  );
}

/** Marks errors of this file so located() can tell them from a varint reader's. */
class RecordError extends TributaryError {}

function recordError(
  rules: RecordsRules,
  i: number,
  what: string,
  code: "CORRUPT_MESSAGE" | "INVALID_RECORD" | "INVALID_TIMESTAMP" = "CORRUPT_MESSAGE",
): TributaryError {
  return new RecordError(code, `batch at byte ${rules.batchAt}: record ${i}: ${what}`);
}

// A varint reader's CORRUPT_MESSAGE (truncated, overlong) names a byte but no record: add the
// batch. Only failures pay for this.
function located(err: unknown, rules: RecordsRules, i: number): unknown {
  if (err instanceof RecordError || !(err instanceof TributaryError)) return err;
  return new TributaryError(
    err.code,
    `batch at byte ${rules.batchAt}: record ${i}: ${err.message}`,
    { cause: err },
  );
}
