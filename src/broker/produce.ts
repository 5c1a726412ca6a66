// Produce to one partition: check the producer's batches, settle idempotence, append, and
// move the high watermark. The broker never decodes records here: it reads batch headers,
// checks CRCs, walks every record's lengths (records-check.ts: what is stored must read back),
// and hands the producer's bytes to the log as they are.
//
// Ordering: for uncompressed batches everything up to log.append runs synchronously in the
// caller's turn, so produce calls for one partition reach the log in the order they were made
// (the CBOR server's pipelining relies on it), and sequence checks of pipelined batches see
// each other. A compressed batch can only be decompressed asynchronously (so can a batch the
// topic's compression.type re-encodes): its produce, and every later one for the partition
// until it is through, waits its turn in Partition.inOrder.
import { assert, TributaryError } from "../model/errors.ts";
import type { Timers } from "../../runtime/types.ts";
import { Attribute, BATCH_HEADER_BYTES, Compression } from "../log/batch-header.ts";
import { checkCompressedRecords } from "../log/batch-compress.ts";
import {
  needsRecompression,
  type ProducedBatchAt,
  type Recompressed,
  recompressProduced,
} from "./produce-recompress.ts";
import { policyCompacts } from "../log/config.ts";
import { checkRecords } from "../log/records-check.ts";
import {
  type BatchHeader,
  batchSizeAt,
  setMaxTimestampLogAppend,
  validateBatch,
} from "../log/record-batch.ts";
import type { BrokerMetrics } from "./broker-metrics.ts";
import type { Partition } from "./partition.ts";
import type { ProducedBatch, SequenceDecision } from "./producer-state.ts";
import type { ProduceRequest, ProduceResult } from "./types.ts";
import type { Acks } from "../model/acks.ts";

export interface ProduceContext {
  nowMs: () => number;
  timers: Pick<Timers, "setTimeout">;
  metrics: BrokerMetrics;
  /** In a cluster: the replica manager moves the high watermark and settles acks=all. */
  replication?: ProduceReplication;
}

/**
 * A replicated partition's produce: the leader appends, the ISR's progress moves the high
 * watermark (the replica manager), and acks=all waits for it. The leader still makes an
 * acks=all append durable before it answers (docs/replication.md).
 */
export interface ProduceReplication {
  /** Before anything is written: NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS (thrown). */
  admit(partition: Partition, acks: Acks): void;
  /** After each local append: the log end is now endOffset, `bytes` more are unreadable. */
  appended(partition: Partition, endOffset: number, bytes: number): void;
  /** acks=all: resolves once the high watermark passed lastOffset; rejects with the reason. */
  acked(partition: Partition, lastOffset: number, timeoutMs: number): Promise<void>;
}

/** acks=all without a timeout in the request waits at most this long for the ISR. */
const ACKS_ALL_WAIT_MS_DEFAULT = 30_000;

type ParsedBatch = ProducedBatchAt;

export function checkAcks(acks: unknown): asserts acks is Acks {
  if (acks !== 0 && acks !== 1 && acks !== -1) {
    throw new TributaryError(
      "INVALID_REQUIRED_ACKS",
      `acks must be 0, 1 or -1, got ${String(acks)}`,
    );
  }
}

export interface ProducedRules {
  maxMessageBytes: number;
  /** Compacted topics refuse records without a key (INVALID_RECORD), as Kafka does. */
  keyRequired: boolean;
}

/**
 * Splits request bytes into whole, valid batches a producer may send; the records of
 * uncompressed ones are checked here, compressed ones need checkCompressedRecords.
 */
