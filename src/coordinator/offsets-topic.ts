// The internal compacted topic `__consumer_offsets`: created at start when missing, with the
// partition count of the broker's `offsets.topic.num.partitions` (fixed once it exists: groups
// are placed by a hash modulo that count, so changing it would move them).
import { CONSUMER_OFFSETS_TOPIC } from "../model/topic-name.ts";
import type { TopicDescription } from "../model/descriptions.ts";
import { TributaryError } from "../model/errors.ts";

export { CONSUMER_OFFSETS_TOPIC };

/** Kafka defaults to 50; one node serves every partition, so fewer keep start-up short. */
export const OFFSETS_TOPIC_PARTITIONS_DEFAULT = 10;
export const OFFSETS_TOPIC_PARTITIONS_MAX = 1000;

/**
 * Compacted (latest record per key is the state), 100 MiB segments like Kafka's
 * offsets.topic.segment.bytes, and batches up to 64 MiB: one operation's records go in one
 * batch (docs/groups.md), and deleting a group with 100,000 committed offsets is one batch.
 */
export const OFFSETS_TOPIC_CONFIGS: Readonly<Record<string, string>> = Object.freeze({
  "cleanup.policy": "compact",
  "segment.bytes": String(100 * 1024 * 1024),
  "max.message.bytes": String(64 * 1024 * 1024),
});

export interface OffsetsTopicBroker {
  createInternalTopic(request: {
    name: string;
    partitions: number;
    configs: Record<string, string>;
  }): Promise<TopicDescription>;
  listTopics(): Array<{ name: string; partitions: number; internal: boolean }>;
}

/** Creates the topic when missing; returns its partition count (the existing one wins). */
export async function ensureOffsetsTopic(
  broker: OffsetsTopicBroker,
  partitions: number,
): Promise<number> {
  if (
    !Number.isSafeInteger(partitions) || partitions < 1 || partitions > OFFSETS_TOPIC_PARTITIONS_MAX
  ) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `offsets.topic.num.partitions must be in [1, ${OFFSETS_TOPIC_PARTITIONS_MAX}]`,
    );
  }
  const existing = broker.listTopics().find((t) => t.name === CONSUMER_OFFSETS_TOPIC);
  if (existing !== undefined) {
    if (!existing.internal) {
      throw new TributaryError(
        "KAFKA_STORAGE_ERROR",
        `${CONSUMER_OFFSETS_TOPIC} exists but is not marked internal`,
      );
    }
    return existing.partitions;
  }
  const created = await broker.createInternalTopic({
    name: CONSUMER_OFFSETS_TOPIC,
    partitions,
    configs: { ...OFFSETS_TOPIC_CONFIGS },
  });
  return created.partitions.length;
}
