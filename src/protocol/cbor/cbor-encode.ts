// A small CBOR encoder (RFC 8949) for the values our messages contain, with canonical output:
// integers in their shortest form (also above 2^32, where general-purpose encoders switch to
// floats), definite lengths only, no tags, text map keys in insertion order. Other values
// (Map, Date, class instances, functions, symbols) are programming errors and throw.
//
// Two passes, measure then write, so a frame is one exact-size allocation and a large record
// byte string is copied exactly once. Failure messages are built only on failure: this runs for
// every value of every frame.

import { assert } from "../../model/errors.ts";

/** Nesting deeper than this is a bug: our messages are a few levels deep. */
const DEPTH_MAX = 32;
const textEncoder = new TextEncoder();

export type CborValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly CborValue[]
  | { readonly [key: string]: CborValue };

/** Encodes value after `prefixBytes` zero bytes (room for a frame header). */
export function encodeCbor(value: unknown, prefixBytes = 0): Uint8Array {
  const size = prefixBytes + measure(value, 0);
  // Encoding is synchronous and not reentrant, so the output lives in module state, as the
  // decoder's input does: no DataView or closure per head on this hot path.
  out = new Uint8Array(size);
  view = null;
  try {
    const end = write(prefixBytes, value);
    assert(end === size, `cbor: measured ${size} bytes but wrote ${end}`);
    return out;
  } finally {
    out = EMPTY;
    view = null;
  }
}

const EMPTY = new Uint8Array(0);
let out: Uint8Array = EMPTY;
let view: DataView | null = null;

function dataView(): DataView {
  view ??= new DataView(out.buffer, out.byteOffset, out.byteLength);
  return view;
}

function headBytes(argument: number | bigint): number {
  if (argument < 24) return 1;
  if (argument < 0x100) return 2;
  if (argument < 0x1_0000) return 3;
  if (argument < 0x1_0000_0000) return 5;
  return 9;
}

function measure(value: unknown, depth: number): number {
  if (depth > DEPTH_MAX) assert(false, "cbor: value nested too deeply");
  if (value === null || value === undefined || typeof value === "boolean") return 1;
  if (typeof value === "number") return Number.isInteger(value) ? headBytes(intArgument(value)) : 9;
  if (typeof value === "bigint") return headBytes(bigArgument(value));
  if (typeof value === "string") {
    const length = utf8Length(value);
    return headBytes(length) + length;
  }
  if (value instanceof Uint8Array) return headBytes(value.byteLength) + value.byteLength;
  if (Array.isArray(value)) {
    let size = headBytes(value.length);
    for (let i = 0; i < value.length; i++) size += measure(value[i], depth + 1);
    return size;
  }
  const map = plainObject(value);
  let count = 0;
  let size = 0;
  for (const key of Object.keys(map)) {
    const item = map[key];
    if (item === undefined) continue;
    count++;
    size += measure(key, depth + 1) + measure(item, depth + 1);
  }
  return headBytes(count) + size;
}

function write(pos: number, value: unknown): number {
  if (value === null || value === undefined) return writeByte(pos, 0xf6);
  if (value === false) return writeByte(pos, 0xf4);
  if (value === true) return writeByte(pos, 0xf5);
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return writeFloat64(pos, value);
    return writeHead(pos, value < 0 ? 1 : 0, intArgument(value));
  }
  if (typeof value === "bigint") return writeHead(pos, value < 0n ? 1 : 0, bigArgument(value));
  if (typeof value === "string") return writeText(pos, value);
  if (value instanceof Uint8Array) {
    pos = writeHead(pos, 2, value.byteLength);
    out.set(value, pos);
    return pos + value.byteLength;
  }
  if (Array.isArray(value)) {
    pos = writeHead(pos, 4, value.length);
    for (let i = 0; i < value.length; i++) pos = write(pos, value[i]);
    return pos;
  }
  const map = plainObject(value);
  const keys = Object.keys(map);
  let count = 0;
  for (const key of keys) if (map[key] !== undefined) count++;
  pos = writeHead(pos, 5, count);
  for (const key of keys) {
    const item = map[key];
    if (item === undefined) continue;
    pos = writeText(pos, key);
    pos = write(pos, item);
  }
  return pos;
}

/** CBOR's argument for an integer: n for n >= 0, -1 - n for negatives (major type 1). */
function intArgument(value: number): number {
  if (!Number.isSafeInteger(value)) {
    assert(false, `cbor: integer ${value} is not exact in a double`);
  }
  return value < 0 ? -1 - value : value;
}

function bigArgument(value: bigint): bigint {
  const argument = value < 0n ? -1n - value : value;
  if (argument > 0xffff_ffff_ffff_ffffn) {
    assert(false, `cbor: integer ${value} does not fit 64 bits`);
  }
  return argument;
}

/** Plain objects only; undefined-valued properties are left out so optional fields vanish. */
function plainObject(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null) {
    assert(false, `cbor: cannot encode ${typeof value}`);
  }
  const proto = Object.getPrototypeOf(value);
  assert(proto === Object.prototype || proto === null, "cbor: only plain objects encode as maps");
  return value as Record<string, unknown>;
}

function writeByte(pos: number, byte: number): number {
  out[pos] = byte;
  return pos + 1;
}

function writeHead(pos: number, major: number, argument: number | bigint): number {
  const type = major << 5;
  if (typeof argument === "number" && argument < 0x1_0000_0000) {
    if (argument < 24) {
      out[pos] = type | argument;
      return pos + 1;
    }
    if (argument < 0x100) {
      out[pos] = type | 24;
      out[pos + 1] = argument;
      return pos + 2;
    }
    if (argument < 0x1_0000) {
      out[pos] = type | 25;
      out[pos + 1] = argument >>> 8;
      out[pos + 2] = argument & 0xff;
      return pos + 3;
    }
    out[pos] = type | 26;
    out[pos + 1] = argument >>> 24;
    out[pos + 2] = (argument >>> 16) & 0xff;
    out[pos + 3] = (argument >>> 8) & 0xff;
    out[pos + 4] = argument & 0xff;
    return pos + 5;
  }
  if (argument < 0x1_0000_0000) return writeHead(pos, major, Number(argument));
  out[pos] = type | 27;
  dataView().setBigUint64(pos + 1, BigInt(argument));
  return pos + 9;
}

function writeFloat64(pos: number, value: number): number {
  out[pos] = 0xfb;
  dataView().setFloat64(pos + 1, value);
  return pos + 9;
}

/**
 * A text string. ASCII (field names, topics, ids: nearly all of it) is copied unit by unit;
 * anything else goes through TextEncoder into the room measure() counted.
 */
function writeText(pos: number, text: string): number {
  const units = text.length;
  let ascii = true;
  for (let i = 0; i < units; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    pos = writeHead(pos, 3, units);
    for (let i = 0; i < units; i++) out[pos + i] = text.charCodeAt(i);
    return pos + units;
  }
  const length = utf8Length(text);
  pos = writeHead(pos, 3, length);
  const { written } = textEncoder.encodeInto(text, out.subarray(pos, pos + length));
  assert(written === length, "cbor: TextEncoder wrote another length than measured");
  return pos + length;
}

/** Bytes of a string in UTF-8 (lone surrogates count as U+FFFD, as TextEncoder writes them). */
function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