export function parseProducedBatches(bytes: unknown, rules: ProducedRules): ParsedBatch[] {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new TributaryError("CORRUPT_MESSAGE", "produce request carries no record batch");
  }
  const out: ParsedBatch[] = [];
  let position = 0;
  // Every batch is at least a 61-byte header, so this runs at most bytes.length / 61 times.
  while (position < bytes.length) {
    const sizeBytes = batchSizeAt(bytes, position);
    if (sizeBytes === -1 || sizeBytes > bytes.length - position) {
      throw new TributaryError(
        "CORRUPT_MESSAGE",
        `${bytes.length - position} trailing bytes at ${position} are not a whole batch`,
      );
    }
    if (sizeBytes > rules.maxMessageBytes) {
      throw new TributaryError(
        "MESSAGE_TOO_LARGE",
        `batch of ${sizeBytes} bytes exceeds max.message.bytes ${rules.maxMessageBytes}`,
      );
    }
    const header = validateBatch(bytes, position);
    checkProducedHeader(header, position);
    if ((header.attributes & Attribute.compressionMask) === Compression.none) {
      checkRecords(bytes, position + BATCH_HEADER_BYTES, position + sizeBytes, header, {
        batchAt: position,
        keyRequired: rules.keyRequired,
      });
    }
    out.push({ position, sizeBytes, header });
    position += sizeBytes;
  }
  return out;
}

function checkProducedHeader(header: BatchHeader, position: number): void {
  if (header.recordCount < 1 || header.recordCount !== header.lastOffsetDelta + 1) {
    throw new TributaryError(
      "CORRUPT_MESSAGE",
      `batch at ${position}: recordCount ${header.recordCount} with lastOffsetDelta ` +
        `${header.lastOffsetDelta}`,
    );
  }
  // Codecs 5..7 are CORRUPT_MESSAGE in validateBatch; 1..4 are all read (log/codecs/).
  if ((header.attributes & Attribute.control) !== 0) {
    throw new TributaryError("INVALID_RECORD", `batch at ${position} is a control batch`);
  }
  if ((header.attributes & Attribute.transactional) !== 0) {
    throw new TributaryError(
      "INVALID_RECORD",
      `batch at ${position}: transactions are not supported`,
    );
  }
}

/** Takes the sequence decisions for all batches, or none of them when one is refused. */
function decideSequences(
  partition: Partition,
  batches: ParsedBatch[],
  nowMs: number,
): SequenceDecision[] {
  const decisions: SequenceDecision[] = [];
  try {
    for (const batch of batches) decisions.push(partition.producers.begin(batch.header, nowMs));
  } catch (err) {
    for (const d of decisions.reverse()) if (d.kind === "append") d.undo();
    throw err;
  }
  return decisions;
}

function concatBatches(bytes: Uint8Array, batches: ParsedBatch[]): Uint8Array {
  const total = batches.reduce((n, b) => n + b.sizeBytes, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of batches) {
    out.set(bytes.subarray(b.position, b.position + b.sizeBytes), at);
    at += b.sizeBytes;
  }
  return out;
}

/**
 * Appends the request's batches to the partition. Synchronous up to the log append (see the
 * file comment); the returned promise settles when the acks are satisfied. An invariant that
 * fails on the way takes the partition offline (Partition.contain): this request and every
 * later one to it fail with KAFKA_STORAGE_ERROR, and the other partitions keep serving.
 */
export function producePartition(
  partition: Partition,
  request: ProduceRequest,
  ctx: ProduceContext,
): Promise<ProduceResult> {
  // The asynchronous steps contain their own violations (appendFresh, finish): one more promise
  // around the result would add a turn to every produce and change the order of completions.
  try {
    return produceUncontained(partition, request, ctx);
  } catch (err) {
    throw partition.contain(err) ?? err;
  }
}

