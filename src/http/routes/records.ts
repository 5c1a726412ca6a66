// Produce, fetch and offset lookups for one topic or partition.

import type { Context, Hono } from "hono";
import type { BrokerApi, FetchPartitionResult, FetchRequest } from "../../broker/types.ts";
import type { Acks } from "../../model/acks.ts";
import { isErrorCode, TributaryError } from "../../model/errors.ts";
import { compressBatch, encodeBatch } from "../../log/record-batch.ts";
import { COMPRESSION_NAMES, type CompressionName } from "../../log/codecs/registry.ts";
import { OUTPUT_ENCODINGS, readBody, responseFormat } from "../codec.ts";
import { mediaType, OCTET_STREAM_TYPE } from "../media-type.ts";
import { parseRawRecord, refuseRawRecordParameters } from "../produce-raw.ts";
import type { OutputEncoding } from "../codec.ts";
import { assignPartitions, groupByPartition, parseProduceBody } from "../produce-body.ts";
import type { ProduceRecord } from "../produce-body.ts";
import { produceThere } from "../produce-forward.ts";
import { recordsFromBatches } from "../records-out.ts";
import type { HttpDeps } from "../reply.ts";
import { reply, requestSignal } from "../reply.ts";
import { invalid, parseEnumParam, parseIntegerParam, pathParam } from "../validate.ts";

const FETCH_RECORDS_MAX = 10_000;
const FETCH_RECORDS_DEFAULT = 500;
const FETCH_BYTES_MAX = 64 * 1024 * 1024;
const FETCH_BYTES_DEFAULT = 1024 * 1024;
const PARTITION_MAX = 0x7fff_ffff;

const ACKS: Record<string, Acks> = { all: -1, "-1": -1, "1": 1, "0": 0 };

/** Routes that take an application/octet-stream body (one raw record), "METHOD pattern". */
export const RAW_PRODUCE_ROUTES: ReadonlySet<string> = new Set([
  "POST /v1/topics/:topic/records",
  "POST /v1/topics/:topic/partitions/:partition/records",
]);

export function registerRecordRoutes(app: Hono, deps: HttpDeps): void {
  app.post("/v1/topics/:topic/records", (c) => produce(c, deps, undefined));
  app.post(
    "/v1/topics/:topic/partitions/:partition/records",
    (c) => produce(c, deps, partitionParam(c)),
  );
  app.get("/v1/topics/:topic/partitions/:partition/records", (c) => fetchRecords(c, deps));
  app.get("/v1/topics/:topic/partitions/:partition/offsets", (c) => offsets(c, deps.broker));
}

/** Produce to a topic, or with `toPartition` (the partition route) every record to that one. */
async function produce(
  c: Context,
  deps: HttpDeps,
  toPartition: number | undefined,
): Promise<Response> {
  const topic = pathParam(c.req.param(), "topic");
  const acksParam = c.req.query("acks") ?? "all";
  if (!Object.hasOwn(ACKS, acksParam)) {
    throw invalid("acks must be all, -1, 1 or 0", "INVALID_REQUIRED_ACKS");
  }
  const acks = ACKS[acksParam];
  const compressionParam = c.req.query("compression");
  const compression = compressionOf(compressionParam);
  const records = await produceRecords(c.req.raw, deps, toPartition);
  const partitionCount = await deps.broker.partitionCount(topic);
  const partitions = assignPartitions(records, topic, partitionCount, deps.random);
  const offsets = new Array<{ partition: number; offset: number }>(records.length);
  // Partitions are written concurrently; one failing fails the request, but partitions already
  // written stay written (like a Kafka produce request, it is not atomic across partitions).
  // A partition another broker leads goes there as its own partition produce (forwarding).
  const writes = [...groupByPartition(partitions)].map(async ([partition, indexes]) => {
    const part = indexes.map((i) => records[i]);
    const forwarder = deps.forwarder;
    const target = forwarder?.partitionTarget(c.req.raw, topic, partition) ?? null;
    const written = forwarder === null || target === null
      ? await produceHere(deps, { topic, partition, acks }, part, compression)
      : await produceThere(
        forwarder,
        c.req.raw,
        target,
        { topic, partition, acksParam, compressionParam },
        part,
      );
    indexes.forEach((recordIndex, i) => {
      offsets[recordIndex] = { partition, offset: written[i] };
    });
  });
  await Promise.all(writes);
  return reply(c, { offsets });
}

/** The offsets of records written to a partition this broker leads. */
async function produceHere(
  deps: HttpDeps,
  to: { topic: string; partition: number; acks: Acks },
  records: readonly ProduceRecord[],
  compression: number,
): Promise<number[]> {
  const input = { records: records.map(recordInput), compression };
  const batches = compression === 0 ? encodeBatch(input) : await compressBatch(input);
  const result = await deps.broker.produce({ ...to, batches });
  return records.map((_, i) => to.acks === 0 ? -1 : result.baseOffset + i);
}

/** The compression query parameter (default none) as an attributes codec code. */
function compressionOf(param: string | undefined): number {
  if (param === undefined) return 0;
  const code = COMPRESSION_NAMES.indexOf(param as CompressionName);
  if (code < 0) throw invalid(`compression must be one of ${COMPRESSION_NAMES.join(", ")}`);
  return code;
}

