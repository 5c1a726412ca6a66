// The producer: send() picks a partition, reserves buffer space (waiting when the buffer is
// full), and adds the record to its partition's batch; the Sender ships closed batches.
// Records sent in order to one partition are written in that order, retries included.

import type { Acks } from "../model/acks.ts";
import { partitionForKey, StickyPartitioner } from "../model/partitioner.ts";
import { toTributaryError, TributaryError } from "../model/errors.ts";
import { compressBatch } from "../log/record-batch.ts";
import { compressionCode, type CompressionName } from "../log/codecs/registry.ts";
import {
  batchOverheadBytes,
  type Delivery,
  estimateRecordBytes,
  type PendingRecord,
  type ProducerBatch,
  RecordAccumulator,
} from "./accumulator.ts";
import { BufferPool } from "./buffer-pool.ts";
import {
  type ClientRuntime,
  ClusterClient,
  type ClusterOptions,
  type TopicRoute,
} from "./cluster.ts";
import { type ProducerRecord, type RecordMetadata, toPendingRecord } from "./record-input.ts";
import { Sender } from "./sender.ts";

export type AcksOption = "all" | -1 | 1 | 0;

export interface ProducerOptions extends ClusterOptions {
  /** "all" (default): after fsync; 1: after the leader appended; 0: fire and forget. */
  acks?: AcksOption;
  /** A batch closes once its estimated size reaches this. */
  batchBytes?: number;
  /** A batch closes this long after its first record, full or not. */
  lingerMs?: number;
  /**
   * Retries of a batch after a retriable error (default unbounded, as Kafka's 2147483647:
   * deliveryTimeoutMs is the bound that matters).
   */
  retries?: number;
  /**
   * A record not acknowledged this long after send() fails with REQUEST_TIMED_OUT (Kafka's
   * delivery.timeout.ms, default 120000); retries across a leader failover happen inside it.
   */
  deliveryTimeoutMs?: number;
  retryBackoffMs?: number;
  retryBackoffMsMax?: number;
  /** Default true when acks is "all"; requires acks "all". */
  idempotent?: boolean;
  /** Memory for records not yet acknowledged; send() waits when it is used up. */
  bufferBytesMax?: number;
  /** Produce requests outstanding per partition (at most 5 with idempotence). */
  inFlightMax?: number;
  /** How long the broker may take to make an acks=all write durable. */
  produceTimeoutMs?: number;
  /** Longest send() waits for topic metadata before failing. */
  metadataWaitMsMax?: number;
  /**
   * Codec of the batches sent (Kafka's compression.type), default "none". The broker stores and
   * serves them as sent unless the topic's compression.type names another codec.
   */
  compression?: CompressionName;
}

const inFlightMaxIdempotent = 5;

