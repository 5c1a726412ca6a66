// An in-memory BrokerApi for protocol tests: real record batch validation and offset
// assignment, waiting fetches woken by appends, and hooks to delay produce answers (for
// out-of-order completion) while recording the order in which produce calls arrived.

import type {
  BrokerApi,
  FetchPartitionResult,
  FetchRequest,
  ProduceRequest,
  ProduceResult,
} from "../../../../src/broker/types.ts";
import type { CreateTopicRequest } from "../../../../src/model/create-topic.ts";
import type {
  BrokerMetadata,
  TopicDescription,
  TopicSummary,
} from "../../../../src/model/descriptions.ts";
import type { ListOffsetsResult, OffsetSpec } from "../../../../src/model/offsets.ts";
import { TributaryError } from "../../../../src/model/errors.ts";
import { batchesIn, setBaseOffset, validateBatch } from "../../../../src/log/record-batch.ts";
import { fetchBatchBytes } from "../../../support/fake-batches.ts";

interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  bytes: Uint8Array;
}

interface FakePartition {
  batches: StoredBatch[];
  nextOffset: number;
}

interface FakeTopic {
  configs: Record<string, string>;
  partitions: FakePartition[];
}

export interface FakeBrokerOptions {
  nodeId?: number;
  autoCreateTopics?: boolean;
  /** Awaited after a produce was applied, before it answers: lets tests reorder completions. */
  produceDelay?: (request: ProduceRequest) => Promise<void>;
}

export class FakeBroker implements BrokerApi {
  readonly nodeId: number;
  readonly topics = new Map<string, FakeTopic>();
  /** "topic/partition:baseOffset" per produce call, in the order the calls arrived. */
  readonly produceCalls: Array<{ topic: string; partition: number; baseOffset: number }> = [];
  /** Fetches currently parked. */
  parkedFetches = 0;
  /** Signals handed to fetches that have aborted so far. */
  abortedFetches = 0;
  readonly #options: FakeBrokerOptions;
  #wakers = new Set<() => void>();
  #nextProducerId = 1000;

  constructor(options: FakeBrokerOptions = {}) {
    this.nodeId = options.nodeId ?? 1;
    this.#options = options;
  }

  metadata(topics?: string[]): BrokerMetadata {
    const names = topics ?? [...this.topics.keys()];
    return {
      clusterId: "fake-cluster",
      controllerId: this.nodeId,
      brokers: [{ nodeId: this.nodeId, host: "127.0.0.1", port: 9093 }],
      topics: names.map((name) => this.describeTopic(name)),
    };
  }

  createTopic(request: CreateTopicRequest): Promise<TopicDescription> {
    if (
      !/^[a-zA-Z0-9._-]{1,249}$/.test(request.name) || request.name === "." || request.name === ".."
    ) {
      return Promise.reject(
        new TributaryError("INVALID_TOPIC_EXCEPTION", `bad topic name ${request.name}`),
      );
    }
    if (this.topics.has(request.name)) {
      return Promise.reject(
        new TributaryError("TOPIC_ALREADY_EXISTS", `topic ${request.name} exists`),
      );
    }
    const count = request.partitions ?? 1;
    if (count < 1) {
      return Promise.reject(new TributaryError("INVALID_PARTITIONS", `${count} partitions`));
    }
    const partitions = Array.from({ length: count }, () => ({ batches: [], nextOffset: 0 }));
    this.topics.set(request.name, {
      configs: { "cleanup.policy": "delete", ...request.configs },
      partitions,
    });
    return Promise.resolve(this.describeTopic(request.name));
  }

  deleteTopic(name: string): Promise<void> {
    if (!this.topics.delete(name)) return Promise.reject(unknown(name));
    return Promise.resolve();
  }

  listTopics(): TopicSummary[] {
    return [...this.topics].map(([name, t]) => ({
      name,
      partitions: t.partitions.length,
      replicationFactor: 1,
      internal: false,
    }));
  }

  describeTopic(name: string): TopicDescription {
    const topic = this.topics.get(name);
    if (topic === undefined) throw unknown(name);
    return {
      name,
      internal: false,
      configs: { ...topic.configs },
      partitions: topic.partitions.map((p, partition) => ({
        partition,
        leader: this.nodeId,
        leaderEpoch: 0,
        replicas: [this.nodeId],
        isr: [this.nodeId],
        logStartOffset: 0,
        highWatermark: p.nextOffset,
        sizeBytes: p.batches.reduce((n, b) => n + b.bytes.byteLength, 0),
      })),
    };
  }

  async partitionCount(topic: string): Promise<number> {
    if (!this.topics.has(topic) && this.#options.autoCreateTopics === true) {
      await this.createTopic({ name: topic });
    }
    const t = this.topics.get(topic);
    if (t === undefined) throw unknown(topic);
    return t.partitions.length;
  }

