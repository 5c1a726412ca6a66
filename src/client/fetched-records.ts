// Record batches from a Fetch response, as the records a consumer hands out. A fetch returns
// whole batches, so the first one may start before the offset asked for: those records are
// skipped. Control batches (transaction markers) are never shown to users.

import { Attribute } from "../log/batch-header.ts";
import { batchesIn, decodeRecords, decodeRecordsAsync, lastOffsetOf } from "../log/record-batch.ts";
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
  for (const { position, header } of batchesIn(bytes)) {
    const last = lastOffsetOf(header);
    if (last < fromOffset) continue;
    nextOffset = Math.max(nextOffset, last + 1);
    if ((header.attributes & Attribute.control) !== 0) continue;
    const compressed = (header.attributes & Attribute.compressionMask) !== 0;
    const decoded = compressed
      ? await decodeRecordsAsync(bytes, position)
      : decodeRecords(bytes, position);
    const { topic, partition } = tp;
    for (let i = 0; i < decoded.length; i++) {
      const r = decoded[i];
      if (r.offset < fromOffset) continue;
      // Fields spelled out: an object spread per record was the consumer's top cost.
      records.push({
        topic,
        partition,
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key,
        value: r.value,
        headers: r.headers,
      });
    }
  }
  return { records, nextOffset };
}
