// A stand-in for a cluster's `__consumer_offsets` leadership over ONE real single-node Broker:
// every "node" (FakeNode, a CoordinatorBroker) shares that broker's log, as replicas would
// share committed data, while this file decides who leads each partition and in which epoch.
// A node's appendInternal refuses writes under another epoch or from a non-leader (as
// Broker.appendInternal's guard does), moves are told to every node's leadership listeners
// (as ReplicaRoles does once the replica manager acted), and a node's high watermark can be
// held back (a follower that became leader before learning the last HW).
import type { Broker } from "../../src/broker/broker.ts";
import type { LeadershipListener } from "../../src/broker/replica-roles.ts";
import type { FetchPartitionResult, FetchRequest, ProduceResult } from "../../src/broker/types.ts";
import { CONSUMER_OFFSETS_TOPIC } from "../../src/coordinator/offsets-topic.ts";
import type { CoordinatorBroker } from "../../src/coordinator/types.ts";
import type {
  BrokerEndpoint,
  BrokerMetadata,
  TopicDescription,
  TopicSummary,
} from "../../src/model/descriptions.ts";
import { TributaryError } from "../../src/model/errors.ts";
import type { ListOffsetsResult, OffsetSpec } from "../../src/model/offsets.ts";

export interface Leadership {
  leader: number;
  leaderEpoch: number;
}

export class FakeLeadership {
  readonly broker: Broker;
  readonly brokers: BrokerEndpoint[] = [1, 2, 3].map((id) => ({
    nodeId: id,
    host: `10.0.0.${id}`,
    port: 9000 + id,
    httpPort: 8000 + id,
  }));
  readonly #leaders = new Map<number, Leadership>();
  readonly #nodes: FakeNode[] = [];

  constructor(broker: Broker) {
    this.broker = broker;
  }

  /** Leadership of one partition; partitions never moved are led by broker 1 in epoch 0. */
  leadership(partition: number): Leadership {
    return this.#leaders.get(partition) ?? { leader: 1, leaderEpoch: 0 };
  }

  node(nodeId: number): FakeNode {
    const node = new FakeNode(this, nodeId);
    this.#nodes.push(node);
    return node;
  }

  /**
   * A committed leadership change (epoch + 1). `tell: false` leaves the nodes' listeners
   * uninformed (a broker that has not acted on the change yet).
   */
  move(partition: number, leader: number, options: { tell?: boolean } = {}): Leadership {
    const now = { leader, leaderEpoch: this.leadership(partition).leaderEpoch + 1 };
    this.#leaders.set(partition, now);
    if (options.tell !== false) this.tell(partition);
    return now;
  }

  /** Tells every node the partition's current leadership. */
  tell(partition: number): void {
    for (const node of this.#nodes) node.told(partition, this.leadership(partition));
  }
}

export class FakeNode implements CoordinatorBroker {
  readonly nodeId: number;
  readonly #cluster: FakeLeadership;
  readonly #broker: Broker;
  readonly #listeners = new Set<LeadershipListener>();
  /** Per partition: the HW this node reports until its next successful append there. */
  readonly hwCap = new Map<number, number>();
  /** Set: appends to `__consumer_offsets` wait for it (after the leadership check). */
  hold: { reached: () => void; released: Promise<void> } | null = null;
  /** Appends to `__consumer_offsets`, by partition, as asked (before any refusal). */
  readonly appendsAsked: number[] = [];
  /** The timeoutMs of each of those appends. */
  readonly timeoutsAsked: Array<number | undefined> = [];

  constructor(cluster: FakeLeadership, nodeId: number) {
    this.#cluster = cluster;
    this.#broker = cluster.broker;
    this.nodeId = nodeId;
  }

  /** The next appends wait until `release()`; `reached` resolves when one is waiting. */
  holdAppends(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.hold = { reached, released };
    return {
      reached: reachedP,
      release: () => {
        this.hold = null;
        release();
      },
    };
  }

