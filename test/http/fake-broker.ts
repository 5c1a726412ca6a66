// A small in-memory BrokerApi for the HTTP tests: real record batch bytes, offsets assigned with
// setBaseOffset, fetches that wait for a produce (or their deadline, or their signal), and the
// broker's error codes. It stands in where a test needs a fault the real Broker cannot be made
// to show (an unexpected exception, a partition error mid-stream).
import type {
  BrokerApi,
  FetchPartitionResult,
  FetchRequest,
  ProduceRequest,
  ProduceResult,
} from "../../src/broker/types.ts";
import type { CreateTopicRequest } from "../../src/model/create-topic.ts";
import type {
  BrokerMetadata,
  TopicDescription,
  TopicSummary,
} from "../../src/model/descriptions.ts";
import type { ListOffsetsResult, OffsetSpec } from "../../src/model/offsets.ts";
import { validateTopicName } from "../../src/model/topic-name.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { batchesIn, setBaseOffset, validateBatch } from "../../src/log/record-batch.ts";
import { decodeRecords } from "../../src/log/record-batch.ts";
import { fetchBatchBytes } from "../support/fake-batches.ts";

interface FakePartition {
  batches: Array<{ bytes: Uint8Array; baseOffset: number; lastOffset: number }>;
  highWatermark: number;
}

interface FakeTopic {
  configs: Record<string, string>;
  partitions: FakePartition[];
}

export class FakeBroker implements BrokerApi {
  readonly nodeId = 1;
  readonly topics = new Map<string, FakeTopic>();
  #wakers = new Set<() => void>();
  /** When set, every call throws it (to test the error mapping). */
  failWith: unknown = undefined;
  rejectOnAbort = false;

  /** Fetches waiting for a produce right now (what tests wait on instead of sleeping). */
  get waitingFetches(): number {
    return this.#wakers.size;
  }
  produceCalls: ProduceRequest[] = [];
  fetchCalls: FetchRequest[] = [];

  metadata(): BrokerMetadata {
    return { clusterId: "fake", controllerId: 1, brokers: [], topics: [] };
  }

  async createTopic(request: CreateTopicRequest): Promise<TopicDescription> {
    await this.#tick();
    this.#maybeFail();
    validateTopicName(request.name);
    if (this.topics.has(request.name)) {
      throw new TributaryError("TOPIC_ALREADY_EXISTS", `topic ${request.name} exists`);
    }
    const count = request.partitions ?? 1;
    const partitions = Array.from({ length: count }, () => ({ batches: [], highWatermark: 0 }));
    this.topics.set(request.name, { configs: { ...request.configs }, partitions });
    return this.describeTopic(request.name);
  }

  async deleteTopic(name: string): Promise<void> {
    await this.#tick();
    this.#topic(name);
    this.topics.delete(name);
    this.#wake();
  }

  listTopics(): TopicSummary[] {
    this.#maybeFail();
    return [...this.topics].map(([name, t]) => ({
      name,
      partitions: t.partitions.length,
      replicationFactor: 1,
      internal: false,
    }));
  }

  describeTopic(name: string): TopicDescription {
    const topic = this.#topic(name);
    return {
      name,
      internal: false,
      configs: topic.configs,
      partitions: topic.partitions.map((p, partition) => ({
        partition,
        leader: 1,
        leaderEpoch: 0,
        replicas: [1],
        isr: [1],
        logStartOffset: 0,
        highWatermark: p.highWatermark,
        sizeBytes: 0,
      })),
    };
  }

  async partitionCount(topic: string): Promise<number> {
    await this.#tick();
    return this.#topic(topic).partitions.length;
  }

