// Decoding of one CBOR item (RFC 8949), written for this protocol rather than taken from a
// general-purpose library, because the protocol's types must survive decoding: a general decoder
// turns the float 1.0 and the bignum tag 2(h'01') into the number 1 (or a bigint), and the
// validators could no longer tell them from the integer 1, which the protocol requires.
//
// What comes out:
// - major types 0/1 (integers): numbers, or bigints when beyond 2^53 - 1 (validators reject
//   those); the only way to get a JavaScript number out of this decoder;
// - floats (major 7, 0xf9-0xfb): CborFloat, even when integral; tags (major 6): CborTag around
//   the tagged item; simple values other than false/true/null/undefined: CborSimple. None of
//   them is a number, so no validator mistakes one for an integer;
// - byte strings: Uint8Array views into the input (no copy); text strings: strings;
// - arrays: arrays; maps: plain objects keyed by the text keys (entries with other keys are
//   dropped: no field has such a name, and unknown fields are ignored anyway).
// Indefinite lengths are read. Anything not well-formed (truncated, reserved encodings, a stray
// break, bytes after the item, nesting beyond DEPTH_MAX) is CORRUPT_MESSAGE.

import { TributaryError } from "../../model/errors.ts";

/** A floating-point value (major type 7, half, single or double precision). */
export class CborFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** A tagged item (major type 6): the tag number and the item it applies to. */
export class CborTag {
  readonly tag: number | bigint;
  readonly value: unknown;
  constructor(tag: number | bigint, value: unknown) {
    this.tag = tag;
    this.value = value;
  }
}

/** A simple value without a JavaScript counterpart (major type 7, 0-19 and 32-255). */
export class CborSimple {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** Our messages are a few levels deep; much deeper input is hostile (and would grow the stack). */
const DEPTH_MAX = 64;
const BREAK = Symbol("break");
const textDecoder = new TextDecoder();
/** Text up to this many bytes goes through the cache below. */
const SHORT_TEXT_BYTES = 32;

/** The single CBOR item that must fill `bytes` exactly (trailing bytes are an error too). */
export function decodeCbor(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw new TributaryError("CORRUPT_MESSAGE", "empty frame");
  // Decoding is synchronous and not reentrant, so the input lives in module state: cheaper than
  // an object per call on this hot path.
  src = bytes;
  pos = 0;
  view = null;
  try {
    const value = item(0);
    if (value === BREAK) corrupt("a break outside an indefinite-length item");
    if (pos !== bytes.byteLength) corrupt(`${bytes.byteLength - pos} bytes after the item`);
    return value;
  } finally {
    src = EMPTY;
    view = null;
  }
}

const EMPTY = new Uint8Array(0);
let src: Uint8Array = EMPTY;
let pos = 0;
let view: DataView | null = null;

function dataView(): DataView {
  view ??= new DataView(src.buffer, src.byteOffset, src.byteLength);
  return view;
}

function corrupt(what: string): never {
  throw new TributaryError("CORRUPT_MESSAGE", `undecodable CBOR: ${what}`);
}

/** One item; BREAK for the 0xff that ends an indefinite-length item (callers check). */
function item(depth: number): unknown {
  if (pos >= src.byteLength) corrupt("truncated");
  const initial = src[pos++];
  const info = initial & 0x1f;
  switch (initial >> 5) {
    case 0:
      return argument(info);
    case 1: {
      const n = argument(info);
      return typeof n === "number" ? -1 - n : -1n - n;
    }
    case 2:
      return info === 31 ? indefiniteBytes() : take(length(info));
    case 3:
      return info === 31 ? indefiniteText() : text(length(info));
    case 4:
      checkDepth(depth);
      return info === 31 ? indefiniteArray(depth) : array(length(info), depth);
    case 5:
      checkDepth(depth);
      return info === 31 ? indefiniteMap(depth) : map(length(info), depth);
    case 6:
      checkDepth(depth);
      return new CborTag(argument(info), itemNotBreak(depth + 1));
    default:
      return simple(info);
  }
}

/** Only containers nest, so only they count depth. */
function checkDepth(depth: number): void {
  if (depth >= DEPTH_MAX) corrupt(`nested deeper than ${DEPTH_MAX}`);
}

function itemNotBreak(depth: number): unknown {
  const value = item(depth);
  if (value === BREAK) corrupt("a break outside an indefinite-length item");
  return value;
}

/** The argument of a head; numbers while exact, bigints beyond 2^53 - 1. */
function argument(info: number): number | bigint {
  if (info < 24) return info;
  const at = pos;
  switch (info) {
    case 24:
      need(1);
      pos = at + 1;
      return src[at];
    case 25:
      need(2);
      pos = at + 2;
      return (src[at] << 8) | src[at + 1];
    case 26:
      need(4);
      pos = at + 4;
      return uint32At(at);
    case 27: {
      need(8);
      pos = at + 8;
      const high = uint32At(at);
      // Below 2^21 in the high word the value is below 2^53: exact as a number.
      if (high < 0x20_0000) return high * 0x1_0000_0000 + uint32At(at + 4);
      return dataView().getBigUint64(at);
    }
    default:
      return corrupt(`reserved additional information ${info}`);
  }
}

function uint32At(at: number): number {
  return ((src[at] << 24) | (src[at + 1] << 16) | (src[at + 2] << 8) | src[at + 3]) >>> 0;
}

/** A length or count: must fit in what is left of the input (each unit takes a byte at least). */
function length(info: number): number {
  const n = argument(info);
  if (typeof n !== "number" || n > src.byteLength - pos) corrupt("truncated");
  return n;
}

function need(n: number): void {
  if (pos + n > src.byteLength) corrupt("truncated");
}

function take(n: number): Uint8Array {
  const start = pos;
  pos = start + n;
  return src.subarray(start, start + n);
}

function text(n: number): string {
  const start = pos;
  pos = start + n;
  if (n <= SHORT_TEXT_BYTES) return shortText(src, start, n);
  return textDecoder.decode(src.subarray(start, start + n));
}

function array(n: number, depth: number): unknown[] {
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = itemNotBreak(depth + 1);
  return out;
}

function map(n: number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    // Field names are short definite text strings: read them here, without the general path.
    const initial = pos < src.byteLength ? src[pos] : 0;
    if (initial >= 0x60 && initial < 0x78 && pos + 1 + (initial - 0x60) <= src.byteLength) {
      const length = initial - 0x60;
      pos += 1 + length;
      entry(out, shortText(src, pos - length, length), depth);
    } else entry(out, itemNotBreak(depth + 1), depth);
  }
  return out;
}

