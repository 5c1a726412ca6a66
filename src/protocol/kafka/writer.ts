// Writing Kafka protocol primitives (the grammar is in reader.ts): a growable buffer that
// doubles as needed. Responses are built once per request, so simplicity wins over pooling.

import { assert } from "../../model/errors.ts";
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from "../../log/varint.ts";

const utf8 = new TextEncoder();
const INITIAL_BYTES = 256;

export class KafkaWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #pos = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.#bytes = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#bytes.buffer);
  }

  get length(): number {
    return this.#pos;
  }

  /** The bytes written so far (a view; copy it to keep it past further writes). */
  finish(): Uint8Array {
    return this.#bytes.subarray(0, this.#pos);
  }

  // Callers take the position before touching #bytes or #view: growing replaces both.
  #room(bytes: number): number {
    if (this.#pos + bytes > this.#bytes.length) {
      let size = this.#bytes.length * 2;
      while (size < this.#pos + bytes) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#bytes.subarray(0, this.#pos));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    const at = this.#pos;
    this.#pos += bytes;
    return at;
  }

  int8(v: number): this {
    const at = this.#room(1);
    this.#view.setInt8(at, v);
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    const at = this.#room(2);
    this.#view.setInt16(at, v);
    return this;
  }

  int32(v: number): this {
    const at = this.#room(4);
    this.#view.setInt32(at, v);
    return this;
  }

  uint32(v: number): this {
    const at = this.#room(4);
    this.#view.setUint32(at, v);
    return this;
  }

  int64(v: number): this {
    assert(Number.isSafeInteger(v), `int64 ${v} is not a safe integer`);
    const at = this.#room(8);
    this.#view.setBigInt64(at, BigInt(v));
    return this;
  }

  unsignedVarint(v: number): this {
    assert(Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff, `unsigned varint ${v}`);
    let rest = v;
    while (rest >= 0x80) {
      const at = this.#room(1);
      this.#bytes[at] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    const last = this.#room(1);
    this.#bytes[last] = rest;
    return this;
  }

  varint(v: number): this {
    const at = this.#room(sizeOfVarint(v));
    writeVarint(this.#bytes, at, v);
    return this;
  }

  varlong(v: number): this {
    const at = this.#room(sizeOfVarlong(v));
    writeVarlong(this.#bytes, at, v);
    return this;
  }

  uuid(v: Uint8Array): this {
    assert(v.length === 16, "a uuid is 16 bytes");
    const at = this.#room(16);
    this.#bytes.set(v, at);
    return this;
  }

  raw(v: Uint8Array): this {
    const at = this.#room(v.length);
    this.#bytes.set(v, at);
    return this;
  }

  nullableString(v: string | null): this {
    if (v === null) return this.int16(-1);
    const b = utf8.encode(v);
    assert(b.length <= 0x7fff, "string longer than 32767 bytes");
    return this.int16(b.length).raw(b);
  }

  compactNullableString(v: string | null): this {
    if (v === null) return this.unsignedVarint(0);
    const b = utf8.encode(v);
    return this.unsignedVarint(b.length + 1).raw(b);
  }

  /** A string in the classic or the compact encoding. */
  str(flexible: boolean, v: string | null): this {
    return flexible ? this.compactNullableString(v) : this.nullableString(v);
  }

  nullableBytes(v: Uint8Array | null): this {
    return v === null ? this.int32(-1) : this.int32(v.length).raw(v);
  }

  compactNullableBytes(v: Uint8Array | null): this {
    return v === null ? this.unsignedVarint(0) : this.unsignedVarint(v.length + 1).raw(v);
  }

  bytes(flexible: boolean, v: Uint8Array | null): this {
    return flexible ? this.compactNullableBytes(v) : this.nullableBytes(v);
  }

  /** An array count (null: -1, or 0 when compact). */
  arrayLength(flexible: boolean, n: number | null): this {
    if (flexible) return this.unsignedVarint(n === null ? 0 : n + 1);
    return this.int32(n === null ? -1 : n);
  }

  array<T>(flexible: boolean, items: readonly T[] | null, write: (w: this, item: T) => void): this {
    this.arrayLength(flexible, items === null ? null : items.length);
    for (const item of items ?? []) write(this, item);
    return this;
  }

  /** An empty tagged-field section, when flexible (nothing otherwise). */
  tags(flexible: boolean): this {
    return flexible ? this.unsignedVarint(0) : this;
  }
}