  async produce(request: ProduceRequest): Promise<ProduceResult> {
    await this.#tick();
    this.produceCalls.push(request);
    const p = this.#partition(request.topic, request.partition);
    const baseOffset = p.highWatermark;
    const bytes = request.batches.slice();
    for (const { position, header } of batchesIn(bytes)) {
      validateBatch(bytes, position);
      setBaseOffset(bytes, position, p.highWatermark);
      const size = header.batchLength + 12;
      const lastOffset = p.highWatermark + header.lastOffsetDelta;
      p.batches.push({
        bytes: bytes.subarray(position, position + size),
        baseOffset: p.highWatermark,
        lastOffset,
      });
      p.highWatermark = lastOffset + 1;
    }
    this.#wake();
    const acked = request.acks !== 0;
    return {
      baseOffset: acked ? baseOffset : -1,
      lastOffset: acked ? p.highWatermark - 1 : -1,
      logAppendTimeMs: -1,
      logStartOffset: 0,
    };
  }

  async fetch(request: FetchRequest): Promise<FetchPartitionResult[]> {
    this.fetchCalls.push(request);
    const deadline = Date.now() + request.maxWaitMs;
    for (let round = 0; round < 10_000; round++) {
      const results = request.partitions.map((r) =>
        this.#fetchOne(r.topic, r.partition, r.offset, r.maxBytes)
      );
      const bytes = results.reduce((n, r) => n + r.records.length, 0);
      const remainingMs = deadline - Date.now();
      if (bytes >= request.minBytes || remainingMs <= 0 || results.some((r) => r.error)) {
        return results;
      }
      // Like the real Broker, an aborted wait answers with what is there; rejectOnAbort
      // plays a broker that rejects instead (the API contract allows either).
      if (request.signal?.aborted) {
        if (this.rejectOnAbort) throw request.signal.reason;
        return results;
      }
      await this.#waitForProduce(remainingMs, request.signal);
    }
    throw new Error("fake fetch looped too often");
  }

  async listOffsets(
    topic: string,
    partition: number,
    spec: OffsetSpec,
  ): Promise<ListOffsetsResult> {
    await this.#tick();
    const p = this.#partition(topic, partition);
    if (spec === "earliest") return { offset: 0, timestampMs: -1 };
    if (spec === "latest") return { offset: p.highWatermark, timestampMs: -1 };
    for (const batch of p.batches) {
      for (const record of decodeRecords(batch.bytes)) {
        if (record.timestamp >= spec.timestampMs) {
          return { offset: record.offset, timestampMs: record.timestamp };
        }
      }
    }
    return { offset: -1, timestampMs: -1 };
  }

  async initProducerId() {
    await this.#tick();
    return { producerId: 1, producerEpoch: 0 };
  }

  #fetchOne(
    topic: string,
    partition: number,
    offset: number,
    maxBytes: number,
  ): FetchPartitionResult {
    const base = {
      topic,
      partition,
      highWatermark: 0,
      logStartOffset: 0,
      records: new Uint8Array(0),
    };
    let p: FakePartition;
    try {
      p = this.#partition(topic, partition);
    } catch (err) {
      const e = err as TributaryError;
      return { ...base, error: e.code, errorMessage: e.message };
    }
    if (offset > p.highWatermark) {
      return {
        ...base,
        highWatermark: p.highWatermark,
        error: "OFFSET_OUT_OF_RANGE",
        errorMessage: `offset ${offset}`,
      };
    }
    const records = fetchBatchBytes(p.batches, offset, maxBytes);
    return { ...base, highWatermark: p.highWatermark, records };
  }

  #waitForProduce(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
      signal?.addEventListener("abort", done);
    });
  }

  /** A real broker answers asynchronously; so does the fake. */
  async #tick(): Promise<void> {
    await Promise.resolve();
  }

  #wake(): void {
    for (const waker of [...this.#wakers]) waker();
  }

  #maybeFail(): void {
    if (this.failWith !== undefined) throw this.failWith;
  }

  #topic(name: string): FakeTopic {
    this.#maybeFail();
    const topic = this.topics.get(name);
    if (topic === undefined) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${name}`);
    }
    return topic;
  }

  #partition(name: string, partition: number): FakePartition {
    const p = this.#topic(name).partitions[partition];
    if (p === undefined) {
      throw new TributaryError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `unknown partition ${name}/${partition}`,
      );
    }
    return p;
  }
}
