// Reads the fields of one metadata record out of a decoded CBOR map (or out of a record about to
// be encoded) and refuses anything out of shape with one typed error: CORRUPT_MESSAGE when the
// bytes came from a log, INVALID_RECORD when a writer handed us the record. The same reader runs
// both ways, so a record that encodes always decodes, and the encoded map always lists its fields
// in the order the reader asks for them (golden bytes stay stable whatever order the caller used).
import { type ErrorCodeName, TributaryError } from "../model/errors.ts";

/** Kafka's int32 fields (broker ids, partitions, epochs) stay within it here too. */
export const INT32_MAX = 2 ** 31 - 1;
/** Names, hosts, racks, ids: far above any real one, and a bound on what a record can carry. */
export const RECORD_TEXT_CHARS_MAX = 255;
/** Replicas of one partition; Kafka has no limit, but a record must have one. */
export const REPLICAS_MAX = 128;
/** Listeners of one broker (cbor, http, kafka, controller, ... with room to spare). */
export const ENDPOINTS_MAX = 16;

export type RecordErrorCode = Extract<ErrorCodeName, "CORRUPT_MESSAGE" | "INVALID_RECORD">;

export class RecordFields {
  readonly #value: Record<string, unknown>;
  readonly #type: string;
  readonly #code: RecordErrorCode;

  constructor(value: Record<string, unknown>, type: string, code: RecordErrorCode) {
    this.#value = value;
    this.#type = type;
    this.#code = code;
  }

  fail(why: string): never {
    throw new TributaryError(this.#code, `metadata record ${this.#type}: ${why}`);
  }

  has(name: string): boolean {
    return this.#value[name] !== undefined;
  }

  /** Present and null (a missing field is undefined, never null). */
  isNull(name: string): boolean {
    return this.#value[name] === null;
  }

  /** Any string, as the records written before issue 11 were read. */
  anyStr(name: string): string {
    const x = this.#value[name];
    return typeof x === "string" ? x : this.fail(`${name} must be a string`);
  }

  /** A non-empty string of at most RECORD_TEXT_CHARS_MAX characters. */
  text(name: string): string {
    return this.textOf(this.#value[name], name);
  }

  textOf(x: unknown, name: string): string {
    if (typeof x !== "string") this.fail(`${name} must be a string`);
    if (x.length === 0 || x.length > RECORD_TEXT_CHARS_MAX) {
      this.fail(`${name} must have 1 to ${RECORD_TEXT_CHARS_MAX} characters`);
    }
    return x;
  }

  bool(name: string): boolean {
    const x = this.#value[name];
    return typeof x === "boolean" ? x : this.fail(`${name} must be a boolean`);
  }

  /** Any safe integer, as the records written before issue 11 were read. */
  anyInt(name: string): number {
    return this.intOf(this.#value[name], name, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }

  int(name: string, min: number, max: number): number {
    return this.intOf(this.#value[name], name, min, max);
  }

  intOf(x: unknown, name: string, min: number, max: number): number {
    if (!Number.isSafeInteger(x)) this.fail(`${name} must be an integer`);
    const n = x as number;
    if (n < min || n > max) this.fail(`${name} must be in [${min}, ${max}], got ${n}`);
    return n;
  }

  anyIntList(name: string): number[] {
    const x = this.#value[name];
    if (!Array.isArray(x)) this.fail(`${name} must be a list of integers`);
    return x.map((item) =>
      this.intOf(item, name, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
    );
  }

  /** Distinct broker ids, 1 to REPLICAS_MAX of them, in the order given (order is meaningful). */
  brokerIds(name: string): number[] {
    const x = this.#value[name];
    if (!Array.isArray(x)) this.fail(`${name} must be a list of broker ids`);
    if (x.length === 0 || x.length > REPLICAS_MAX) {
      this.fail(`${name} must list 1 to ${REPLICAS_MAX} brokers`);
    }
    const ids = x.map((item) => this.intOf(item, name, 0, INT32_MAX));
    if (new Set(ids).size !== ids.length) this.fail(`${name} lists a broker twice`);
    return ids;
  }

  /** Like brokerIds, but the list may be empty. */
  optionalBrokerIds(name: string): number[] {
    const x = this.#value[name];
    if (Array.isArray(x) && x.length === 0) return [];
    return this.brokerIds(name);
  }

  list(name: string, max: number): unknown[] {
    const x = this.#value[name];
    if (!Array.isArray(x)) this.fail(`${name} must be a list`);
    if (x.length === 0 || x.length > max) this.fail(`${name} must have 1 to ${max} entries`);
    return x;
  }
}

/** The map a record decodes to, or a failure for anything else. */
export function asMap(x: unknown, code: RecordErrorCode): Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x) || x instanceof Uint8Array) {
    throw new TributaryError(code, "metadata record: not a map");
  }
  return x as Record<string, unknown>;
}
