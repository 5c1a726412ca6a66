// Reading Kafka protocol primitives (https://kafka.apache.org/protocol#protocol_types) from one
// request. All integers are big-endian. The classic types carry int16/int32 lengths; the
// flexible ones (KIP-482) an unsigned varint of length + 1, where 0 means null. Zig-zag varints
// (varint, varlong) appear only inside records; they come from src/log/varint.ts.
//
// A reader never reads past its end and never throws anything but a TributaryError
// INVALID_REQUEST naming the field and byte position: a short or malformed request is the
// client's fault, and the connection handler closes that connection only.

import { TributaryError } from "../../model/errors.ts";
import { type Cursor, readVarint, readVarlong } from "../../log/varint.ts";

/** What an unsigned varint may hold here: a uint32, at most 5 bytes. */
export const UNSIGNED_VARINT_BYTES_MAX = 5;
/** Elements an array may declare: each needs at least one byte, so the count is bounded too. */
const ARRAY_LENGTH_MAX = 0x7fff_ffff;

const utf8 = new TextDecoder("utf-8", { fatal: true });

export interface TaggedField {
  tag: number;
  data: Uint8Array;
}

export class KafkaReader {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  #pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, pos = 0, end = bytes.length) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = pos;
    this.end = end;
  }

  get pos(): number {
    return this.#pos;
  }

  remaining(): number {
    return this.end - this.#pos;
  }

  #need(bytes: number, field: string): number {
    if (this.end - this.#pos < bytes) {
      throw bad(
        `${field} at byte ${this.#pos} needs ${bytes} bytes, ${this.end - this.#pos} left`,
      );
    }
    const at = this.#pos;
    this.#pos += bytes;
    return at;
  }

  int8(field = "int8"): number {
    return this.#view.getInt8(this.#need(1, field));
  }

  bool(field = "boolean"): boolean {
    const v = this.bytes[this.#need(1, field)];
    if (v > 1) throw bad(`${field} at byte ${this.#pos - 1} is ${v}, not 0 or 1`);
    return v === 1;
  }

  int16(field = "int16"): number {
    return this.#view.getInt16(this.#need(2, field));
  }

  int32(field = "int32"): number {
    return this.#view.getInt32(this.#need(4, field));
  }

  uint32(field = "uint32"): number {
    return this.#view.getUint32(this.#need(4, field));
  }

  /** An int64 as a number; beyond 2^53 it would be inexact, so it is refused. */
  int64(field = "int64"): number {
    const at = this.#need(8, field);
    const v = this.#view.getBigInt64(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      // Long.MAX_VALUE / MIN_VALUE are sentinels some clients send ("no limit"): keep them
      // recognisable as the largest / smallest numbers rather than refusing the request.
      if (v === 0x7fff_ffff_ffff_ffffn) return Number.MAX_SAFE_INTEGER;
      if (v === -0x8000_0000_0000_0000n) return Number.MIN_SAFE_INTEGER;
      throw bad(`${field} at byte ${at} is ${v}, beyond what this broker represents exactly`);
    }
    return Number(v);
  }

  float64(field = "float64"): number {
    return this.#view.getFloat64(this.#need(8, field));
  }

  /** A uint32 in 7-bit groups, least significant first (KIP-482 lengths and tags). */
  unsignedVarint(field = "unsigned varint"): number {
    const start = this.#pos;
    let value = 0;
    for (let i = 0; i < UNSIGNED_VARINT_BYTES_MAX; i++) {
      const b = this.bytes[this.#need(1, field)];
      if (i === UNSIGNED_VARINT_BYTES_MAX - 1 && b > 0x0f) {
        throw bad(`${field} at byte ${start} does not fit 32 bits`);
      }
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return value;
    }
    throw bad(`${field} at byte ${start} is longer than ${UNSIGNED_VARINT_BYTES_MAX} bytes`);
  }

  /** Zig-zag int32 (records). */
  varint(field = "varint"): number {
    return this.#zigzag(field, readVarint);
  }

  /** Zig-zag int64 (records), exact to 2^53. */
  varlong(field = "varlong"): number {
    return this.#zigzag(field, readVarlong);
  }

  #zigzag(field: string, read: (bytes: Uint8Array, cursor: Cursor) => number): number {
    const cursor = { pos: this.#pos, end: this.end };
    try {
      const v = read(this.bytes, cursor);
      this.#pos = cursor.pos;
      return v;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw bad(`${field} at byte ${this.#pos}: ${why}`);
    }
  }

  uuid(field = "uuid"): Uint8Array {
    const at = this.#need(16, field);
    return this.bytes.slice(at, at + 16);
  }

  /** int16 length, then UTF-8; -1 is null. */
  nullableString(field = "string"): string | null {
    const length = this.int16(field);
    if (length === -1) return null;
    if (length < 0) throw bad(`${field} at byte ${this.#pos - 2} has length ${length}`);
    return this.#text(length, field);
  }

  string(field = "string"): string {
    const s = this.nullableString(field);
    if (s === null) throw bad(`${field} at byte ${this.#pos - 2} is null`);
    return s;
  }

  /** Unsigned varint length + 1, then UTF-8; 0 is null. */
  compactNullableString(field = "compact string"): string | null {
    const n = this.unsignedVarint(field);
    return n === 0 ? null : this.#text(n - 1, field);
  }

  compactString(field = "compact string"): string {
    const s = this.compactNullableString(field);
    if (s === null) throw bad(`${field} at byte ${this.#pos - 1} is null`);
    return s;
  }

  /** int32 length, then bytes; -1 is null. The result is a view into the request. */
  nullableBytes(field = "bytes"): Uint8Array | null {
    const length = this.int32(field);
    if (length === -1) return null;
    if (length < 0) throw bad(`${field} at byte ${this.#pos - 4} has length ${length}`);
    const at = this.#need(length, field);
    return this.bytes.subarray(at, at + length);
  }

  bytesField(field = "bytes"): Uint8Array {
    const b = this.nullableBytes(field);
    if (b === null) throw bad(`${field} at byte ${this.#pos - 4} is null`);
    return b;
  }

  compactNullableBytes(field = "compact bytes"): Uint8Array | null {
    const n = this.unsignedVarint(field);
    if (n === 0) return null;
    const at = this.#need(n - 1, field);
    return this.bytes.subarray(at, at + n - 1);
  }

  compactBytes(field = "compact bytes"): Uint8Array {
    const b = this.compactNullableBytes(field);
    if (b === null) throw bad(`${field} at byte ${this.#pos - 1} is null`);
    return b;
  }

  /** The element count of an int32-counted array; -1 is null. */
  arrayLength(field = "array"): number | null {
    const n = this.int32(field);
    if (n === -1) return null;
    if (n < 0) throw bad(`${field} at byte ${this.#pos - 4} has length ${n}`);
    return this.#checkCount(n, field);
  }

  /** The element count of a compact array (unsigned varint count + 1; 0 is null). */
  compactArrayLength(field = "compact array"): number | null {
    const n = this.unsignedVarint(field);
    return n === 0 ? null : this.#checkCount(n - 1, field);
  }

  /** Reads an array (compact when flexible) of elements; null stays null. */
  array<T>(flexible: boolean, field: string, read: (r: KafkaReader) => T): T[] | null {
    const n = flexible ? this.compactArrayLength(field) : this.arrayLength(field);
    if (n === null) return null;
    const out: T[] = [];
    // Bounded: #checkCount limited n to the bytes left, and each element reads at least one.
    for (let i = 0; i < n; i++) out.push(read(this));
    return out;
  }

  /** A tagged-field section: count, then (tag, size, bytes) each, tags strictly ascending. */
  taggedFields(field = "tagged fields"): TaggedField[] {
    const count = this.#checkCount(this.unsignedVarint(field), field);
    const out: TaggedField[] = [];
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.unsignedVarint(`${field} tag`);
      if (tag <= previous) throw bad(`${field}: tag ${tag} after ${previous} at byte ${this.#pos}`);
      previous = tag;
      const size = this.unsignedVarint(`${field} size`);
      const at = this.#need(size, `${field} ${tag}`);
      out.push({ tag, data: this.bytes.subarray(at, at + size) });
    }
    return out;
  }

  /** Fails unless the whole request was read: trailing bytes mean the grammar was wrong. */
  expectEnd(what: string): void {
    if (this.#pos !== this.end) {
      throw bad(`${what}: ${this.end - this.#pos} bytes left over at byte ${this.#pos}`);
    }
  }

  #checkCount(n: number, field: string): number {
    if (n > ARRAY_LENGTH_MAX || n > this.end - this.#pos) {
      throw bad(
        `${field} at byte ${this.#pos} declares ${n} elements, ${this.remaining()} bytes left`,
      );
    }
    return n;
  }

  #text(length: number, field: string): string {
    const at = this.#need(length, field);
    try {
      return utf8.decode(this.bytes.subarray(at, at + length));
    } catch {
      throw bad(`${field} at byte ${at} is not valid UTF-8`);
    }
  }
}

function bad(message: string): TributaryError {
  return new TributaryError("INVALID_REQUEST", message);
}
