// The metadata state that records build: topics with their partitions and explicit configs, and
// the producer id high-water mark. apply() is deterministic and does no I/O, so replaying the
// same records (from the local log now, from a Raft log later) always yields the same image.
// Records that contradict the image are bugs in whoever wrote them: apply() asserts.
import { assert } from "../model/errors.ts";
import type { MetadataRecord } from "./records.ts";

export interface PartitionImage {
  partition: number;
  replicas: number[];
  leader: number;
  leaderEpoch: number;
}

export interface TopicImage {
  name: string;
  topicId: string;
  internal: boolean;
  /** Indexed by partition number, dense from 0. */
  partitions: PartitionImage[];
  /** Explicit configs only; defaults are applied by the reader. */
  configs: Record<string, string>;
}

export class MetadataImage {
  readonly #topics = new Map<string, TopicImage>();
  #nextProducerIdBlockStart = 0;

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

  apply(record: MetadataRecord): void {
    switch (record.type) {
      case "TopicRecord": {
        assert(!this.#topics.has(record.name), `topic ${record.name} already exists`);
        this.#topics.set(record.name, {
          name: record.name,
          topicId: record.topicId,
          internal: record.internal,
          partitions: [],
          configs: {},
        });
        return;
      }
      case "PartitionRecord": {
        const topic = this.#existing(record.topic);
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
        topic.partitions[partition] = {
          partition,
          replicas: [...record.replicas],
          leader: record.leader,
          leaderEpoch: record.leaderEpoch,
        };
        return;
      }
      case "ConfigRecord": {
        const topic = this.#existing(record.topic);
        if (record.value === null) delete topic.configs[record.name];
        else topic.configs[record.name] = record.value;
        return;
      }
      case "RemoveTopicRecord": {
        this.#existing(record.name);
        this.#topics.delete(record.name);
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
    }
  }

  #existing(name: string): TopicImage {
    const topic = this.#topics.get(name);
    assert(topic !== undefined, `topic ${name} does not exist`);
    return topic;
  }
}
