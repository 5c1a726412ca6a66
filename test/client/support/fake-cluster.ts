// An in-memory multi-broker cluster behind the client's Connector seam, for failover tests of
// the Producer, Consumer and Admin before a real cluster exists. Replication is perfect: every
// partition has one log and one producer-state table that whichever broker leads it serves (what
// issue 11 §2 promises of a new leader). A test moves leaders, moves the group coordinator, kills
// and revives brokers (a dead broker refuses connections and drops the ones it had), and may
// hook every request before it is answered. Only the operations the clients send are answered.
import type { Connector, WireConnection } from "../../../src/client/cluster.ts";
import type { BrokerEndpoint, TopicDescription } from "../../../src/model/descriptions.ts";
import { type ErrorCodeName, TributaryError } from "../../../src/model/errors.ts";
import { GroupCoordinator } from "../../../src/group/mod.ts";
import { decodeRecords, readBatchHeader, setBaseOffset } from "../../../src/log/record-batch.ts";
import type { WireError } from "../../../src/protocol/cbor/envelope.ts";
import { toWireError } from "../../../src/protocol/cbor/wire-error.ts";

interface Stored {
  baseOffset: number;
  count: number;
  bytes: Uint8Array;
}

interface ProducerState {
  lastSequence: number;
  /** The latest batches' first sequence and base offset, to answer a retried one. */
  recent: Array<{ sequence: number; baseOffset: number }>;
}

interface FakePartition {
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  log: Stored[];
  producers: Map<number, ProducerState>;
}

interface FakeBroker {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  alive: boolean;
  readonly connections: Set<FakeConnection>;
}

/** Runs before a request is answered; may throw (the request fails) or change the cluster. */
export type RequestHook = (nodeId: number, op: string, body: unknown) => void | Promise<void>;
/** Runs once the broker did the request; throwing loses the answer (the work stays done). */
export type AnswerHook = (nodeId: number, op: string, response: unknown) => void;

const RECENT_BATCHES_MAX = 5;

export class FakeCluster {
  readonly brokers = new Map<number, FakeBroker>();
  readonly topics = new Map<string, FakePartition[]>();
  /** Every request answered or refused: "node op". */
  readonly log: string[] = [];
  readonly group: GroupCoordinator;
  coordinator: number;
  hook: RequestHook | null = null;
  after: AnswerHook | null = null;
  connects = 0;
  #nextProducerId = 1000;
  /** Per-partition errors the next results of an op get ("Produce", "Fetch", "ListOffsets"). */
  readonly #partitionErrors = new Map<string, ErrorCodeName[]>();

  constructor(nodeIds: number[], groupTopics: Record<string, number> = {}) {
    for (const nodeId of nodeIds) {
      this.brokers.set(nodeId, {
        nodeId,
        host: "127.0.0.1",
        port: 19_000 + nodeId,
        alive: true,
        connections: new Set(),
      });
    }
    this.coordinator = nodeIds[0];
    let member = 1;
    this.group = new GroupCoordinator({
      newMemberId: () => `member-${member++}`,
      partitionCounts: Object.entries(groupTopics),
      config: { heartbeatIntervalMs: 100 },
    });
  }

  /** The next `count` partition results of op carry code instead of their answer. */
  failNext(op: "Produce" | "Fetch" | "ListOffsets", code: ErrorCodeName, count = 1): void {
    const list = this.#partitionErrors.get(op) ?? [];
    for (let i = 0; i < count; i++) list.push(code);
    this.#partitionErrors.set(op, list);
  }