async function produceRecords(
  request: Request,
  deps: HttpDeps,
  toPartition: number | undefined,
): Promise<ProduceRecord[]> {
  const nowMs = deps.clock.nowMs();
  if (mediaType(request.headers.get("content-type")) === OCTET_STREAM_TYPE) {
    const record = await parseRawRecord(request, deps.bodyBytesMax, nowMs);
    return [{ ...record, partition: toPartition }];
  }
  refuseRawRecordParameters(request);
  const records = parseProduceBody(await readBody(request, deps.bodyBytesMax), nowMs);
  if (toPartition === undefined) return records;
  return records.map((record, i) => {
    if (record.partition !== undefined && record.partition !== toPartition) {
      throw invalid(
        `records[${i}].partition ${record.partition} differs from the path's ${toPartition}`,
      );
    }
    return { ...record, partition: toPartition };
  });
}

function recordInput(record: ProduceRecord) {
  return {
    key: record.key,
    value: record.value,
    headers: record.headers,
    timestamp: record.timestamp,
  };
}

async function fetchRecords(c: Context, deps: HttpDeps): Promise<Response> {
  const topic = pathParam(c.req.param(), "topic");
  const partition = partitionParam(c);
  const { recordsMax, bytesMax, waitMs } = fetchLimitsParam(c, deps);
  const encoding = outputEncodingParam(c);
  const offset = await offsetParam(c, deps.broker, topic, partition);
  const result = await fetchPartition(deps, {
    partitions: [{ topic, partition, offset, maxBytes: bytesMax }],
    maxWaitMs: waitMs,
    minBytes: 1,
    maxBytes: bytesMax,
    signal: requestSignal(c.req.raw, deps),
  });
  const page = await recordsFromBatches(result.records, offset, recordsMax, encoding);
  return reply(c, { ...page, highWatermark: result.highWatermark });
}

async function offsets(c: Context, broker: BrokerApi): Promise<Response> {
  const topic = pathParam(c.req.param(), "topic");
  const partition = partitionParam(c);
  const timestamp = c.req.query("timestamp");
  if (timestamp !== undefined) {
    const timestampMs = parseIntegerParam(timestamp, "timestamp", {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
    });
    const found = await broker.listOffsets(topic, partition, { timestampMs });
    return reply(c, { offset: found.offset });
  }
  const earliest = await broker.listOffsets(topic, partition, "earliest");
  const latest = await broker.listOffsets(topic, partition, "latest");
  return reply(c, { earliest: earliest.offset, latest: latest.offset });
}

export function partitionParam(c: Context): number {
  return parseIntegerParam(pathParam(c.req.param(), "partition"), "partition", {
    min: 0,
    max: PARTITION_MAX,
  });
}

/** `offset=N|earliest|latest`, default earliest; explicit offsets are checked by the broker. */
export async function offsetParam(
  c: Context,
  broker: BrokerApi,
  topic: string,
  partition: number,
): Promise<number> {
  const raw = c.req.query("offset");
  if (raw === "latest") return (await broker.listOffsets(topic, partition, "latest")).offset;
  if (raw === undefined || raw === "" || raw === "earliest") {
    return (await broker.listOffsets(topic, partition, "earliest")).offset;
  }
  return parseIntegerParam(raw, "offset", { min: 0, max: Number.MAX_SAFE_INTEGER });
}

/** `encoding`: utf8 by default, bytes by default for CBOR responses. */
export interface FetchLimits {
  recordsMax: number;
  bytesMax: number;
  waitMs: number;
}

/** maxRecords, maxBytes and timeoutMs of a records request (partition fetch or group poll). */
export function fetchLimitsParam(c: Context, deps: HttpDeps): FetchLimits {
  const recordsMax = parseIntegerParam(c.req.query("maxRecords"), "maxRecords", {
    min: 1,
    max: FETCH_RECORDS_MAX,
    default: FETCH_RECORDS_DEFAULT,
  });
  const bytesMax = parseIntegerParam(c.req.query("maxBytes"), "maxBytes", {
    min: 1,
    max: FETCH_BYTES_MAX,
    default: FETCH_BYTES_DEFAULT,
    code: "INVALID_FETCH_SIZE",
  });
  const waitMs = parseIntegerParam(c.req.query("timeoutMs"), "timeoutMs", {
    min: 0,
    max: deps.fetchWaitMsMax,
    default: 0,
  });
  return { recordsMax, bytesMax, waitMs };
}

export function outputEncodingParam(c: Context): OutputEncoding {
  const cbor = responseFormat(c.req.raw) === "cbor";
  const encoding = parseEnumParam(
    c.req.query("encoding"),
    "encoding",
    OUTPUT_ENCODINGS,
    cbor ? "bytes" : "utf8",
  );
  if (encoding === "bytes" && !cbor) {
    throw invalid("encoding=bytes needs a CBOR response (Accept: application/cbor)");
  }
  return encoding;
}

/**
 * Fetches one partition, its per-partition error thrown as a TributaryError. A wait cut short by
 * shutdown may reject (the BrokerApi allows it): that is BROKER_SHUTTING_DOWN, not a 500.
 */
export async function fetchPartition(
  deps: HttpDeps,
  request: FetchRequest,
): Promise<FetchPartitionResult> {
  let results: FetchPartitionResult[];
  try {
    results = await deps.broker.fetch(request);
  } catch (err) {
    if (deps.shutdownSignal?.aborted !== true) throw err;
    throw new TributaryError("BROKER_SHUTTING_DOWN", "the server is shutting down", { cause: err });
  }
  const [result] = results;
  if (result.error === undefined) return result;
  const code = isErrorCode(result.error) ? result.error : "UNKNOWN_SERVER_ERROR";
  throw new TributaryError(code, result.errorMessage ?? result.error);
}