  told(partition: number, now: Leadership): void {
    for (const listener of [...this.#listeners]) listener(this.#change(partition, now));
  }

  #change(partition: number, now: Leadership) {
    return {
      topic: CONSUMER_OFFSETS_TOPIC,
      partition,
      leader: now.leader,
      leaderEpoch: now.leaderEpoch,
      isLeader: now.leader === this.nodeId,
    };
  }

  onLeadershipChange(listener: LeadershipListener): () => void {
    this.#listeners.add(listener);
    const count = this.#broker.listTopics().find((t) => t.name === CONSUMER_OFFSETS_TOPIC)
      ?.partitions ?? 0;
    for (let p = 0; p < count; p++) listener(this.#change(p, this.#cluster.leadership(p)));
    return () => this.#listeners.delete(listener);
  }

  appendInternal(
    request: { topic: string; partition: number; batches: Uint8Array; timeoutMs?: number },
    guard: { leaderEpoch?: number } = {},
  ): Promise<ProduceResult> {
    if (request.topic !== CONSUMER_OFFSETS_TOPIC) return this.#broker.appendInternal(request);
    this.appendsAsked.push(request.partition);
    this.timeoutsAsked.push(request.timeoutMs);
    const refusal = this.#refusal(request.partition, guard.leaderEpoch);
    if (refusal !== null) return Promise.reject(refusal);
    const hold = this.hold;
    if (hold === null) return this.#append(request);
    hold.reached();
    return hold.released.then(() => this.#append(request));
  }

  async #append(request: { topic: string; partition: number; batches: Uint8Array }) {
    const result = await this.#broker.appendInternal(request);
    this.hwCap.delete(request.partition);
    return result;
  }

  #refusal(partition: number, leaderEpoch: number | undefined): TributaryError | null {
    const now = this.#cluster.leadership(partition);
    if (now.leader !== this.nodeId) {
      return new TributaryError("NOT_LEADER_OR_FOLLOWER", `broker ${this.nodeId} does not lead`);
    }
    if (leaderEpoch !== undefined && leaderEpoch !== now.leaderEpoch) {
      return new TributaryError("FENCED_LEADER_EPOCH", `led in epoch ${now.leaderEpoch}`);
    }
    return null;
  }

  partitionOffsets(
    topic: string,
    partition: number,
  ): { logStartOffset: number; highWatermark: number } | undefined {
    const real = this.#broker.partitionOffsets(topic, partition);
    const cap = topic === CONSUMER_OFFSETS_TOPIC ? this.hwCap.get(partition) : undefined;
    if (real === undefined || cap === undefined) return real;
    return { ...real, highWatermark: Math.min(real.highWatermark, cap) };
  }

  describeTopic(name: string): TopicDescription {
    const real = this.#broker.describeTopic(name);
    if (name !== CONSUMER_OFFSETS_TOPIC) return real;
    return {
      ...real,
      partitions: real.partitions.map((p) => ({
        ...p,
        ...this.#cluster.leadership(p.partition),
      })),
    };
  }

  metadata(topics?: string[]): BrokerMetadata {
    return { ...this.#broker.metadata(topics), brokers: this.#cluster.brokers };
  }

  createInternalTopic(request: {
    name: string;
    partitions: number;
    replicationFactor?: number;
    configs: Record<string, string>;
  }): Promise<TopicDescription> {
    return this.#broker.createInternalTopic(request);
  }

  listTopics(): TopicSummary[] {
    return this.#broker.listTopics();
  }

  fetch(request: FetchRequest): Promise<FetchPartitionResult[]> {
    return this.#broker.fetch(request);
  }

  listOffsets(topic: string, partition: number, spec: OffsetSpec): Promise<ListOffsetsResult> {
    return this.#broker.listOffsets(topic, partition, spec);
  }

  onTopicChange(listener: (topic: string, partitionCount: number) => void): () => void {
    return this.#broker.onTopicChange(listener);
  }
}
