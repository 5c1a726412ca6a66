// Record batches from a Fetch response, as the records a consumer hands out. A fetch returns
// whole batches, so the first one may start before the offset asked for: those records are
// skipped. Control batches (transaction markers) are never shown to users.

import { Attribute } from "../log/batch-header.ts";
import { batchesIn, decodeRecords, decodeRecordsAsync, lastOffsetOf } from "../log/record-batch.ts";
import type { RecordMaker } from "../log/record-read.ts";
import type { RecordHeader } from "./accumulator.ts";

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

export interface FetchedRecords {
  records: ConsumerRecord[];
  /** Where the next fetch starts: one past the last whole batch, or fromOffset when none. */
  nextOffset: number;
}

export async function recordsFrom(
  tp: TopicPartition,
  bytes: Uint8Array,
  fromOffset: number,
): Promise<FetchedRecords> {
  const records: ConsumerRecord[] = [];
  let nextOffset = fromOffset;
  const { topic, partition } = tp;
  // Uncompressed batches decode straight into ConsumerRecords: one object per record.
  const make: RecordMaker<ConsumerRecord> = (offset, timestamp, key, value, headers) => ({
    topic,
    partition,
    offset,
    timestamp,
    key,
    value,
    headers,
  });
  for (const { position, header } of batchesIn(bytes)) {
    const last = lastOffsetOf(header);
    if (last < fromOffset) continue;
    nextOffset = Math.max(nextOffset, last + 1);
    if ((header.attributes & Attribute.control) !== 0) continue;
    if ((header.attributes & Attribute.compressionMask) !== 0) {
      for (const r of await decodeRecordsAsync(bytes, position)) {
        if (r.offset >= fromOffset) {
          records.push(make(r.offset, r.timestamp, r.key, r.value, r.headers, 0));
        }
      }
      continue;
    }
    const decoded = decodeRecords(bytes, position, make);
    if (header.baseOffset >= fromOffset) {
      for (let i = 0; i < decoded.length; i++) records.push(decoded[i]);
    } else {
      for (const r of decoded) if (r.offset >= fromOffset) records.push(r);
    }
  }
  return { records, nextOffset };
}
