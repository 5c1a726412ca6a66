// The metadata state that records build: topics with their partitions and explicit configs,
// the registered brokers, and the producer id high-water mark. apply() is deterministic and does
// no I/O, so replaying the same records (from the local log now, from a Raft log later) always
// yields the same image.
//
// Two kinds of bad record. A topic, partition, config or producer-id record that contradicts the
// image is a bug in whoever wrote it: apply() asserts (these are written by the one node that
// owns the image today). A broker or partition change that is stale or impossible is refused
// with a typed error and leaves the image as it was (cluster-apply.ts says which, and why Kafka
// refuses the same): in a cluster such changes race with each other, so refusing them is normal.
import { assert } from "../model/errors.ts";
import {
  applyBrokerChange,
  applyClusterId,
  applyPartitionChange,
  applyRegisterBroker,
  applyUnregisterBroker,
} from "./cluster-apply.ts";
import type { BrokerImage, PartitionImage, TopicImage } from "./image-types.ts";
import type { MetadataRecord, PartitionRecord } from "./records.ts";

export type { BrokerImage, PartitionImage, TopicImage } from "./image-types.ts";

/** The image of a partition as a PartitionRecord creates it. */
export function partitionImageOf(record: PartitionRecord): PartitionImage {
  const image: PartitionImage = {
    partition: record.partition,
    replicas: [...record.replicas],
    isr: [...(record.isr ?? record.replicas)],
    leader: record.leader,
    leaderEpoch: record.leaderEpoch,
    partitionEpoch: record.partitionEpoch ?? 0,
  };
  if (record.targetReplicas !== undefined && record.addingReplicas !== undefined) {
    image.targetReplicas = [...record.targetReplicas];
    image.addingReplicas = [...record.addingReplicas];
  }
  return image;
}

export class MetadataImage {
  readonly #topics = new Map<string, TopicImage>();
  /** Topic id to name: cluster records name topics by id, which survives a re-creation. */
  readonly #topicNames = new Map<string, string>();
  readonly #brokers = new Map<number, BrokerImage>();
  /**
   * Topics this image may change in place; any other it copies first. Topics are shared with
   * clones (copy on write), and partition and broker images are replaced, never changed.
   */
  readonly #owned = new Set<TopicImage>();
  #nextProducerIdBlockStart = 0;
  #clusterId: string | null = null;

  /** Null until the first active controller of the cluster has written its ClusterIdRecord. */
  get clusterId(): string | null {
    return this.#clusterId;
  }

  get nextProducerIdBlockStart(): number {
    return this.#nextProducerIdBlockStart;
  }

  topic(name: string): TopicImage | undefined {
    return this.#topics.get(name);
  }

  topics(): IterableIterator<TopicImage> {
    return this.#topics.values();
  }

  get topicCount(): number {
    return this.#topics.size;
  }

  topicById(topicId: string): TopicImage | undefined {
    const name = this.#topicNames.get(topicId);
    return name === undefined ? undefined : this.#topics.get(name);
  }

  broker(brokerId: number): BrokerImage | undefined {
    return this.#brokers.get(brokerId);
  }

  /** Registered brokers, fenced ones included, by ascending id. */
  brokers(): BrokerImage[] {
    return [...this.#brokers.values()].sort((a, b) => a.brokerId - b.brokerId);
  }

  /**
   * A copy that records can be applied to while this image stays as it is (and the reverse).
   * Cheap: maps are copied, topics are shared until either side changes one.
   */
  clone(): MetadataImage {
    const copy = new MetadataImage();
    for (const [name, t] of this.#topics) copy.#topics.set(name, t);
    for (const [id, name] of this.#topicNames) copy.#topicNames.set(id, name);
    for (const [id, b] of this.#brokers) copy.#brokers.set(id, b);
    copy.#nextProducerIdBlockStart = this.#nextProducerIdBlockStart;
    copy.#clusterId = this.#clusterId;
    // Shared now: this image copies a topic before it next changes it, too.
    this.#owned.clear();
    return copy;
  }

  /**
   * Applies one record. Asserts on a topic-level contradiction; refuses a stale or impossible
   * cluster change with a TributaryError, leaving the image unchanged.
   */
  apply(record: MetadataRecord): void {
    switch (record.type) {
      case "TopicRecord": {
        assert(!this.#topics.has(record.name), `topic ${record.name} already exists`);
        assert(!this.#topicNames.has(record.topicId), `topic id ${record.topicId} is taken`);
        const topic: TopicImage = {
          name: record.name,
          topicId: record.topicId,
          internal: record.internal,
          partitions: [],
          configs: {},
        };
        this.#topicNames.set(record.topicId, record.name);
        this.#topics.set(record.name, topic);
        this.#owned.add(topic);
        return;
      }
      case "PartitionRecord": {
        const topic = this.#writable(this.#existing(record.topic));
        const { partition } = record;
        assert(
          Number.isInteger(partition) && partition >= 0 && partition <= topic.partitions.length,
          `partition ${record.topic}-${partition} would leave a gap`,
        );
        assert(
          record.replicas.length > 0,
          `partition ${record.topic}-${partition} has no replicas`,
        );
        const before = topic.partitions[partition];
        assert(
          before === undefined || record.leaderEpoch >= before.leaderEpoch,
          `leader epoch of ${record.topic}-${partition} went backwards`,
        );
        topic.partitions[partition] = partitionImageOf(record);
        return;
      }
      case "ConfigRecord": {
        const topic = this.#writable(this.#existing(record.topic));
        if (record.value === null) delete topic.configs[record.name];
        else topic.configs[record.name] = record.value;
        return;
      }
      case "RemoveTopicRecord": {
        const topic = this.#existing(record.name);
        this.#topicNames.delete(topic.topicId);
        this.#topics.delete(record.name);
        this.#owned.delete(topic);
        return;
      }
      case "ProducerIdsRecord": {
        assert(
          record.nextBlockStart > this.#nextProducerIdBlockStart,
          "producer id blocks must only move forward",
        );
        this.#nextProducerIdBlockStart = record.nextBlockStart;
        return;
      }
      case "ClusterIdRecord":
        this.#clusterId = applyClusterId(this.#clusterId, record);
        return;
      case "RegisterBrokerRecord":
        applyRegisterBroker(this.#brokers, record);
        return;
      case "BrokerRegistrationChangeRecord":
        applyBrokerChange(this.#brokers, record);
        return;
      case "UnregisterBrokerRecord":
        applyUnregisterBroker(this.#brokers, record);
        return;
      case "PartitionChangeRecord": {
        const topic = this.topicById(record.topicId);
        applyPartitionChange(topic && this.#writable(topic), this.#brokers, record);
        return;
      }
    }
  }

  #writable(topic: TopicImage): TopicImage {
    if (this.#owned.has(topic)) return topic;
    const copy = { ...topic, partitions: [...topic.partitions], configs: { ...topic.configs } };
    this.#topics.set(copy.name, copy);
    this.#owned.add(copy);
    return copy;
  }

  #existing(name: string): TopicImage {
    const topic = this.#topics.get(name);
    assert(topic !== undefined, `topic ${name} does not exist`);
    return topic;
  }
}
