// The internal compacted topic `__consumer_offsets`: created at start when missing, with the
// partition count of the broker's `offsets.topic.num.partitions` (fixed once it exists: groups
// are placed by a hash modulo that count, so changing it would move them) and
// `offsets.topic.replication.factor` replicas per partition.
import { CONSUMER_OFFSETS_TOPIC } from "../model/topic-name.ts";
import type { TopicDescription } from "../model/descriptions.ts";
import { TributaryError } from "../model/errors.ts";

export { CONSUMER_OFFSETS_TOPIC };

/** Kafka defaults to 50; one node serves every partition, so fewer keep start-up short. */
export const OFFSETS_TOPIC_PARTITIONS_DEFAULT = 10;
export const OFFSETS_TOPIC_PARTITIONS_MAX = 1000;
/** One node: 1. Kafka's default is 3; a cluster's composition passes its own. */
export const OFFSETS_TOPIC_REPLICATION_FACTOR_DEFAULT = 1;
/** Kafka's replication factor is an int16. */
export const OFFSETS_TOPIC_REPLICATION_FACTOR_MAX = 32_767;

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
    replicationFactor?: number;
    configs: Record<string, string>;
  }): Promise<TopicDescription>;
  listTopics(): Array<{ name: string; partitions: number; internal: boolean }>;
}

export interface OffsetsTopicSettings {
  partitions: number;
  replicationFactor: number;
}

/** INVALID_CONFIG unless both are in range; checked before anything is asked of the broker. */
export function checkOffsetsTopicSettings(settings: OffsetsTopicSettings): void {
  const { partitions, replicationFactor } = settings;
  if (
    !Number.isSafeInteger(partitions) || partitions < 1 || partitions > OFFSETS_TOPIC_PARTITIONS_MAX
  ) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `offsets.topic.num.partitions must be in [1, ${OFFSETS_TOPIC_PARTITIONS_MAX}]`,
    );
  }
  if (
    !Number.isSafeInteger(replicationFactor) || replicationFactor < 1 ||
    replicationFactor > OFFSETS_TOPIC_REPLICATION_FACTOR_MAX
  ) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `offsets.topic.replication.factor must be in [1, ${OFFSETS_TOPIC_REPLICATION_FACTOR_MAX}]`,
    );
  }
}

/** The topic's partition count as this broker's metadata has it, or null when it has none. */
export function knownOffsetsTopic(broker: Pick<OffsetsTopicBroker, "listTopics">): number | null {
  const existing = broker.listTopics().find((t) => t.name === CONSUMER_OFFSETS_TOPIC);
  if (existing === undefined) return null;
  if (!existing.internal) {
    throw new TributaryError(
      "KAFKA_STORAGE_ERROR",
      `${CONSUMER_OFFSETS_TOPIC} exists but is not marked internal`,
    );
  }
  return existing.partitions;
}

/**
 * Creates the topic when missing; returns its partition count (the existing one wins), or
 * null when another broker created it and this broker's metadata does not show it yet.
 */
export async function ensureOffsetsTopic(
  broker: OffsetsTopicBroker,
  settings: OffsetsTopicSettings,
): Promise<number | null> {
  checkOffsetsTopicSettings(settings);
  const known = knownOffsetsTopic(broker);
  if (known !== null) return known;
  try {
    const created = await broker.createInternalTopic({
      name: CONSUMER_OFFSETS_TOPIC,
      partitions: settings.partitions,
      replicationFactor: settings.replicationFactor,
      configs: { ...OFFSETS_TOPIC_CONFIGS },
    });
    return created.partitions.length;
  } catch (err) {
    // Several brokers start at once and each tries: one wins, the rest learn it from metadata.
    if (err instanceof TributaryError && err.code === "TOPIC_ALREADY_EXISTS") {
      return knownOffsetsTopic(broker);
    }
    throw err;
  }
}
