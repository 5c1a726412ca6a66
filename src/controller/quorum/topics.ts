// Topic creation, deletion and partition growth, checked as src/broker/topic-store.ts checks a
// single node's topics (name rules, '.'/'_' collisions, partition bounds) plus what a cluster adds:
// a replication factor no larger than the unfenced brokers (INVALID_REPLICATION_FACTOR) and
// replicas placed by placement.ts. Configs are validated and normalized by the function the
// driver injects (the broker's topic-config rules, which this layer cannot import).
import type { CreateTopicsForward } from "../../model/cluster.ts";
import { TributaryError } from "../../model/errors.ts";
import { collisionKey, validateTopicName } from "../../model/topic-name.ts";
import type { Random } from "../../../runtime/types.ts";
import type { Batch } from "./batch.ts";
import { newTopicId } from "./ids.ts";
import type { ImageView } from "./image-view.ts";
import { placeReplicas } from "./placement.ts";

/** As src/broker/broker-options.ts PARTITIONS_PER_TOPIC_MAX. */
export const PARTITIONS_PER_TOPIC_MAX = 10_000;
/** As src/metadata/record-fields.ts REPLICAS_MAX: a PartitionRecord carries at most this many. */
export const REPLICATION_FACTOR_MAX = 128;

export interface TopicRules {
  random: Pick<Random, "bytes">;
  defaultPartitions: number;
  defaultReplicationFactor: number;
  /** Checks and normalizes explicit topic configs; throws INVALID_CONFIG. */
  validateConfigs: (configs: Record<string, string>) => Record<string, string>;
}

export type CreateTopicsReply = {
  topics: {
    name: string;
    error: { code: string; message: string } | null;
    topicId: string | null;
  }[];
};

type ErrorBody = { code: string; message: string };

export function createTopics(
  batch: Batch,
  request: CreateTopicsForward,
  rules: TopicRules,
): CreateTopicsReply {
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics = request.topics.map((t) => {
    if ((counts.get(t.name) ?? 0) > 1) {
      return {
        name: t.name,
        error: { code: "INVALID_REQUEST", message: `${t.name} is named twice` },
        topicId: null,
      };
    }
    const result = refusal(() => createTopic(batch, t, rules));
    return "code" in result ? { name: t.name, error: result, topicId: null } : {
      name: t.name,
      error: null,
      topicId: request.validateOnly === true ? null : result.topicId,
    };
  });
  return { topics };
}

function createTopic(
  batch: Batch,
  t: CreateTopicsForward["topics"][number],
  rules: TopicRules,
): { topicId: string } {
  const internal = t.internal === true;
  validateTopicName(t.name, { internal });
  checkNewName(batch.image, t.name);
  const partitions = t.partitions ?? rules.defaultPartitions;
  checkPartitionCount(partitions);
  const rf = t.replicationFactor === undefined || t.replicationFactor === -1
    ? rules.defaultReplicationFactor
    : t.replicationFactor;
  const brokers = placementBrokers(batch.image, rf);
  const configs = rules.validateConfigs(t.configs ?? {});
  const topicId = newTopicId(rules.random);
  const placed = placeReplicas({
    brokers,
    partitions,
    replicationFactor: rf,
    startIndex: partitionsPlaced(batch.image),
  });
  batch.add({ type: "TopicRecord", name: t.name, topicId, internal });
  placed.forEach((replicas, partition) => addPartition(batch, t.name, partition, replicas));
  for (const name of Object.keys(configs).sort()) {
    batch.add({ type: "ConfigRecord", topic: t.name, name, value: configs[name] });
  }
  return { topicId };
}

export function deleteTopics(
  batch: Batch,
  names: readonly string[],
): { topics: { name: string; error: ErrorBody | null }[] } {
  const topics = names.map((name) => {
    if (batch.image.topic(name) === undefined) {
      return {
        name,
        error: { code: "UNKNOWN_TOPIC_OR_PARTITION", message: `unknown topic ${name}` },
      };
    }
    batch.add({ type: "RemoveTopicRecord", name });
    return { name, error: null };
  });
  return { topics };
}