  #injected(op: string): WireError | null {
    const code = this.#partitionErrors.get(op)?.shift();
    return code ? toWireError(new TributaryError(code, `test: injected ${code}`)) : null;
  }

  bootstrap(nodeIds: number[] = [...this.brokers.keys()]): string[] {
    return nodeIds.map((id) => `127.0.0.1:${19_000 + id}`);
  }

  createTopic(name: string, partitions: number, leaders: number[]): void {
    this.topics.set(
      name,
      Array.from({ length: partitions }, (_, i) => ({
        leader: leaders[i % leaders.length],
        leaderEpoch: 0,
        replicas: [...this.brokers.keys()],
        log: [],
        producers: new Map(),
      })),
    );
  }

  partition(topic: string, partition: number): FakePartition {
    const p = this.topics.get(topic)?.[partition];
    if (!p) throw new Error(`fake cluster has no ${topic}-${partition}`);
    return p;
  }

  /** A new leader with a new epoch; -1 plays an election in progress. */
  moveLeader(topic: string, partition: number, leader: number): void {
    const p = this.partition(topic, partition);
    p.leader = leader;
    p.leaderEpoch++;
  }

  /** The broker stops: its connections drop, new ones are refused. */
  kill(nodeId: number): void {
    const broker = this.#broker(nodeId);
    broker.alive = false;
    for (const conn of [...broker.connections]) conn.drop();
  }

  revive(nodeId: number): void {
    this.#broker(nodeId).alive = true;
  }

  /** Drops the broker's open connections; it stays up and accepts new ones. */
  dropConnections(nodeId: number): void {
    for (const conn of [...this.#broker(nodeId).connections]) conn.drop();
  }

  /** Values in the partition's log, in offset order. */
  values(topic: string, partition: number): string[] {
    const dec = new TextDecoder();
    const out: string[] = [];
    for (const stored of this.partition(topic, partition).log) {
      for (const r of decodeValues(stored.bytes)) out.push(dec.decode(r));
    }
    return out;
  }

  /** Appends records as another producer would (no idempotence). */
  append(topic: string, partition: number, bytes: Uint8Array): void {
    const p = this.partition(topic, partition);
    this.#store(p, bytes.slice(), readBatchHeader(bytes).recordCount);
  }

  connector(): Connector {
    return (_rt, address) => {
      this.connects++;
      const broker = [...this.brokers.values()].find((b) =>
        b.host === address.host && b.port === address.port
      );
      if (!broker || !broker.alive) {
        return Promise.reject(
          new TributaryError(
            "NETWORK_EXCEPTION",
            `cannot connect to ${address.host}:${address.port}: refused`,
          ),
        );
      }
      const conn = new FakeConnection(broker, (op, body) => this.#handle(broker, op, body));
      broker.connections.add(conn);
      return Promise.resolve(conn);
    };
  }

  #broker(nodeId: number): FakeBroker {
    const broker = this.brokers.get(nodeId);
    if (!broker) throw new Error(`fake cluster has no broker ${nodeId}`);
    return broker;
  }

  async #handle(broker: FakeBroker, op: string, body: unknown): Promise<unknown> {
    this.log.push(`${broker.nodeId} ${op}`);
    await this.hook?.(broker.nodeId, op, body);
    if (!broker.alive) throw new TributaryError("NETWORK_EXCEPTION", "broker died");
    const response = await this.#answer(broker, op, body);
    this.after?.(broker.nodeId, op, response);
    return response;
  }

  async #answer(broker: FakeBroker, op: string, body: unknown): Promise<unknown> {
    const b = body as Record<string, unknown>;
    switch (op) {
      case "Metadata":
        return this.#metadata(b.topics as string[] | null);
      case "InitProducerId":
        return { producerId: this.#nextProducerId++, producerEpoch: 0 };
      case "Produce":
        return { partitions: (b.partitions as ProduceAsk[]).map((d) => this.#produce(broker, d)) };
      case "Fetch":
        return await this.#fetch(broker, b as unknown as FetchAsk);
      case "ListOffsets":
        return {
          partitions: (b.partitions as OffsetAsk[]).map((a) => this.#listOffset(broker, a)),
        };
      case "DescribeTopics": {
        const described = this.#metadata(b.topics as string[]).topics;
        return {
          topics: described.map(({ error, ...topic }) => ({
            name: topic.name,
            error,
            topic: error === null ? topic : null,
          })),
        };
      }
      case "ListTopics":
        return {
          topics: [...this.topics].map(([name, ps]) => ({
            name,
            partitions: ps.length,
            replicationFactor: this.brokers.size,
            internal: false,
          })),
        };
      case "FindCoordinator":
        return { coordinator: this.#endpoint(this.coordinator), offsetsPartition: 0 };
      default:
        return this.#groupOp(broker, op, body);
    }
  }

  #groupOp(broker: FakeBroker, op: string, body: unknown): unknown {
    if (broker.nodeId !== this.coordinator) {
      throw new TributaryError("NOT_COORDINATOR", `broker ${broker.nodeId} is not the coordinator`);
    }
    const nowMs = Date.now();
    this.group.tick(nowMs);
    if (op === "ConsumerGroupHeartbeat") {
      return this.group.heartbeat(body as never, nowMs).response;
    }
    if (op === "OffsetCommit") {
      this.group.commitOffsets(body as never, nowMs);
      return {};
    }
    if (op === "OffsetFetch") {
      const b = body as { topics?: Array<{ topic: string; partitions?: number[] | null }> | null };
      const partitions = b.topics?.map((t) => ({ topic: t.topic, partitions: t.partitions ?? [] }));
      const offsets = this.group.fetchOffsets({ ...(body as object), partitions } as never, nowMs);
      return { offsets: offsets.map((o) => ({ ...o, highWatermark: null, lag: null })) };
    }
    throw new TributaryError("INVALID_REQUEST", `fake cluster does not answer ${op}`);
  }

  #endpoint(nodeId: number): BrokerEndpoint {
    const { host, port } = this.#broker(nodeId);
    return { nodeId, host, port };
  }

  #metadata(names: string[] | null) {
    const topics = (names ?? [...this.topics.keys()]).map((name) => {
      const partitions = this.topics.get(name);
      if (!partitions) {
        const error: WireError = toWireError(
          new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `no topic ${name}`),
        );
        return { name, internal: false, configs: {}, partitions: [], error };
      }
      const description: TopicDescription = {
        name,
        internal: false,
        configs: {},
        partitions: partitions.map((p, i) => ({
          partition: i,
          leader: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicas,
          isr: p.replicas,
          logStartOffset: 0,
          highWatermark: endOf(p),
          sizeBytes: 0,
        })),
      };
      return { ...description, error: null };
    });
    const brokers = [...this.brokers.values()].filter((b) => b.alive).map((b) =>
      this.#endpoint(b.nodeId)
    );
    // No controllerId: the client must not need it.
    return { clusterId: "fake", brokers, topics };
  }

  #leads(broker: FakeBroker, topic: string, partition: number): FakePartition | WireError {
    const p = this.topics.get(topic)?.[partition];
    if (!p) {
      return toWireError(new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `${topic}-${partition}`));
    }
    if (p.leader !== broker.nodeId) {
      return toWireError(
        new TributaryError("NOT_LEADER_OR_FOLLOWER", `${broker.nodeId} does not lead ${topic}`),
      );
    }
    return p;
  }

  #produce(broker: FakeBroker, d: ProduceAsk) {
    const base = { topic: d.topic, partition: d.partition, logAppendTimeMs: -1, logStartOffset: 0 };
    const p = this.#injected("Produce") ?? this.#leads(broker, d.topic, d.partition);
    if (!isPartition(p)) return { ...base, error: p, baseOffset: -1, lastOffset: -1 };
    const h = readBatchHeader(d.records);
    if (h.producerId >= 0) {
      const state = p.producers.get(h.producerId);
      const dup = state?.recent.find((r) => r.sequence === h.baseSequence);
      if (dup) {
        return { ...base, error: null, baseOffset: dup.baseOffset, lastOffset: -1 };
      }
      const expected = state ? state.lastSequence + 1 : 0;
      if (h.baseSequence !== expected) {
        const error = toWireError(
          new TributaryError(
            "OUT_OF_ORDER_SEQUENCE_NUMBER",
            `expected ${expected}, got ${h.baseSequence}`,
          ),
        );
        return { ...base, error, baseOffset: -1, lastOffset: -1 };
      }
    }
    const baseOffset = this.#store(p, d.records.slice(), h.recordCount);
    if (h.producerId >= 0) {
      const state = p.producers.get(h.producerId) ?? { lastSequence: -1, recent: [] };
      state.lastSequence = h.baseSequence + h.recordCount - 1;
      state.recent.push({ sequence: h.baseSequence, baseOffset });
      if (state.recent.length > RECENT_BATCHES_MAX) state.recent.shift();
      p.producers.set(h.producerId, state);
    }
    return { ...base, error: null, baseOffset, lastOffset: baseOffset + h.recordCount - 1 };
  }

  #store(p: FakePartition, bytes: Uint8Array, count: number): number {
    const baseOffset = endOf(p);
    setBaseOffset(bytes, 0, baseOffset);
    p.log.push({ baseOffset, count, bytes });
    return baseOffset;
  }

  async #fetch(broker: FakeBroker, ask: FetchAsk) {
    const answer = () =>
      ask.partitions.map((a) => {
        const base = { topic: a.topic, partition: a.partition };
        const p = this.#injected("Fetch") ?? this.#leads(broker, a.topic, a.partition);
        if (!isPartition(p)) {
          return { ...base, error: p, highWatermark: -1, logStartOffset: -1, records: empty };
        }
        const batches = p.log.filter((s) => s.baseOffset + s.count > a.offset);
        return {
          ...base,
          error: null,
          highWatermark: endOf(p),
          logStartOffset: 0,
          records: concat(batches.map((s) => s.bytes)),
        };
      });
    const first = answer();
    if (first.some((r) => r.error !== null || r.records.length > 0)) return { partitions: first };
    // Nothing yet: hold the fetch a little, as a broker's maxWaitMs does, then look again.
    await new Promise((r) => setTimeout(r, Math.min(ask.maxWaitMs, 20)));
    return { partitions: answer() };
  }

  #listOffset(broker: FakeBroker, a: OffsetAsk) {
    const base = { topic: a.topic, partition: a.partition, timestampMs: -1 };
    const p = this.#injected("ListOffsets") ?? this.#leads(broker, a.topic, a.partition);
    if (!isPartition(p)) return { ...base, error: p, offset: -1 };
    return { ...base, error: null, offset: a.timestamp === -2 ? 0 : endOf(p) };
  }
}