  produce(request: ProduceRequest): Promise<ProduceResult> {
    let result: ProduceResult;
    try {
      result = this.#append(request);
    } catch (err) {
      return Promise.reject(err);
    }
    const delay = this.#options.produceDelay?.(request) ?? Promise.resolve();
    return delay.then(() => result);
  }

  // Synchronous, like the real broker's ordering guarantee: applied in call order.
  #append(request: ProduceRequest): ProduceResult {
    const partition = this.#partition(request.topic, request.partition);
    const firstOffset = partition.nextOffset;
    const bytes = request.batches.slice();
    for (const { position } of batchesIn(bytes)) {
      const header = validateBatch(bytes, position);
      const size = header.batchLength + 12;
      const batch = bytes.slice(position, position + size);
      setBaseOffset(batch, 0, partition.nextOffset);
      const lastOffset = partition.nextOffset + header.lastOffsetDelta;
      partition.batches.push({
        baseOffset: partition.nextOffset,
        lastOffset,
        maxTimestamp: header.maxTimestamp,
        bytes: batch,
      });
      partition.nextOffset = lastOffset + 1;
    }
    if (partition.nextOffset === firstOffset) {
      throw new TributaryError("CORRUPT_MESSAGE", "no record batch");
    }
    this.produceCalls.push({
      topic: request.topic,
      partition: request.partition,
      baseOffset: firstOffset,
    });
    for (const wake of [...this.#wakers]) wake();
    return {
      baseOffset: firstOffset,
      lastOffset: partition.nextOffset - 1,
      logAppendTimeMs: -1,
      logStartOffset: 0,
    };
  }

  async fetch(request: FetchRequest): Promise<FetchPartitionResult[]> {
    let results = this.#readAll(request);
    const total = () => results.reduce((n, r) => n + r.records.byteLength, 0);
    if (total() >= request.minBytes || request.maxWaitMs === 0) return results;
    await this.#waitForAppend(request.maxWaitMs, request.signal, () => {
      results = this.#readAll(request);
      return total() >= request.minBytes;
    });
    return this.#readAll(request);
  }

  #waitForAppend(
    waitMs: number,
    signal: AbortSignal | undefined,
    satisfied: () => boolean,
  ): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        signal?.removeEventListener("abort", onAbort);
        this.parkedFetches--;
        resolve();
      };
      const wake = () => {
        if (satisfied()) done();
      };
      const onAbort = () => {
        this.abortedFetches++;
        done();
      };
      this.parkedFetches++;
      this.#wakers.add(wake);
      const timer = setTimeout(done, waitMs);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #readAll(request: FetchRequest): FetchPartitionResult[] {
    return request.partitions.map(({ topic, partition, offset, maxBytes }) => {
      const t = this.topics.get(topic);
      const p = t?.partitions[partition];
      if (p === undefined) {
        return {
          topic,
          partition,
          error: "UNKNOWN_TOPIC_OR_PARTITION",
          errorMessage: `no ${topic}/${partition}`,
          highWatermark: -1,
          logStartOffset: -1,
          records: new Uint8Array(0),
        };
      }
      if (offset < 0 || offset > p.nextOffset) {
        return {
          topic,
          partition,
          error: "OFFSET_OUT_OF_RANGE",
          errorMessage: `offset ${offset}`,
          highWatermark: p.nextOffset,
          logStartOffset: 0,
          records: new Uint8Array(0),
        };
      }
      const records = fetchBatchBytes(p.batches, offset, maxBytes);
      return { topic, partition, highWatermark: p.nextOffset, logStartOffset: 0, records };
    });
  }

  listOffsets(topic: string, partition: number, spec: OffsetSpec): Promise<ListOffsetsResult> {
    try {
      const p = this.#partition(topic, partition);
      if (spec === "earliest") return Promise.resolve({ offset: 0, timestampMs: -1 });
      if (spec === "latest") return Promise.resolve({ offset: p.nextOffset, timestampMs: -1 });
      const hit = p.batches.find((b) => b.maxTimestamp >= spec.timestampMs);
      return Promise.resolve(
        hit === undefined
          ? { offset: -1, timestampMs: -1 }
          : { offset: hit.baseOffset, timestampMs: hit.maxTimestamp },
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  initProducerId(): Promise<{ producerId: number; producerEpoch: number }> {
    return Promise.resolve({ producerId: this.#nextProducerId++, producerEpoch: 0 });
  }

  #partition(topic: string, partition: number): FakePartition {
    const p = this.topics.get(topic)?.partitions[partition];
    if (p === undefined) throw unknown(`${topic}/${partition}`);
    return p;
  }
}

function unknown(what: string): TributaryError {
  return new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic or partition ${what}`);
}
