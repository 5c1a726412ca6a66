// The produce request body of the HTTP API, turned into record batches per partition.
//
//   { "records": [ { "key"?, "value", "headers"?: {name: value}, "partition"?, "timestamp"? } ],
//     "encoding"?: "utf8" | "base64" }
//
// Partition choice, in order: an explicit `partition`; murmur2 of the key, as Kafka's default
// partitioner; otherwise one random partition shared by all unkeyed records of the request
// (sticky batching: they travel as one batch).

import type { Random } from "../../runtime/types.ts";
import { TributaryError } from "../model/errors.ts";
import { partitionForKey } from "../model/partitioner.ts";
import type { RecordHeader, RecordInput } from "../log/record-batch.ts";
import { INPUT_ENCODINGS, inputBytes } from "./codec.ts";
import type { InputEncoding } from "./codec.ts";
import { invalid, isPlainObject, optionalInteger, rejectUnknownFields } from "./validate.ts";
import { requireObject } from "./validate.ts";

export const PRODUCE_RECORDS_MAX = 100_000;
const HEADERS_PER_RECORD_MAX = 1_000;
const RECORD_FIELDS = ["key", "value", "headers", "partition", "timestamp"] as const;
const PARTITION_MAX = 0x7fff_ffff;

export interface ProduceRecord extends RecordInput {
  partition: number | undefined;
}

export function parseProduceBody(body: unknown, nowMs: number): ProduceRecord[] {
  const obj = requireObject(body, "body");
  rejectUnknownFields(obj, ["records", "encoding"], "body");
  const encoding = encodingOf(obj.encoding);
  const list = obj.records;
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid("records must be a non-empty array");
  }
  if (list.length > PRODUCE_RECORDS_MAX) {
    throw invalid(`records may hold at most ${PRODUCE_RECORDS_MAX} entries`);
  }
  return list.map((item, i) => parseRecord(item, `records[${i}]`, encoding, nowMs));
}

function encodingOf(value: unknown): InputEncoding {
  if (value === undefined || value === null) return "utf8";
  if (typeof value === "string" && (INPUT_ENCODINGS as readonly string[]).includes(value)) {
    return value as InputEncoding;
  }
  throw invalid(`encoding must be one of ${INPUT_ENCODINGS.join(", ")}`);
}

function parseRecord(
  item: unknown,
  field: string,
  encoding: InputEncoding,
  nowMs: number,
): ProduceRecord {
  const rec = requireObject(item, field);
  rejectUnknownFields(rec, RECORD_FIELDS, field);
  if (!Object.hasOwn(rec, "value")) {
    throw invalid(`${field}.value is required (null for a tombstone)`);
  }
  const key = rec.key === undefined ? null : inputBytes(rec.key, encoding, `${field}.key`);
  const partition = optionalInteger(rec.partition, `${field}.partition`, {
    min: 0,
    max: PARTITION_MAX,
  });
  const timestamp = optionalInteger(rec.timestamp, `${field}.timestamp`, {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
  });
  return {
    key,
    value: inputBytes(rec.value, encoding, `${field}.value`),
    headers: headersOf(rec.headers, encoding, `${field}.headers`),
    timestamp: timestamp ?? nowMs,
    partition,
  };
}

function headersOf(value: unknown, encoding: InputEncoding, field: string): RecordHeader[] {
  if (value === undefined || value === null) return [];
  if (!isPlainObject(value)) throw invalid(`${field} must be an object of name -> string`);
  const entries = Object.entries(value);
  if (entries.length > HEADERS_PER_RECORD_MAX) {
    throw invalid(`${field} may hold at most ${HEADERS_PER_RECORD_MAX} headers`);
  }
  return entries.map(([name, v]) => {
    const where = `${field}.${name}`;
    if (v !== null && typeof v !== "string" && !(v instanceof Uint8Array)) {
      throw invalid(`${where} must be a string or null`);
    }
    return { key: name, value: inputBytes(v, encoding, where) };
  });
}

/**
 * The partition of every record, in record order. Explicit partitions beyond the topic's count
 * are UNKNOWN_TOPIC_OR_PARTITION, as Kafka answers for a partition that does not exist.
 */
export function assignPartitions(
  records: readonly ProduceRecord[],
  topic: string,
  partitionCount: number,
  random: Pick<Random, "int">,
): number[] {
  let sticky: number | undefined;
  return records.map((record, i) => {
    if (record.partition !== undefined) {
      if (record.partition >= partitionCount) {
        throw new TributaryError(
          "UNKNOWN_TOPIC_OR_PARTITION",
          `records[${i}].partition ${record.partition}: topic ${topic} has ${partitionCount} partitions`,
        );
      }
      return record.partition;
    }
    if (record.key !== null) return partitionForKey(record.key, partitionCount);
    sticky ??= random.int(partitionCount);
    return sticky;
  });
}

/** Record indexes per partition, each list in record order. */
export function groupByPartition(partitions: readonly number[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  partitions.forEach((partition, index) => {
    const group = groups.get(partition);
    if (group === undefined) groups.set(partition, [index]);
    else group.push(index);
  });
  return groups;
}
