// A controller stand-in for cluster-mode broker tests: it validates little, assigns replicas as
// the test says, and commits straight into a CommittedImage (offsets 0, 1, 2, ... in epoch 1),
// the way the Raft driver will hand over committed entries. `gate()` holds the next commits until
// released, so a test can look at the broker between "asked" and "committed".
import type { CreateTopicRequest } from "../../src/model/create-topic.ts";
import { TributaryError } from "../../src/model/errors.ts";
import type {
  CreatedTopic,
  MetadataWriter,
  ReservedProducerIds,
} from "../../src/broker/metadata-writer.ts";
import { CommittedImage } from "../../src/metadata/committed-image.ts";
import type { MetadataDelta } from "../../src/metadata/delta.ts";
import type { MetadataRecord } from "../../src/metadata/records.ts";

export interface FakeBroker {
  id: number;
  port: number;
  httpPort?: number;
  rack?: string | null;
  fenced?: boolean;
}

export class FakeClusterWriter implements MetadataWriter {
  readonly committed: CommittedImage;
  /** Replicas of each partition of the next topics created, by topic name (leader first). */
  readonly assignments = new Map<string, number[][]>();
  #topicIds = 0;
  #gate: { open: Promise<void>; reached: () => void } | null = null;

  constructor(committed = new CommittedImage()) {
    this.committed = committed;
  }

  /** Commits one batch now; returns its offset. */
  commit(records: MetadataRecord[]): { offset: number; delta: MetadataDelta } {
    const offset = this.committed.committedOffset + 1;
    const delta = this.committed.applyCommitted({ records, lastOffset: offset, epoch: 1 });
    if (delta.refused !== null) throw new Error(`refused: ${delta.refused.message}`);
    return { offset, delta };
  }

  /**
   * Holds every commit of createTopic/deleteTopic until release() is called; `reached` resolves
   * once a change is waiting at the gate (asked for, not committed).
   */
  gate(): { release: () => void; reached: Promise<void> } {
    let release!: () => void;
    let reached!: () => void;
    const open = new Promise<void>((resolve) => (release = resolve));
    this.#gate = {
      open,
      reached: () => reached(),
    };
    return {
      release: () => {
        this.#gate = null;
        release();
      },
      reached: new Promise<void>((resolve) => (reached = resolve)),
    };
  }

  async #pass(): Promise<void> {
    const gate = this.#gate;
    if (gate === null) return;
    gate.reached();
    await gate.open;
  }

  registerBrokers(brokers: FakeBroker[]): void {
    this.commit(brokers.map((b) => ({
      type: "RegisterBrokerRecord" as const,
      brokerId: b.id,
      incarnationId: `incarnation-${b.id}`,
      endpoints: [
        { listener: "cbor", host: `10.0.0.${b.id}`, port: b.port },
        ...(b.httpPort === undefined
          ? []
          : [{ listener: "http", host: `10.0.0.${b.id}`, port: b.httpPort }]),
      ],
      rack: b.rack ?? null,
      fenced: b.fenced ?? false,
    })));
  }

  /** Elects `leader` (NO_LEADER: -1 for none) for one partition, keeping replicas and ISR. */
  moveLeader(topic: string, partition: number, leader: number, isr?: number[]): number {
    const t = this.committed.image.topic(topic);
    const p = t?.partitions[partition];
    if (t === undefined || p === undefined) throw new Error(`no ${topic}-${partition}`);
    return this.commit([{
      type: "PartitionChangeRecord",
      topicId: t.topicId,
      partition,
      partitionEpoch: p.partitionEpoch,
      leader,
      ...(isr === undefined ? {} : { isr }),
    }]).offset;
  }

  async createTopic(request: CreateTopicRequest, options: { internal?: boolean } = {}) {
    const assignment = this.assignments.get(request.name) ??
      Array.from({ length: request.partitions ?? 1 }, () => [1]);
    if (this.committed.image.topic(request.name) !== undefined) {
      throw new TributaryError("TOPIC_ALREADY_EXISTS", `topic ${request.name} already exists`);
    }
    const topicId = `00000000-0000-4000-8000-${String(++this.#topicIds).padStart(12, "0")}`;
    const records: MetadataRecord[] = [{
      type: "TopicRecord",
      name: request.name,
      topicId,
      internal: options.internal === true,
    }];
    assignment.forEach((replicas, partition) =>
      records.push({
        type: "PartitionRecord",
        topic: request.name,
        partition,
        replicas,
        isr: replicas,
        leader: replicas[0],
        leaderEpoch: 0,
        partitionEpoch: 0,
      })
    );
    await this.#pass();
    return { offset: this.commit(records).offset, topicId } satisfies CreatedTopic;
  }

  async deleteTopic(name: string): Promise<{ offset: number }> {
    if (this.committed.image.topic(name) === undefined) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${name}`);
    }
    await this.#pass();
    return { offset: this.commit([{ type: "RemoveTopicRecord", name }]).offset };
  }

  reserveProducerIds(blockSize: number): Promise<ReservedProducerIds> {
    const start = this.committed.image.nextProducerIdBlockStart;
    const { offset } = this.commit([{
      type: "ProducerIdsRecord",
      nextBlockStart: start + blockSize,
    }]);
    return Promise.resolve({ offset, start });
  }
}
