// Zig-zag varints as Kafka (and protobuf) write them: the signed value is mapped to unsigned
// (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...), then written 7 bits a byte, least significant group
// first, high bit set on every byte but the last.
//
// varint holds an int32 (at most 5 bytes), varlong an int64 (at most 10 bytes). JS numbers are
// exact only to 2^53, so varlongs are limited to safe integers: larger magnitudes (285,000 years
// of milliseconds) are rejected as corrupt on read and refused on write. Values up to 2^31 take
// an int32 bit-twiddling fast path; only larger ones use float arithmetic, never BigInt.
//
// Decoders never read past cursor.end and never loop more than 10 times; every failure is a
// TributaryError("CORRUPT_MESSAGE").

import { TributaryError } from "../model/errors.ts";

/** A read position into a byte array that decoders advance; end bounds every read. */
export interface Cursor {
  pos: number;
  end: number;
}

export const VARINT_BYTES_MAX = 5;
export const VARLONG_BYTES_MAX = 10;

const TWO_POW_27 = 2 ** 27;

function corrupt(message: string): TributaryError {
  return new TributaryError("CORRUPT_MESSAGE", message);
}

function isInt32(value: number): boolean {
  return (value | 0) === value;
}

/** Bytes a zig-zag varint of the int32 value takes. */
export function sizeOfVarint(value: number): number {
  const u = ((value << 1) ^ (value >> 31)) >>> 0;
  if (u < 0x80) return 1;
  if (u < 0x4000) return 2;
  if (u < 0x200000) return 3;
  if (u < 0x10000000) return 4;
  return 5;
}

/** Bytes a zig-zag varlong of the safe-integer value takes. */
export function sizeOfVarlong(value: number): number {
  if (isInt32(value)) return sizeOfVarint(value);
  // Magnitude m with u = 2m + sign; count 7-bit groups of u = 1 + groups of m beyond 6 bits.
  let m = value < 0 ? -value - 1 : value;
  let size = 1;
  m = Math.floor(m / 64);
  while (m > 0) {
    size++;
    m = Math.floor(m / 128);
  }
  return size;
}

/** Writes the int32 value as a zig-zag varint at pos; returns the position after it. */
export function writeVarint(bytes: Uint8Array, pos: number, value: number): number {
  let u = ((value << 1) ^ (value >> 31)) >>> 0;
  while (u >= 0x80) {
    bytes[pos++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  bytes[pos++] = u;
  return pos;
}

/** Writes the safe-integer value as a zig-zag varlong at pos; returns the position after it. */
export function writeVarlong(bytes: Uint8Array, pos: number, value: number): number {
  if (isInt32(value)) return writeVarint(bytes, pos, value);
  if (!Number.isSafeInteger(value)) {
    throw new TributaryError("INVALID_RECORD", `varlong ${value} is not a safe integer`);
  }
  const sign = value < 0 ? 1 : 0;
  let m = sign ? -value - 1 : value;
  // |value| >= 2^31 here, so at least one more group follows the first.
  bytes[pos++] = (((m % 64) << 1) | sign | 0x80) & 0xff;
  m = Math.floor(m / 64);
  while (m >= 0x80) {
    bytes[pos++] = (m % 128) | 0x80;
    m = Math.floor(m / 128);
  }
  bytes[pos++] = m;
  return pos;
}

/** Reads a zig-zag varint (int32) at cursor.pos and advances the cursor past it. */
export function readVarint(bytes: Uint8Array, cursor: Cursor): number {
  let pos = cursor.pos;
  const end = Math.min(cursor.end, bytes.length);
  let u = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw corrupt(`varint truncated at byte ${pos}`);
    const b = bytes[pos++];
    // The fifth byte may only carry the top 4 bits of 32; anything more is overlong.
    if (shift === 28 && b > 0x0f) {
      throw corrupt(`varint at byte ${cursor.pos} exceeds 5 bytes or 32 bits`);
    }
    u |= (b & 0x7f) << shift;
    if (b < 0x80) {
      cursor.pos = pos;
      return (u >>> 1) ^ -(u & 1);
    }
  }
  throw corrupt(`varint at byte ${cursor.pos} exceeds 5 bytes`);
}

/** Reads a zig-zag varlong at cursor.pos and advances the cursor; rejects unsafe integers. */
export function readVarlong(bytes: Uint8Array, cursor: Cursor): number {
  let pos = cursor.pos;
  const end = Math.min(cursor.end, bytes.length);
  let u = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= end) throw corrupt(`varlong truncated at byte ${pos}`);
    const b = bytes[pos++];
    u |= (b & 0x7f) << shift;
    if (b < 0x80) {
      cursor.pos = pos;
      return (u >>> 1) ^ -(u & 1);
    }
  }
  return readVarlongTail(bytes, cursor, pos, end, u);
}

// Bytes 5..10 of a varlong: the magnitude grows past 32 bits, so continue in float arithmetic,
// which is exact while the magnitude stays below 2^53 (checked at the end).
function readVarlongTail(
  bytes: Uint8Array,
  cursor: Cursor,
  pos: number,
  end: number,
  low28: number,
): number {
  const sign = low28 & 1;
  let m = low28 >>> 1;
  let scale = TWO_POW_27;
  for (let i = 4; i < VARLONG_BYTES_MAX; i++) {
    if (pos >= end) throw corrupt(`varlong truncated at byte ${pos}`);
    const b = bytes[pos++];
    m += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) {
      const value = sign ? -m - 1 : m;
      if (!Number.isSafeInteger(value)) {
        throw corrupt(`varlong at byte ${cursor.pos} is beyond 2^53 in magnitude`);
      }
      cursor.pos = pos;
      return value;
    }
  }
  throw corrupt(`varlong at byte ${cursor.pos} exceeds 10 bytes`);
}
