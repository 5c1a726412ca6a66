// Records in `__consumer_offsets`: one operation's records as one record batch (key and value
// from encodeGroupRecord, or encodeHttpMemberRecord for an HTTP member's record; null value =
// tombstone), the load barrier, and the replay of a whole partition.
import type { FetchPartitionResult, FetchRequest } from "../broker/types.ts";
import { assert, isErrorCode, TributaryError } from "../model/errors.ts";
import { decodeGroupRecord, encodeGroupRecord, type GroupRecord } from "../group/mod.ts";
import { Attribute } from "../log/batch-header.ts";
import {
  batchesIn,
  decodeRecords,
  decodeRecordsAsync,
  encodeBatch,
  lastOffsetOf,
} from "../log/record-batch.ts";
import { CONSUMER_OFFSETS_TOPIC } from "./offsets-topic.ts";
import {
  decodeHttpMemberRecord,
  encodeHttpMemberRecord,
  type HttpMemberLogRecord,
} from "./http-member-record.ts";

/** What a coordinator writes to and replays from `__consumer_offsets`. */
export type OffsetsLogRecord = GroupRecord | HttpMemberLogRecord;

export function isHttpMemberLogRecord(r: OffsetsLogRecord): r is HttpMemberLogRecord {
  return r.type === "HttpMember" || r.type === "HttpMemberTombstone";
}

/** Bytes asked for per fetch while loading; a larger batch still comes back whole. */
const LOAD_FETCH_BYTES = 1024 * 1024;

export function encodeGroupBatch(records: readonly OffsetsLogRecord[], nowMs: number): Uint8Array {
  assert(records.length > 0, "a group batch needs records");
  return encodeBatch({
    records: records.map((record) => {
      const { key, value } = isHttpMemberLogRecord(record)
        ? encodeHttpMemberRecord(record)
        : encodeGroupRecord(record);
      return { key, value, timestamp: nowMs };
    }),
  });
}

/**
 * The record a coordinator writes under its leader epoch before it loads a partition: once it
 * is acknowledged (acks=all), everything before it is committed, so reading up to the high
 * watermark sees every record a previous leader acknowledged. It is a tombstone of the group
 * metadata of the empty group id, which no group can have (INVALID_GROUP_ID): replay ignores
 * it, any reader of the topic can decode it, and compaction drops it like any tombstone.
 */
export const LOAD_BARRIER_RECORD: GroupRecord = Object.freeze({
  type: "Tombstone",
  key: Object.freeze({ type: "GroupMetadata", groupId: "" }),
});

export function encodeBarrierBatch(nowMs: number): Uint8Array {
  return encodeGroupBatch([LOAD_BARRIER_RECORD], nowMs);
}

export interface OffsetsLogReader {
  fetch(request: FetchRequest): Promise<FetchPartitionResult[]>;
  partitionOffsets(
    topic: string,
    partition: number,
  ): { logStartOffset: number; highWatermark: number } | undefined;
}

/**
 * Reads one partition from its start to the high watermark seen on entry and hands every
 * group record to `replay`, in log order. Returns the offset it stopped at. With
 * `endOffsetMin` (the end of the load barrier) a high watermark below it is
 * COORDINATOR_LOAD_IN_PROGRESS: the replay would miss acknowledged records.
 */
export async function replayOffsetsPartition(
  broker: OffsetsLogReader,
  partition: number,
  replay: (record: OffsetsLogRecord) => void,
  options: { endOffsetMin?: number } = {},
): Promise<number> {
  const bounds = broker.partitionOffsets(CONSUMER_OFFSETS_TOPIC, partition);
  if (bounds === undefined) {
    throw new TributaryError(
      "COORDINATOR_NOT_AVAILABLE",
      `${CONSUMER_OFFSETS_TOPIC}-${partition} does not exist`,
    );
  }
  if (bounds.highWatermark < (options.endOffsetMin ?? 0)) {
    throw new TributaryError(
      "COORDINATOR_LOAD_IN_PROGRESS",
      `${CONSUMER_OFFSETS_TOPIC}-${partition}: high watermark ${bounds.highWatermark} is below ` +
        `the load barrier's end ${options.endOffsetMin}`,
    );
  }
  let offset = bounds.logStartOffset;
  const end = bounds.highWatermark;
  // Every round moves offset forward by at least one record, so this ends by end - start.
  while (offset < end) {
    const bytes = await fetchFrom(broker, partition, offset);
    const next = await replayBatches(bytes, offset, end, replay);
    if (next <= offset) {
      throw new TributaryError(
        "KAFKA_STORAGE_ERROR",
        `${CONSUMER_OFFSETS_TOPIC}-${partition}: no data at ${offset} below ${end}`,
      );
    }
    offset = next;
  }
  return offset;
}

async function fetchFrom(
  broker: OffsetsLogReader,
  partition: number,
  offset: number,
): Promise<Uint8Array> {
  const [result] = await broker.fetch({
    partitions: [{ topic: CONSUMER_OFFSETS_TOPIC, partition, offset, maxBytes: LOAD_FETCH_BYTES }],
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: LOAD_FETCH_BYTES,
  });
  if (result.error !== undefined) {
    const code = isErrorCode(result.error) ? result.error : "UNKNOWN_SERVER_ERROR";
    throw new TributaryError(code, result.errorMessage ?? result.error);
  }
  return result.records;
}

/** Replays the records at or after `from` (and below `end`); returns the next offset to read. */
async function replayBatches(
  bytes: Uint8Array,
  from: number,
  end: number,
  replay: (record: OffsetsLogRecord) => void,
): Promise<number> {
  let next = from;
  for (const { position, header } of batchesIn(bytes)) {
    if (header.baseOffset >= end) break;
    if ((header.attributes & Attribute.control) === 0) {
      const compressed = (header.attributes & Attribute.compressionMask) !== 0;
      const records = compressed
        ? await decodeRecordsAsync(bytes, position)
        : decodeRecords(bytes, position);
      for (const r of records) {
        if (r.offset < from || r.offset >= end) continue;
        if (r.key === null) {
          throw new TributaryError("CORRUPT_MESSAGE", `group record at ${r.offset} has no key`);
        }
        replay(decodeHttpMemberRecord(r.key, r.value) ?? decodeGroupRecord(r.key, r.value));
      }
    }
    // A compacted batch may have lost its last records: continue after the whole batch.
    next = Math.max(next, lastOffsetOf(header) + 1);
  }
  return next;
}