function produceUncontained(
  partition: Partition,
  request: ProduceRequest,
  ctx: ProduceContext,
): Promise<ProduceResult> {
  checkAcks(request.acks);
  partition.checkOpen();
  ctx.replication?.admit(partition, request.acks);
  const rules: ProducedRules = {
    maxMessageBytes: partition.policy.maxMessageBytes,
    keyRequired: policyCompacts(partition.log.config.cleanupPolicy),
  };
  const batches = parseProducedBatches(request.batches, rules);
  const compressed = batches.filter((b) =>
    (b.header.attributes & Attribute.compressionMask) !== Compression.none
  );
  const target = partition.policy.compression;
  const recode = target !== undefined && needsRecompression(batches, target);
  let result: Promise<ProduceResult>;
  if (compressed.length === 0 && !recode && !partition.ordering) {
    result = appendChecked(partition, request, batches, ctx);
  } else {
    let recoded: Recompressed | null = null;
    const checked = Promise.all(
      compressed.map((b) =>
        checkCompressedRecords(request.batches, b.header, {
          batchAt: b.position,
          keyRequired: rules.keyRequired,
          // The records of a batch may not expand beyond what max.message.bytes allows a batch.
          decompressedBytesMax: rules.maxMessageBytes,
        })
      ),
    ).then(async () => {
      if (!recode) return;
      recoded = await recompressProduced(request.batches, batches, target, rules.maxMessageBytes);
    });
    result = partition.track(partition.inOrder(checked, () => {
      partition.checkOpen();
      try {
        const r: Recompressed | null = recoded;
        return r === null
          ? appendChecked(partition, request, batches, ctx)
          : appendChecked(partition, { ...request, batches: r.bytes }, r.batches, ctx);
      } catch (err) {
        throw partition.contain(err) ?? err;
      }
    }));
  }
  if (request.acks !== -1 || request.timeoutMs === undefined) return result;
  return withTimeout(result, request.timeoutMs, ctx.timers, partition.name);
}

/** Everything after the checks: sequences, the append, the acks. Synchronous up to the append. */
function appendChecked(
  partition: Partition,
  request: ProduceRequest,
  batches: ParsedBatch[],
  ctx: ProduceContext,
): Promise<ProduceResult> {
  const decisions = decideSequences(partition, batches, ctx.nowMs());
  const fresh = batches.filter((_, i) => decisions[i].kind !== "duplicate");
  if (fresh.length < batches.length) {
    ctx.metrics.duplicates(partition.topic, batches.length - fresh.length);
  }
  const logAppendTimeMs = partition.policy.timestampType === "LogAppendTime" ? ctx.nowMs() : -1;
  let appended: Promise<AppendOutcome> | null = null;
  if (fresh.length > 0) {
    const bytes = fresh.length === batches.length
      ? request.batches
      : concatBatches(request.batches, fresh);
    appended = partition.track(
      appendFresh(partition, bytes, batches, decisions, request.acks, logAppendTimeMs, ctx),
    );
  }
  return finish(partition, batches, decisions, appended, request, logAppendTimeMs, ctx);
}

interface AppendOutcome {
  /** Offsets per fresh batch, in request order. */
  offsets: Array<{ baseOffset: number; lastOffset: number }>;
}

function appendFresh(
  partition: Partition,
  bytes: Uint8Array,
  batches: ParsedBatch[],
  decisions: SequenceDecision[],
  acks: Acks,
  logAppendTimeMs: number,
  ctx: ProduceContext,
): Promise<AppendOutcome> {
  const fresh = batches.filter((_, i) => decisions[i].kind !== "duplicate");
  const forget = (err: unknown) => {
    decisions.forEach((d, i) => {
      if (d.kind === "append") partition.producers.fail(batches[i].header.producerId, d.batch, err);
    });
  };
  let pending: Promise<{ baseOffset: number; lastOffset: number }>;
  try {
    if (logAppendTimeMs >= 0) stampLogAppendTime(bytes, logAppendTimeMs);
    pending = partition.log.append(bytes, {
      durable: acks === -1,
      leaderEpoch: partition.leaderEpoch,
      // parseProducedBatches checked every CRC; LogAppendTime stamping re-sealed them.
      crcVerified: true,
    });
  } catch (err) {
    forget(err);
    return Promise.reject(err);
  }
  return pending.then(
    (result) => {
      try {
        return recordAppended(partition, result, bytes, fresh, decisions, ctx);
      } catch (err) {
        throw partition.contain(err) ?? err;
      }
    },
    (err: unknown) => {
      forget(err);
      throw partition.contain(err) ?? err;
    },
  );
}

