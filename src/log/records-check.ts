// Validating the records section of a produced batch (layout in record-batch.ts) without
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
// walked, keys and values never copied or decoded. Structural damage is CORRUPT_MESSAGE;
// records that parse but break a rule are INVALID_RECORD; both name the record's index.

import { TributaryError } from "../errors.ts";
import { Attribute } from "./batch-header.ts";
import type { BatchHeader } from "./record-batch.ts";
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
  const cursor: Cursor = { pos: start, end };
  const count = header.recordCount;
  const createTime = (header.attributes & Attribute.logAppendTime) === 0;
  let i = 0;
  try {
    // Bounded by count, and each record consumes at least RECORD_BODY_BYTES_MIN + 1 bytes.
    for (; i < count; i++) {
      if (cursor.pos >= end) throw recordError(rules, i, `batch declares ${count}, holds ${i}`);
      const length = readVarint(bytes, cursor);
      if (length < RECORD_BODY_BYTES_MIN || length > end - cursor.pos) {
        throw recordError(rules, i, `invalid length ${length}, ${end - cursor.pos} bytes left`);
      }
      const recordEnd = cursor.pos + length;
      cursor.end = recordEnd;
      cursor.pos++; // attributes int8: unused in v2
      const timestampDelta = readVarlong(bytes, cursor);
      const offsetDelta = readVarint(bytes, cursor);
      if (offsetDelta !== i) {
        throw recordError(rules, i, `offsetDelta ${offsetDelta}, expected ${i}`, "INVALID_RECORD");
      }
      if (createTime) checkTimestamp(header, timestampDelta, rules, i);
      const keyLength = skipBytes(bytes, cursor, rules, i, "key");
      if (keyLength === -1 && rules.keyRequired) {
        throw recordError(rules, i, "no key, and compacted topics need one", "INVALID_RECORD");
      }
      skipBytes(bytes, cursor, rules, i, "value");
      skipHeaders(bytes, cursor, rules, i);
      if (cursor.pos !== recordEnd) {
        const taken = cursor.pos - recordEnd + length;
        throw recordError(rules, i, `length ${length} but its fields take ${taken}`);
      }
      cursor.end = end;
    }
  } catch (err) {
    throw located(err, rules, i);
  }
  if (cursor.pos !== end) {
    throw new TributaryError(
      "CORRUPT_MESSAGE",
      `batch at byte ${rules.batchAt}: ${end - cursor.pos} bytes after its ${count} records`,
    );
  }
}

// Only exactness: maxTimestamp is not compared, since real producers get it wrong (sarama's
// gzip batches carry 0) and Kafka overwrites it rather than refusing the batch.
function checkTimestamp(header: BatchHeader, delta: number, rules: RecordsRules, i: number) {
  const timestamp = header.baseTimestamp + delta;
  if (!Number.isSafeInteger(timestamp)) {
    throw recordError(rules, i, `timestamp ${timestamp} is beyond 2^53`, "INVALID_TIMESTAMP");
  }
}

/** Skips a length-prefixed byte string; returns its length (-1: null). */
function skipBytes(
  bytes: Uint8Array,
  cursor: Cursor,
  rules: RecordsRules,
  i: number,
  field: string,
): number {
  const length = readVarint(bytes, cursor);
  if (length === -1) return -1;
  if (length < -1 || length > cursor.end - cursor.pos) {
    throw recordError(rules, i, `${field} length ${length}, ${cursor.end - cursor.pos} bytes left`);
  }
  cursor.pos += length;
  return length;
}

function skipHeaders(bytes: Uint8Array, cursor: Cursor, rules: RecordsRules, i: number): void {
  const count = readVarint(bytes, cursor);
  if (count < 0 || count > (cursor.end - cursor.pos) / HEADER_BYTES_MIN) {
    throw recordError(rules, i, `header count ${count}, ${cursor.end - cursor.pos} bytes left`);
  }
  // Bounded by count, which the bytes left bound.
  for (let h = 0; h < count; h++) {
    const keyLength = readVarint(bytes, cursor);
    if (keyLength < 0 || keyLength > cursor.end - cursor.pos) {
      const what = keyLength === -1 ? "is null" : `has length ${keyLength}`;
      throw recordError(rules, i, `header ${h} key ${what}`);
    }
    if (!isUtf8(bytes, cursor.pos, cursor.pos + keyLength)) {
      throw recordError(rules, i, `header ${h} key is not valid UTF-8`);
    }
    cursor.pos += keyLength;
    skipBytes(bytes, cursor, rules, i, `header ${h} value`);
  }
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