function entry(out: Record<string, unknown>, key: unknown, depth: number): void {
  const value = itemNotBreak(depth + 1);
  if (typeof key !== "string") return;
  // Assigning "__proto__" would replace the object's prototype instead of adding a field.
  if (key === "__proto__") {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true });
  } else out[key] = value;
}

function indefiniteArray(depth: number): unknown[] {
  const out: unknown[] = [];
  for (;;) {
    const value = item(depth + 1);
    if (value === BREAK) return out;
    out.push(value);
  }
}

function indefiniteMap(depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (;;) {
    const key = item(depth + 1);
    if (key === BREAK) return out;
    entry(out, key, depth);
  }
}

function indefiniteBytes(): Uint8Array {
  const parts = chunks(2);
  const out = new Uint8Array(parts.reduce((sum, c) => sum + c.byteLength, 0));
  let at = 0;
  for (const c of parts) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function indefiniteText(): string {
  let out = "";
  for (const c of chunks(3)) out += textDecoder.decode(c);
  return out;
}

/** The definite-length chunks of an indefinite string of the given major type, up to break. */
function chunks(major: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (;;) {
    need(1);
    const initial = src[pos++];
    if (initial === 0xff) return parts;
    if (initial >> 5 !== major || (initial & 0x1f) === 31) {
      corrupt("an indefinite-length string with a foreign chunk");
    }
    parts.push(take(length(initial & 0x1f)));
  }
}

function simple(info: number): unknown {
  switch (info) {
    case 20:
      return false;
    case 21:
      return true;
    case 22:
      return null;
    case 23:
      return undefined;
    case 24: {
      need(1);
      const value = src[pos++];
      if (value < 32) corrupt(`simple value ${value} in two bytes`);
      return new CborSimple(value);
    }
    case 25:
      need(2);
      pos += 2;
      return new CborFloat(halfToNumber(dataView().getUint16(pos - 2)));
    case 26:
      need(4);
      pos += 4;
      return new CborFloat(dataView().getFloat32(pos - 4));
    case 27:
      need(8);
      pos += 8;
      return new CborFloat(dataView().getFloat64(pos - 8));
    case 31:
      return BREAK;
    default:
      if (info < 20) return new CborSimple(info);
      return corrupt(`reserved additional information ${info}`);
  }
}

// Short strings (field names above all) repeat in every message. Handing out the same string
// for the same bytes spares building it again, and keeps the objects the validators read in
// one shape. The cache is a fixed table indexed by a hash of the bytes; a collision evicts.
const TEXT_CACHE_SIZE = 4096;
const cachedBytes: Array<Uint8Array | undefined> = new Array(TEXT_CACHE_SIZE);
const cachedText: string[] = new Array(TEXT_CACHE_SIZE);

function shortText(bytes: Uint8Array, start: number, n: number): string {
  const end = start + n;
  let hash = n;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], 0x0100_0193);
  const slot = (hash >>> 0) & (TEXT_CACHE_SIZE - 1);
  const known = cachedBytes[slot];
  if (known !== undefined && known.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (known[i] !== bytes[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cachedText[slot];
  }
  const text = textDecoder.decode(bytes.subarray(start, end));
  cachedBytes[slot] = bytes.slice(start, end);
  cachedText[slot] = text;
  return text;
}

/** IEEE 754 half precision (RFC 8949 Appendix D). */
function halfToNumber(half: number): number {
  const exponent = (half >> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  let value: number;
  if (exponent === 0) value = mantissa * 2 ** -24;
  else if (exponent !== 31) value = (mantissa + 1024) * 2 ** (exponent - 25);
  else value = mantissa === 0 ? Infinity : NaN;
  return half & 0x8000 ? -value : value;
}