/** One connection to a fake broker; answers on a later turn, as a socket would. */
class FakeConnection implements WireConnection {
  readonly closed: Promise<void>;
  readonly #broker: FakeBroker;
  readonly #answer: (op: string, body: unknown) => Promise<unknown>;
  readonly #pending = new Set<(err: TributaryError) => void>();
  #markClosed!: () => void;
  #gone = false;

  constructor(broker: FakeBroker, answer: (op: string, body: unknown) => Promise<unknown>) {
    this.#broker = broker;
    this.#answer = answer;
    this.closed = new Promise((resolve) => (this.#markClosed = resolve));
  }

  request<K extends string>(op: K, body: unknown): Promise<never> {
    if (this.#gone) {
      return Promise.reject(new TributaryError("NETWORK_EXCEPTION", "connection closed"));
    }
    return new Promise((resolve, reject) => {
      this.#pending.add(reject);
      setTimeout(() => {
        this.#answer(op, body).then(
          (response) => {
            if (this.#pending.delete(reject)) resolve(response as never);
          },
          (err) => {
            if (this.#pending.delete(reject)) reject(err);
          },
        );
      }, 0);
    });
  }

  async send<K extends string>(op: K, body: unknown): Promise<void> {
    await this.request(op, body);
  }

  close(): Promise<void> {
    this.drop();
    return Promise.resolve();
  }

  /** Fails what is in flight as a reset connection does. */
  drop(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#broker.connections.delete(this);
    for (const reject of this.#pending) {
      reject(new TributaryError("NETWORK_EXCEPTION", "connection reset by broker"));
    }
    this.#pending.clear();
    this.#markClosed();
  }
}

interface ProduceAsk {
  topic: string;
  partition: number;
  records: Uint8Array;
}

interface FetchAsk {
  maxWaitMs: number;
  partitions: Array<{ topic: string; partition: number; offset: number }>;
}

interface OffsetAsk {
  topic: string;
  partition: number;
  timestamp: number;
}

const empty = new Uint8Array(0);

function isPartition(p: FakePartition | WireError): p is FakePartition {
  return "log" in p;
}

function endOf(p: FakePartition): number {
  const last = p.log.at(-1);
  return last ? last.baseOffset + last.count : 0;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function decodeValues(bytes: Uint8Array): Uint8Array[] {
  // Each stored entry is one uncompressed batch; decodeRecords gives its records.
  return decodeRecords(bytes).map((r) => r.value ?? empty);
}