/** Replaces a topic's explicit configs; a ConfigRecord per config that changed (null: removed). */
export function alterTopicConfigs(
  batch: Batch,
  topic: string,
  configs: Record<string, string>,
  rules: TopicRules,
): void {
  const t = batch.image.topic(topic);
  if (t === undefined) {
    throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${topic}`);
  }
  if (t.internal) {
    throw new TributaryError(
      "INVALID_TOPIC_EXCEPTION",
      `${topic} is an internal topic: its configs are the broker's`,
    );
  }
  const next = rules.validateConfigs(configs);
  for (const name of Object.keys(t.configs).sort()) {
    if (!(name in next)) batch.add({ type: "ConfigRecord", topic, name, value: null });
  }
  for (const name of Object.keys(next).sort()) {
    if (t.configs[name] !== next[name]) {
      batch.add({ type: "ConfigRecord", topic, name, value: next[name] });
    }
  }
}

/** Grows a topic to `count` partitions, the new ones placed like a new topic's. */
export function createPartitions(batch: Batch, topic: string, count: number): void {
  const t = batch.image.topic(topic);
  if (t === undefined) {
    throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${topic}`);
  }
  checkPartitionCount(count);
  if (count <= t.partitions.length) {
    throw new TributaryError(
      "INVALID_PARTITIONS",
      `topic ${topic} has ${t.partitions.length} partitions; it can only grow, not to ${count}`,
    );
  }
  const rf = t.partitions[0].replicas.length;
  const placed = placeReplicas({
    brokers: placementBrokers(batch.image, rf),
    partitions: count - t.partitions.length,
    replicationFactor: rf,
    startIndex: partitionsPlaced(batch.image),
  });
  const first = t.partitions.length;
  placed.forEach((replicas, i) => addPartition(batch, topic, first + i, replicas));
}

function addPartition(batch: Batch, topic: string, partition: number, replicas: number[]): void {
  batch.add({
    type: "PartitionRecord",
    topic,
    partition,
    replicas,
    leader: replicas[0],
    leaderEpoch: 0,
    isr: [...replicas],
    partitionEpoch: 0,
  });
}

function checkNewName(image: ImageView, name: string): void {
  if (image.topic(name) !== undefined) {
    throw new TributaryError("TOPIC_ALREADY_EXISTS", `topic ${name} already exists`);
  }
  const key = collisionKey(name);
  for (const other of image.topics()) {
    if (collisionKey(other.name) === key) {
      throw new TributaryError(
        "INVALID_TOPIC_EXCEPTION",
        `topic ${name} collides with ${other.name} ('.' and '_' clash in metric names)`,
      );
    }
  }
}

function checkPartitionCount(partitions: number): void {
  if (
    !Number.isSafeInteger(partitions) || partitions < 1 || partitions > PARTITIONS_PER_TOPIC_MAX
  ) {
    throw new TributaryError(
      "INVALID_PARTITIONS",
      `partitions must be an integer in [1, ${PARTITIONS_PER_TOPIC_MAX}], got ${
        String(partitions)
      }`,
    );
  }
}

/** The unfenced brokers, provided there are at least `rf` of them. */
function placementBrokers(image: ImageView, rf: number) {
  const brokers = image.brokers().filter((b) => !b.fenced);
  if (!Number.isSafeInteger(rf) || rf < 1 || rf > REPLICATION_FACTOR_MAX) {
    throw new TributaryError(
      "INVALID_REPLICATION_FACTOR",
      `replication factor must be an integer in [1, ${REPLICATION_FACTOR_MAX}], got ${String(rf)}`,
    );
  }
  if (rf > brokers.length) {
    throw new TributaryError(
      "INVALID_REPLICATION_FACTOR",
      `replication factor ${rf} is larger than the ${brokers.length} unfenced brokers`,
    );
  }
  return brokers.map((b) => ({ brokerId: b.brokerId, rack: b.rack }));
}

/** Partitions in the image: leaders of the next topic start where the last ones stopped. */
function partitionsPlaced(image: ImageView): number {
  let n = 0;
  for (const t of image.topics()) n += t.partitions.length;
  return n;
}

/** Runs `f`; a TributaryError becomes the per-topic answer, anything else is a bug and throws. */
function refusal<T>(f: () => T): T | ErrorBody {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof TributaryError)) throw err;
    return { code: err.code, message: err.message };
  }
}
