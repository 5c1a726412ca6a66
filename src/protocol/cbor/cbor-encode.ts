// A small CBOR encoder (RFC 8949) for the values our messages contain, with canonical output:
// integers in their shortest form (also above 2^32, where general-purpose encoders switch to
// floats), definite lengths only, no tags, text map keys in insertion order. Other values
// (Map, Date, class instances, functions, symbols) are programming errors and throw.
//
// Two passes, measure then write, so a frame is one exact-size allocation and a large record
// byte string is copied exactly once.

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
  const out = new Uint8Array(size);
  const end = write(out, prefixBytes, value, 0);
  assert(end === size, `cbor: measured ${size} bytes but wrote ${end}`);
  return out;
}

function headBytes(argument: number | bigint): number {
  if (argument < 24) return 1;
  if (argument < 0x100) return 2;
  if (argument < 0x1_0000) return 3;
  if (argument < 0x1_0000_0000) return 5;
  return 9;
}

function measure(value: unknown, depth: number): number {
  assert(depth <= DEPTH_MAX, "cbor: value nested too deeply");
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
    for (const item of value) size += measure(item, depth + 1);
    return size;
  }
  const entries = mapEntries(value);
  let size = headBytes(entries.length);
  for (const [key, item] of entries) size += measure(key, depth + 1) + measure(item, depth + 1);
  return size;
}

function write(out: Uint8Array, pos: number, value: unknown, depth: number): number {
  if (value === null || value === undefined) return writeByte(out, pos, 0xf6);
  if (value === false) return writeByte(out, pos, 0xf4);
  if (value === true) return writeByte(out, pos, 0xf5);
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return writeFloat64(out, pos, value);
    return writeHead(out, pos, value < 0 ? 1 : 0, intArgument(value));
  }
  if (typeof value === "bigint") return writeHead(out, pos, value < 0n ? 1 : 0, bigArgument(value));
  if (typeof value === "string") {
    const bytes = textEncoder.encode(value);
    pos = writeHead(out, pos, 3, bytes.byteLength);
    out.set(bytes, pos);
    return pos + bytes.byteLength;
  }
  if (value instanceof Uint8Array) {
    pos = writeHead(out, pos, 2, value.byteLength);
    out.set(value, pos);
    return pos + value.byteLength;
  }
  if (Array.isArray(value)) {
    pos = writeHead(out, pos, 4, value.length);
    for (const item of value) pos = write(out, pos, item, depth + 1);
    return pos;
  }
  const entries = mapEntries(value);
  pos = writeHead(out, pos, 5, entries.length);
  for (const [key, item] of entries) {
    pos = write(out, pos, key, depth + 1);
    pos = write(out, pos, item, depth + 1);
  }
  return pos;
}

/** CBOR's argument for an integer: n for n >= 0, -1 - n for negatives (major type 1). */
function intArgument(value: number): number {
  assert(Number.isSafeInteger(value), `cbor: integer ${value} is not exact in a double`);
  return value < 0 ? -1 - value : value;
}

function bigArgument(value: bigint): bigint {
  const argument = value < 0n ? -1n - value : value;
  assert(argument <= 0xffff_ffff_ffff_ffffn, `cbor: integer ${value} does not fit 64 bits`);
  return argument;
}

/** Plain objects only; undefined-valued properties are left out so optional fields vanish. */
function mapEntries(value: unknown): Array<[string, unknown]> {
  assert(typeof value === "object" && value !== null, `cbor: cannot encode ${typeof value}`);
  const proto = Object.getPrototypeOf(value);
  assert(proto === Object.prototype || proto === null, "cbor: only plain objects encode as maps");
  return Object.entries(value).filter(([, item]) => item !== undefined);
}

function writeByte(out: Uint8Array, pos: number, byte: number): number {
  out[pos] = byte;
  return pos + 1;
}

function writeHead(out: Uint8Array, pos: number, major: number, argument: number | bigint): number {
  const type = major << 5;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (argument < 24) {
    out[pos] = type | Number(argument);
    return pos + 1;
  }
  if (argument < 0x100) {
    out[pos] = type | 24;
    out[pos + 1] = Number(argument);
    return pos + 2;
  }
  if (argument < 0x1_0000) {
    out[pos] = type | 25;
    view.setUint16(pos + 1, Number(argument));
    return pos + 3;
  }
  if (argument < 0x1_0000_0000) {
    out[pos] = type | 26;
    view.setUint32(pos + 1, Number(argument));
    return pos + 5;
  }
  out[pos] = type | 27;
  view.setBigUint64(pos + 1, BigInt(argument));
  return pos + 9;
}

function writeFloat64(out: Uint8Array, pos: number, value: number): number {
  out[pos] = 0xfb;
  new DataView(out.buffer, out.byteOffset, out.byteLength).setFloat64(pos + 1, value);
  return pos + 9;
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
