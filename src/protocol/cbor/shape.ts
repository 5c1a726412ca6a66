// Checks that a decoded CBOR value has the shape a message promises, and narrows its type.
//
// Decoded input is untrusted: every field is checked for type and range before a handler sees
// it, unknown fields are ignored (a newer peer may send more), and failures name the field so
// the peer learns what it got wrong. Requests fail with INVALID_REQUEST; malformed responses
// (a server bug or a foreign server) fail with UNKNOWN_SERVER_ERROR.

import { type ErrorCodeName, TributaryError } from "../../model/errors.ts";

export type CborMap = Record<string, unknown>;

/** Bounds every validator enforces, so a small frame cannot make the server do much work. */
export const MESSAGE_LIMITS = {
  /** Entries in any list (topics, partitions, configs). */
  listLengthMax: 10_000,
  /** Characters in any text field. */
  textLengthMax: 32_768,
  /** Longest a Fetch may ask to wait; longer requests are INVALID_REQUEST. */
  fetchWaitMsMax: 300_000,
  /** Longest a Produce may ask acks=all to wait. */
  produceTimeoutMsMax: 300_000,
} as const;

/** Kafka's int32 fields (counts, timeouts, epochs) carry at most this. */
export const INT32_MAX = 0x7fff_ffff;
/** Offsets, ids and timestamps carry at most this (beyond it a number is not exact). */
export const SAFE_INT_MAX = Number.MAX_SAFE_INTEGER;
const SAFE = SAFE_INT_MAX;
/** Partition numbers are Kafka's int32, and never negative. */
export const PARTITION_MAX = INT32_MAX;

export class Shape {
  readonly #code: ErrorCodeName;
  readonly #what: string;
  readonly #listLengthMax: number;

  constructor(
    code: ErrorCodeName,
    what: string,
    listLengthMax: number = MESSAGE_LIMITS.listLengthMax,
  ) {
    this.#code = code;
    this.#what = what;
    this.#listLengthMax = listLengthMax;
  }

  fail(path: string, expected: string): never {
    throw new TributaryError(this.#code, `${this.#what}: ${path} must be ${expected}`);
  }

  map(value: unknown, path: string): CborMap {
    if (!isPlainMap(value)) this.fail(path, "a map");
    return value;
  }

  /** An integer field (a CBOR integer, never a float or a tag) within [min, max]. */
  int(m: CborMap, key: string, path: string, min: number, max: number): number {
    const value = toSafeInteger(m[key]);
    if (value === undefined || value < min || value > max) {
      this.fail(`${path}.${key}`, `an integer in [${min}, ${max}]`);
    }
    return value;
  }

  /** An integer list item (or any integer not held in a map field), as int() checks it. */
  intValue(value: unknown, path: string, min: number, max: number): number {
    const n = toSafeInteger(value);
    if (n === undefined || n < min || n > max) this.fail(path, `an integer in [${min}, ${max}]`);
    return n;
  }

  /** A partition number: never negative in a request or a response. */
  partition(m: CborMap, key: string, path: string): number {
    return this.int(m, key, path, 0, PARTITION_MAX);
  }

  /** Any safe integer (responses carry offsets and ids the client takes as they come). */
  safeInt(m: CborMap, key: string, path: string): number {
    return this.int(m, key, path, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }

  optInt(m: CborMap, key: string, path: string, min: number, max: number): number | undefined {
    return m[key] === undefined || m[key] === null ? undefined : this.int(m, key, path, min, max);
  }

  text(m: CborMap, key: string, path: string): string {
    return this.textValue(m[key], `${path}.${key}`);
  }

  textValue(value: unknown, path: string): string {
    if (typeof value !== "string" || value.length > MESSAGE_LIMITS.textLengthMax) {
      this.fail(path, `a text string of at most ${MESSAGE_LIMITS.textLengthMax} characters`);
    }
    return value;
  }

  optText(m: CborMap, key: string, path: string): string | undefined {
    return m[key] === undefined || m[key] === null ? undefined : this.text(m, key, path);
  }

  bool(m: CborMap, key: string, path: string): boolean {
    const value = m[key];
    if (typeof value !== "boolean") this.fail(`${path}.${key}`, "a boolean");
    return value;
  }

  optBool(m: CborMap, key: string, path: string): boolean | undefined {
    return m[key] === undefined || m[key] === null ? undefined : this.bool(m, key, path);
  }

  /** A byte string as a plain Uint8Array view (no copy; some decoders hand out subclasses). */
  bytes(m: CborMap, key: string, path: string): Uint8Array {
    return this.bytesValue(m[key], `${path}.${key}`);
  }

  /** A byte string list item (or any byte string not held in a map field), as bytes() checks it. */
  bytesValue(value: unknown, path: string): Uint8Array {
    if (!(value instanceof Uint8Array)) this.fail(path, "a byte string");
    if (value.constructor === Uint8Array) return value;
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  list<T>(
    m: CborMap,
    key: string,
    path: string,
    each: (item: unknown, path: string) => T,
    lengthMax: number = this.#listLengthMax,
  ): T[] {
    return this.listValue(m[key], `${path}.${key}`, each, lengthMax);
  }

  listValue<T>(
    value: unknown,
    path: string,
    each: (item: unknown, path: string) => T,
    lengthMax: number = this.#listLengthMax,
  ): T[] {
    if (!Array.isArray(value) || value.length > lengthMax) {
      this.fail(path, `an array of at most ${lengthMax} items`);
    }
    const out = new Array<T>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = each(value[i], `${path}[${i}]`);
    return out;
  }

  intList(m: CborMap, key: string, path: string): number[] {
    return this.list(m, key, path, (item, itemPath) => this.intValue(item, itemPath, -SAFE, SAFE));
  }

  /** A map of text to text, e.g. topic configs. */
  textMap(m: CborMap, key: string, path: string): Record<string, string> {
    const value = this.map(m[key], `${path}.${key}`);
    const entries = Object.entries(value);
    if (entries.length > this.#listLengthMax) {
      this.fail(`${path}.${key}`, `a map of at most ${this.#listLengthMax} entries`);
    }
    const out: Record<string, string> = {};
    for (const [k, v] of entries) out[k] = this.textValue(v, `${path}.${key}.${k}`);
    return out;
  }

  nullable<T>(m: CborMap, key: string, read: (value: unknown) => T): T | null {
    const value = m[key];
    return value === undefined || value === null ? null : read(value);
  }
}

/** A request body without fields (ListTopics, ListGroups): any map will do. */
export function emptyRequestBody(body: unknown, what: string): Record<string, never> {
  new Shape("INVALID_REQUEST", what).map(body, "body");
  return {};
}

/** A request body holding only a list of names under key (DeleteTopics, DeleteGroups, ...). */
export function requestNameList(body: unknown, what: string, key: string): string[] {
  const shape = new Shape("INVALID_REQUEST", what);
  const m = shape.map(body, "body");
  return shape.list(m, key, "body", (t, path) => shape.textValue(t, path));
}

export function isPlainMap(value: unknown): value is CborMap {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The integer a decoded value holds, or undefined. The one integer check of the protocol: the
 * decoder (cbor-decode.ts) yields a number only for CBOR integers (major types 0 and 1) within
 * 2^53 - 1, so floats (even 1.0), tags (bignums 2 and 3 included) and larger integers (bigints)
 * are not integers here.
 */
export function toSafeInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : undefined;
}
