// Fetched record batches turned into the JSON (or CBOR) records of the HTTP API.
//
// A fetch returns whole batches, so the first may start below the requested offset: those
// records are skipped. Control batches (transaction markers) are not user records and are
// skipped too. At most recordsMax records are returned. Headers become an object, so of
// repeated header names the last one wins.

import { Attribute } from "../log/batch-header.ts";
import { batchesIn, decodeRecords, decodeRecordsAsync, lastOffsetOf } from "../log/record-batch.ts";
import type { DecodedRecord } from "../log/record-batch.ts";
import { outputBytes, outputHeaderValue } from "./codec.ts";
import type { OutputEncoding } from "./codec.ts";

export interface HttpRecord {
  offset: number;
  timestamp: number;
  key: unknown;
  value: unknown;
  headers: Record<string, unknown>;
}

export interface RecordsPage {
  records: HttpRecord[];
  /** The offset to fetch next: last returned + 1, or fromOffset when nothing was returned. */
  nextOffset: number;
}

export async function recordsFromBatches(
  bytes: Uint8Array,
  fromOffset: number,
  recordsMax: number,
  encoding: OutputEncoding,
): Promise<RecordsPage> {
  const records: HttpRecord[] = [];
  let nextOffset = fromOffset;
  for (const { position, header } of batchesIn(bytes)) {
    if (records.length >= recordsMax) break;
    if ((header.attributes & Attribute.control) !== 0) {
      // Markers still occupy offsets: moving past them keeps nextOffset advancing.
      nextOffset = Math.max(nextOffset, lastOffsetOf(header) + 1);
      continue;
    }
    const compressed = (header.attributes & Attribute.compressionMask) !== 0;
    const decoded = compressed
      ? await decodeRecordsAsync(bytes, position)
      : decodeRecords(bytes, position);
    let taken = 0;
    for (const record of decoded) {
      if (record.offset >= fromOffset) {
        if (records.length >= recordsMax) break;
        records.push(toHttpRecord(record, encoding));
        nextOffset = record.offset + 1;
      }
      taken++;
    }
    // A compacted batch may end in removed records: step past the whole batch once consumed,
    // or a reader would fetch the same batch forever.
    if (taken === decoded.length) nextOffset = Math.max(nextOffset, lastOffsetOf(header) + 1);
  }
  return { records, nextOffset };
}

export function toHttpRecord(record: DecodedRecord, encoding: OutputEncoding): HttpRecord {
  // fromEntries defines own properties, so a header named "__proto__" stays a plain header.
  const headers = Object.fromEntries(
    record.headers.map((h) => [h.key, outputHeaderValue(h.value, encoding)]),
  );
  return {
    offset: record.offset,
    timestamp: record.timestamp,
    key: outputBytes(record.key, encoding),
    value: outputBytes(record.value, encoding),
    headers,
  };
}
