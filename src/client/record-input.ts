// What users hand the producer, turned into record bytes: strings become their UTF-8 bytes,
// Uint8Array is taken as is, null stays null; headers as an object or as a list of pairs.

import { TributaryError } from "../model/errors.ts";
import type { PendingRecord, RecordHeader } from "./accumulator.ts";

export type RecordData = Uint8Array | string | null;
export type HeadersInput = Record<string, string | Uint8Array | null> | ReadonlyArray<RecordHeader>;

export interface ProducerRecord {
  topic: string;
  key?: RecordData;
  value: RecordData;
  headers?: HeadersInput;
  /** Explicit partition; otherwise murmur2(key) for keyed records, sticky for unkeyed. */
  partition?: number;
  /** Milliseconds since the epoch; default: now. */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 when sent with acks=0 (nobody tells the producer). */
  offset: number;
}

const encoder = new TextEncoder();
const headersCountMax = 10_000;

export function toBytes(data: RecordData | undefined, what: string): Uint8Array | null {
  if (data === undefined || data === null) return null;
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  throw new TributaryError("INVALID_RECORD", `${what} must be a string, a Uint8Array or null`);
}

/** Shared by every record without headers (nothing writes to a record's header list). */
const NO_HEADERS: RecordHeader[] = Object.freeze([]) as unknown as RecordHeader[];

export function toHeaders(headers: HeadersInput | undefined): RecordHeader[] {
  if (headers === undefined) return NO_HEADERS;
  const list: RecordHeader[] = Array.isArray(headers)
    ? (headers as RecordHeader[]).map((h) => ({
      key: String(h.key),
      value: toBytes(h.value, "header value"),
    }))
    : Object.entries(headers).map(([key, value]) => ({
      key,
      value: toBytes(value, "header value"),
    }));
  if (list.length > headersCountMax) {
    throw new TributaryError(
      "INVALID_RECORD",
      `a record may carry at most ${headersCountMax} headers`,
    );
  }
  return list;
}

export function toPendingRecord(record: ProducerRecord, nowMs: number): PendingRecord {
  const timestamp = record.timestamp ?? nowMs;
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new TributaryError(
      "INVALID_TIMESTAMP",
      `timestamp must be a non-negative integer, got ${timestamp}`,
    );
  }
  return {
    key: toBytes(record.key, "key"),
    value: toBytes(record.value, "value"),
    headers: toHeaders(record.headers),
    timestamp,
  };
}