/** The log took the fresh batches at result: producer state, high watermark, metrics. */
function recordAppended(
  partition: Partition,
  result: { baseOffset: number; lastOffset: number },
  bytes: Uint8Array,
  fresh: ParsedBatch[],
  decisions: SequenceDecision[],
  ctx: ProduceContext,
): AppendOutcome {
  const offsets = assignOffsets(result.baseOffset, fresh);
  assert(
    offsets[offsets.length - 1].lastOffset === result.lastOffset,
    `${partition.name}: log assigned ${result.baseOffset}..${result.lastOffset} to ${fresh.length} batches`,
  );
  let f = 0;
  for (const d of decisions) {
    if (d.kind === "duplicate") continue;
    const { baseOffset, lastOffset } = offsets[f++];
    if (d.kind === "append") partition.producers.complete(d.batch, baseOffset, lastOffset);
  }
  if (ctx.replication === undefined) {
    partition.setHighWatermark(result.lastOffset + 1, bytes.length);
  } else ctx.replication.appended(partition, result.lastOffset + 1, bytes.length);
  const records = fresh.reduce((n, b) => n + b.header.recordCount, 0);
  ctx.metrics.produced(partition.topic, records, bytes.length);
  return { offsets };
}

function stampLogAppendTime(bytes: Uint8Array, nowMs: number): void {
  let position = 0;
  while (position < bytes.length) {
    setMaxTimestampLogAppend(bytes, position, nowMs);
    position += batchSizeAt(bytes, position);
  }
}

function assignOffsets(baseOffset: number, fresh: ParsedBatch[]) {
  const offsets: Array<{ baseOffset: number; lastOffset: number }> = [];
  let next = baseOffset;
  for (const b of fresh) {
    offsets.push({ baseOffset: next, lastOffset: next + b.header.lastOffsetDelta });
    next += b.header.lastOffsetDelta + 1;
  }
  return offsets;
}

async function finish(
  partition: Partition,
  batches: ParsedBatch[],
  decisions: SequenceDecision[],
  appended: Promise<AppendOutcome> | null,
  request: ProduceRequest,
  logAppendTimeMs: number,
  ctx: ProduceContext,
): Promise<ProduceResult> {
  const acks = request.acks;
  // Contained here, not by a wrapper around the produce's promise (producePartition).
  try {
    const outcome = appended === null ? { offsets: [] } : await appended;
    const offsets: Array<{ baseOffset: number; lastOffset: number }> = [];
    let f = 0;
    for (const d of decisions) {
      if (d.kind === "duplicate") offsets.push(await originalOffsets(d.batch));
      else offsets.push(outcome.offsets[f++]);
    }
    assert(offsets.length === batches.length, "one offset range per batch");
    if (ctx.replication !== undefined && acks === -1) {
      // A duplicate's original may not be on the ISR yet either: wait for the highest offset.
      const lastOffset = Math.max(...offsets.map((o) => o.lastOffset));
      await ctx.replication.acked(
        partition,
        lastOffset,
        request.timeoutMs ?? ACKS_ALL_WAIT_MS_DEFAULT,
      );
    }
    const acked = acks !== 0;
    return {
      baseOffset: acked ? offsets[0].baseOffset : -1,
      lastOffset: acked ? offsets[offsets.length - 1].lastOffset : -1,
      logAppendTimeMs,
      logStartOffset: partition.logStartOffset,
    };
  } catch (err) {
    throw partition.contain(err) ?? err;
  }
}

async function originalOffsets(batch: ProducedBatch) {
  await batch.settled;
  return { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset };
}

function withTimeout<T>(
  operation: Promise<T>,
  timeoutMs: number,
  timers: Pick<Timers, "setTimeout">,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = timers.setTimeout(() => {
      reject(
        new TributaryError("REQUEST_TIMED_OUT", `${what}: acks not satisfied in ${timeoutMs} ms`),
      );
    }, Math.max(0, timeoutMs));
    operation.then(
      (value) => {
        timer.cancel();
        resolve(value);
      },
      (err: unknown) => {
        timer.cancel();
        reject(err);
      },
    );
  });
}
