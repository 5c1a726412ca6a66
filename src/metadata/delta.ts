// What one committed batch changed: the difference between the image before it and after it.
// A broker reacts to these (open a replica, become leader or follower, drop a deleted topic)
// instead of to its own writes. Computed by comparing the two images, so it says what is
// different, not which records ran: a topic created and deleted within one batch is in neither
// list, and a leader that was moved away and back within one batch still shows a leader change
// because its leader epoch moved.
import type { BrokerImage, PartitionImage, TopicImage } from "./image-types.ts";
import type { MetadataImage } from "./image.ts";

export interface TopicRef {
  name: string;
  topicId: string;
}

export interface PartitionDelta {
  topic: string;
  topicId: string;
  partition: number;
  /** Null for a partition that is new (its topic created, or partitions added). */
  before: PartitionImage | null;
  after: PartitionImage;
  /** Leader or leader epoch moved (a new partition counts): the replica changes role. */
  leaderChanged: boolean;
  replicasChanged: boolean;
  isrChanged: boolean;
}

/** A batch that the image refused as a whole (cluster-apply.ts): it changed nothing. */
export interface RefusedBatch {
  /** Index of the refused record in the batch. */
  index: number;
  code: string;
  message: string;
}

export interface MetadataDelta {
  /** Offset of the batch's last entry in the metadata log, and the epoch it was written in. */
  offset: number;
  epoch: number;
  /** By name; a topic deleted and re-created in one batch is in both, by its two ids. */
  topicsCreated: TopicRef[];
  topicsDeleted: TopicRef[];
  /** Topics (still there) whose explicit configs changed. */
  configsChanged: TopicRef[];
  /** Partitions of topics that exist after the batch, by topic name then partition. */
  partitionsChanged: PartitionDelta[];
  /** New registrations, new incarnations and changed endpoints or racks; ascending ids. */
  brokersRegistered: number[];
  brokersUnregistered: number[];
  /** Fenced after the batch and not before (a registration that starts fenced included). */
  brokersFenced: number[];
  /** Unfenced after the batch and not before (a registration that starts unfenced included). */
  brokersUnfenced: number[];
  producerIdsChanged: boolean;
  refused: RefusedBatch | null;
}

export function diffImages(
  before: MetadataImage,
  after: MetadataImage,
  at: { offset: number; epoch: number },
): MetadataDelta {
  const delta: MetadataDelta = {
    offset: at.offset,
    epoch: at.epoch,
    topicsCreated: [],
    topicsDeleted: [],
    configsChanged: [],
    partitionsChanged: [],
    brokersRegistered: [],
    brokersUnregistered: [],
    brokersFenced: [],
    brokersUnfenced: [],
    producerIdsChanged: before.nextProducerIdBlockStart !== after.nextProducerIdBlockStart,
    refused: null,
  };
  diffTopics(before, after, delta);
  diffBrokers(before, after, delta);
  return delta;
}

function diffTopics(before: MetadataImage, after: MetadataImage, delta: MetadataDelta): void {
  for (const old of sortedTopics(before)) {
    if (after.topicById(old.topicId) === undefined) delta.topicsDeleted.push(ref(old));
  }
  for (const topic of sortedTopics(after)) {
    const old = before.topicById(topic.topicId);
    if (old === undefined) delta.topicsCreated.push(ref(topic));
    else if (!sameConfigs(old.configs, topic.configs)) delta.configsChanged.push(ref(topic));
    topic.partitions.forEach((p, i) => {
      const was = old?.partitions[i];
      if (was === undefined || !samePartition(was, p)) {
        delta.partitionsChanged.push(partitionDelta(topic, was ?? null, p));
      }
    });
  }
}

function partitionDelta(
  topic: TopicImage,
  before: PartitionImage | null,
  after: PartitionImage,
): PartitionDelta {
  return {
    topic: topic.name,
    topicId: topic.topicId,
    partition: after.partition,
    before,
    after,
    leaderChanged: before === null || before.leader !== after.leader ||
      before.leaderEpoch !== after.leaderEpoch,
    replicasChanged: before === null || !sameList(before.replicas, after.replicas),
    isrChanged: before === null || !sameList(before.isr, after.isr),
  };
}

function diffBrokers(before: MetadataImage, after: MetadataImage, delta: MetadataDelta): void {
  for (const old of before.brokers()) {
    if (after.broker(old.brokerId) === undefined) delta.brokersUnregistered.push(old.brokerId);
  }
  for (const b of after.brokers()) {
    const old = before.broker(b.brokerId);
    const fresh = old === undefined || !sameRegistration(old, b);
    if (fresh) delta.brokersRegistered.push(b.brokerId);
    const wasFenced = fresh ? !b.fenced : old.fenced;
    if (b.fenced && !wasFenced) delta.brokersFenced.push(b.brokerId);
    if (!b.fenced && wasFenced) delta.brokersUnfenced.push(b.brokerId);
  }
}

function sortedTopics(image: MetadataImage): TopicImage[] {
  return [...image.topics()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function ref(t: TopicImage): TopicRef {
  return { name: t.name, topicId: t.topicId };
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function samePartition(a: PartitionImage, b: PartitionImage): boolean {
  return a.leader === b.leader && a.leaderEpoch === b.leaderEpoch &&
    a.partitionEpoch === b.partitionEpoch && sameList(a.replicas, b.replicas) &&
    sameList(a.isr, b.isr);
}

function sameConfigs(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length &&
    keys.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}

function sameRegistration(a: BrokerImage, b: BrokerImage): boolean {
  return a.incarnationId === b.incarnationId && a.rack === b.rack &&
    a.endpoints.length === b.endpoints.length &&
    a.endpoints.every((e, i) => {
      const f = b.endpoints[i];
      return e.listener === f.listener && e.host === f.host && e.port === f.port;
    });
}
