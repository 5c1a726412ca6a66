// One pass of a fetch: read each requested partition from its log up to the high watermark,
// within the request's byte limits. Per-partition problems (unknown partition, offset out of
// range) become that partition's `error`, never a throw, so one bad partition does not fail
// the others. Waiting for minBytes is the broker's job (delayed-fetch.ts); this only reads.
import { TributaryError } from "../model/errors.ts";
import { batchesIn } from "../log/record-batch.ts";
import type { BrokerMetrics } from "./broker-metrics.ts";
import type { Partition } from "./partition.ts";
import type { FetchPartitionRequest, FetchPartitionResult, FetchRequest } from "./types.ts";
import { FETCH_PARTITIONS_MAX } from "../model/limits.ts";

const EMPTY = new Uint8Array(0);

export interface FetchContext {
  lookup(topic: string, partition: number): Partition | undefined;
  /** In a cluster: why this broker may not serve the partition (it does not lead it), or null. */
  refusal?(topic: string, partition: number, currentLeaderEpoch?: number): TributaryError | null;
  metrics: BrokerMetrics;
}

export interface FetchPass {
  results: FetchPartitionResult[];
  /** Record bytes returned in total. */
  bytes: number;
  /** Some partition answered with an error: the fetch should not wait. */
  hasError: boolean;
}

/** Checks the request's shape; a malformed request fails as a whole. */
export function checkFetchRequest(request: FetchRequest): void {
  const { partitions, maxWaitMs, minBytes, maxBytes } = request;
  if (!Array.isArray(partitions) || partitions.length > FETCH_PARTITIONS_MAX) {
    throw new TributaryError(
      "INVALID_REQUEST",
      `a fetch names between 0 and ${FETCH_PARTITIONS_MAX} partitions`,
    );
  }
  for (const [name, value] of [["maxWaitMs", maxWaitMs], ["minBytes", minBytes]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new TributaryError("INVALID_REQUEST", `${name} must be an integer >= 0`);
    }
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new TributaryError("INVALID_FETCH_SIZE", "maxBytes must be an integer >= 0");
  }
}

export async function readFetch(request: FetchRequest, ctx: FetchContext): Promise<FetchPass> {
  const pass: FetchPass = { results: [], bytes: 0, hasError: false };
  for (const wanted of request.partitions) {
    let result: FetchPartitionResult;
    try {
      result = await readOne(wanted, request.maxBytes - pass.bytes, pass.bytes > 0, ctx);
    } catch (err) {
      result = contained(wanted, err, ctx);
    }
    pass.results.push(result);
    pass.bytes += result.records.length;
    if (result.error !== undefined) pass.hasError = true;
  }
  return pass;
}

/**
 * An invariant that failed while reading a partition takes that partition offline
 * (Partition.contain): it answers KAFKA_STORAGE_ERROR and the others in the fetch still serve.
 * Any other error fails the fetch, as before.
 */
function contained(
  wanted: FetchPartitionRequest,
  err: unknown,
  ctx: FetchContext,
): FetchPartitionResult {
  const offline = ctx.lookup(wanted.topic, wanted.partition)?.contain(err) ?? null;
  if (offline === null) throw err;
  return failed(wanted, offline.code, offline.message);
}

function failed(
  wanted: FetchPartitionRequest,
  code: string,
  message: string,
  partition?: Partition,
): FetchPartitionResult {
  return {
    topic: wanted.topic,
    partition: wanted.partition,
    error: code,
    errorMessage: message,
    highWatermark: partition?.highWatermark ?? -1,
    logStartOffset: partition?.logStartOffset ?? -1,
    records: EMPTY,
  };
}

async function readOne(
  wanted: FetchPartitionRequest,
  bytesLeft: number,
  haveData: boolean,
  ctx: FetchContext,
): Promise<FetchPartitionResult> {
  const refused = ctx.refusal?.(wanted.topic, wanted.partition, wanted.currentLeaderEpoch) ?? null;
  if (refused !== null) return failed(wanted, refused.code, refused.message);
  const p = ctx.lookup(wanted.topic, wanted.partition);
  if (p === undefined || p.closed) {
    const what = `${String(wanted.topic)}-${String(wanted.partition)}`;
    return failed(wanted, "UNKNOWN_TOPIC_OR_PARTITION", `unknown partition ${what}`);
  }
  const offline = p.offlineReason;
  if (offline !== null) return failed(wanted, offline.code, offline.message);
  const { offset, maxBytes } = wanted;
  const highWatermark = p.highWatermark;
  const logStartOffset = p.logStartOffset;
  // Past the HW but inside the log is not out of range (as in Kafka): a newly elected leader's
  // HW trails the offsets its consumers already read from the old one until its followers
  // fetch again, and OFFSET_OUT_OF_RANGE there would reset them (to earliest: a re-read).
  const logEndOffset = Math.max(p.logEndOffset, highWatermark);
  if (!Number.isSafeInteger(offset) || offset < logStartOffset || offset > logEndOffset) {
    const range = `[${logStartOffset}, ${logEndOffset}]`;
    return failed(
      wanted,
      "OFFSET_OUT_OF_RANGE",
      `offset ${offset} of ${p.name} outside ${range}`,
      p,
    );
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    return failed(wanted, "INVALID_FETCH_SIZE", `maxBytes ${maxBytes} of ${p.name}`, p);
  }
  const base = { topic: p.topic, partition: p.partition, highWatermark, logStartOffset };
  const gap = offset < highWatermark ? p.log.gapAt(offset) : null;
  if (gap !== null) {
    const range = `[${gap.fromOffset}, ${gap.toOffset})`;
    return {
      ...failed(
        wanted,
        "OFFSET_OUT_OF_RANGE",
        `offsets ${range} of ${p.name} are missing (a segment file was lost); the next valid offset is ${gap.toOffset}`,
        p,
      ),
      nextValidOffset: gap.toOffset,
    };
  }
  const budget = Math.min(maxBytes, bytesLeft);
  if (offset >= highWatermark || (haveData && budget <= 0)) return { ...base, records: EMPTY };
  let bytes: Uint8Array;
  try {
    ({ bytes } = await p.track(
      p.log.read(offset, Math.max(budget, 1), { maxOffset: highWatermark }),
    ));
  } catch (err) {
    if (err instanceof TributaryError && err.code === "OFFSET_OUT_OF_RANGE") {
      return failed(wanted, err.code, err.message, p);
    }
    // The log failed under this read: that partition answers the error, the others still serve.
    if (err instanceof TributaryError && err.code === "KAFKA_STORAGE_ERROR") {
      return failed(wanted, err.code, err.message);
    }
    if (p.closed) return failed(wanted, "UNKNOWN_TOPIC_OR_PARTITION", `${p.name} was removed`);
    throw err;
  }
  // Only the first partition with data may exceed the budget (so a big batch still moves).
  if (haveData && bytes.length > bytesLeft) return { ...base, records: EMPTY };
  let records = 0;
  for (const { header } of batchesIn(bytes)) records += header.recordCount;
  ctx.metrics.fetched(p.topic, records, bytes.length);
  return { ...base, records: bytes };
}