export class Producer {
  readonly #rt: ClientRuntime;
  readonly #cluster: ClusterClient;
  readonly #pool: BufferPool;
  readonly #accumulator: RecordAccumulator;
  readonly #sender: Sender;
  readonly #sticky: StickyPartitioner;
  readonly #metadataWaitMsMax: number;
  readonly #unsettled = new Set<ProducerBatch>();
  readonly #settledWaiters = new Map<ProducerBatch, () => void>();
  readonly #routesPending = new Map<string, Promise<TopicRoute>>();
  readonly #compression: number;
  /** Closed batches compress one after another, so they reach the sender in closing order. */
  #compressing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(rt: ClientRuntime, options: ProducerOptions) {
    this.#rt = rt;
    this.#compression = compressionCode(options.compression ?? "none", "compression");
    const acks = toAcks(options.acks ?? "all");
    const idempotent = options.idempotent ?? acks === -1;
    if (idempotent && acks !== -1) {
      throw new TributaryError("INVALID_CONFIG", 'an idempotent producer needs acks "all"');
    }
    const inFlightMax = options.inFlightMax ?? inFlightMaxIdempotent;
    if (idempotent && inFlightMax > inFlightMaxIdempotent) {
      throw new TributaryError(
        "INVALID_CONFIG",
        `an idempotent producer allows at most ${inFlightMaxIdempotent} in flight`,
      );
    }
    this.#cluster = new ClusterClient(rt, options);
    this.#pool = new BufferPool(options.bufferBytesMax ?? 32 * 1024 * 1024);
    this.#sticky = new StickyPartitioner(rt.random);
    this.#metadataWaitMsMax = options.metadataWaitMsMax ?? 10_000;
    this.#sender = new Sender(this.#cluster, {
      acks,
      idempotent,
      retries: options.retries ?? 2_147_483_647,
      retryBackoffMs: options.retryBackoffMs ?? 100,
      retryBackoffMsMax: options.retryBackoffMsMax ?? 1000,
      inFlightMax,
      produceTimeoutMs: options.produceTimeoutMs ?? 30_000,
      deliveryTimeoutMs: positive(options.deliveryTimeoutMs ?? 120_000, "deliveryTimeoutMs"),
      onSettled: (batch) => this.#onSettled(batch),
    });
    this.#accumulator = new RecordAccumulator({
      batchBytes: positive(options.batchBytes ?? 16384, "batchBytes"),
      lingerMs: Math.max(0, options.lingerMs ?? 5),
      clock: rt.clock,
      timers: rt.timers,
      onReady: (batch) => this.#onReady(batch),
    });
  }

  /** Resolves once the record is acknowledged (per acks) with where it was written. */
  async send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.#closed) throw new TributaryError("INVALID_REQUEST", "producer is closed");
    const pending = toPendingRecord(record, this.#rt.clock.nowMs());
    const route = this.#cluster.cachedRoute(record.topic) ?? (await this.#route(record.topic));
    const partition = this.#choosePartition(record, pending, route);
    const recordBytes = estimateRecordBytes(pending);
    const wait = this.#pool.reserve(recordBytes);
    if (wait) await wait;
    const offset = await new Promise<number>((resolve, reject) => {
      this.#accumulator.append(record.topic, partition, pending, recordBytes, { resolve, reject });
    });
    return { topic: record.topic, partition, offset };
  }

  /**
   * send() without a promise per record, for callers that send at a high rate: `delivery` is
   * told the record's offset (-1 with acks 0) or its error, once. Returns null when the record
   * is queued already, or a promise to await before the next call when it had to wait for
   * metadata or buffer space (awaiting it keeps the records in call order).
   */
  enqueue(record: ProducerRecord, delivery: Delivery): Promise<void> | null {
    if (this.#closed) throw new TributaryError("INVALID_REQUEST", "producer is closed");
    const pending = toPendingRecord(record, this.#rt.clock.nowMs());
    const route = this.#cluster.cachedRoute(record.topic);
    if (route === undefined) {
      return this.#route(record.topic).then((fetched) =>
        this.#place(record, pending, fetched, delivery) ?? undefined
      );
    }
    return this.#place(record, pending, route, delivery);
  }

  #place(
    record: ProducerRecord,
    pending: PendingRecord,
    route: TopicRoute,
    delivery: Delivery,
  ): Promise<void> | null {
    const partition = this.#choosePartition(record, pending, route);
    const recordBytes = estimateRecordBytes(pending);
    const wait = this.#pool.reserve(recordBytes);
    if (wait === null) {
      this.#accumulator.append(record.topic, partition, pending, recordBytes, delivery);
      return null;
    }
    return wait.then(() => {
      this.#accumulator.append(record.topic, partition, pending, recordBytes, delivery);
    });
  }

  /** Sends every batch now and waits until all records sent so far are settled. */
  async flush(): Promise<void> {
    this.#accumulator.drainAll();
    const waits = [...this.#unsettled].map((batch) =>
      new Promise<void>((resolve) => this.#settledWaiters.set(batch, resolve))
    );
    await Promise.all(waits);
  }

  /** Flushes, then closes connections; later send() calls fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
    this.#pool.close(new TributaryError("INVALID_REQUEST", "producer is closed"));
    await this.#cluster.close();
  }

  #choosePartition(record: ProducerRecord, pending: PendingRecord, route: TopicRoute): number {
    if (record.partition !== undefined) {
      if (
        !Number.isInteger(record.partition) || record.partition < 0 ||
        record.partition >= route.partitions
      ) {
        throw new TributaryError(
          "UNKNOWN_TOPIC_OR_PARTITION",
          `topic "${record.topic}" has no partition ${record.partition} (it has ${route.partitions})`,
        );
      }
      return record.partition;
    }
    if (pending.key !== null) return partitionForKey(pending.key, route.partitions);
    return this.#sticky.partition(record.topic, route.partitions);
  }

  /** One metadata lookup per topic at a time, retried while retriable, bounded in time. */
  #route(topic: string): Promise<TopicRoute> {
    let pending = this.#routesPending.get(topic);
    if (!pending) {
      pending = this.#fetchRoute(topic).finally(() => this.#routesPending.delete(topic));
      this.#routesPending.set(topic, pending);
    }
    return pending;
  }

  async #fetchRoute(topic: string): Promise<TopicRoute> {
    const deadlineMs = this.#rt.clock.monotonicMs() + this.#metadataWaitMsMax;
    let backoffMs = 50;
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#cluster.route(topic);
      } catch (err) {
        const retriable = err instanceof TributaryError && err.retriable;
        if (
          !retriable || this.#rt.clock.monotonicMs() + backoffMs > deadlineMs || attempt >= 1000
        ) throw err;
      }
      await this.#rt.timers.sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, 1000);
    }
  }

  #onReady(batch: ProducerBatch): void {
    this.#unsettled.add(batch);
    const route = this.#cluster.cachedRoute(batch.topic);
    if (route) this.#sticky.onBatchComplete(batch.topic, route.partitions, batch.partition);
    if (this.#compression === 0) {
      this.#sender.enqueue(batch);
      return;
    }
    const compression = this.#compression;
    this.#compressing = this.#compressing.then(async () => {
      try {
        batch.compressed = await compressBatch({ records: batch.records, compression });
      } catch (err) {
        const failure = toTributaryError(err);
        for (const delivery of batch.deliveries) delivery.reject(failure);
        this.#onSettled(batch);
        return;
      }
      this.#sender.enqueue(batch);
    });
  }

  #onSettled(batch: ProducerBatch): void {
    this.#unsettled.delete(batch);
    // The pool holds the records' estimates only; the batch header estimate was never reserved.
    this.#pool.release(batch.sizeBytes - batchOverheadBytes);
    const waiter = this.#settledWaiters.get(batch);
    if (waiter) {
      this.#settledWaiters.delete(batch);
      waiter();
    }
  }
}

function toAcks(acks: AcksOption | string): Acks {
  if (acks === "all" || acks === -1 || acks === "-1") return -1;
  if (acks === 1 || acks === "1") return 1;
  if (acks === 0 || acks === "0") return 0;
  throw new TributaryError(
    "INVALID_REQUIRED_ACKS",
    `acks must be "all", 1 or 0, got ${String(acks)}`,
  );
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TributaryError("INVALID_CONFIG", `${name} must be a positive integer, got ${value}`);
  }
  return value;
}
