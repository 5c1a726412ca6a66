// Topics as this node stores them: the metadata image (rebuilt from the metadata log), the
// open Partition of every topic partition, and the create/delete procedures that keep the
// two and the data directory consistent across crashes.
//
// Every change is a batch of MetadataRecords appended durably before it takes effect, and
// changes run one at a time (an exclusive lock). Partition directories are created before a
// topic's records are committed and removed after its RemoveTopicRecord, so a crash leaves at
// worst directories no topic owns; open() removes those by their partition.metadata topic id.
import type { Logger } from "../logging/logger.ts";
import { TributaryError } from "../errors.ts";
import type { Runtime } from "../../runtime/types.ts";
import { AsyncLock } from "../log/async-lock.ts";
import { joinPath } from "../log/segment-files.ts";
import type { MetadataImage, TopicImage } from "../metadata/image.ts";
import { METADATA_LOG_DIR, MetadataLog } from "../metadata/metadata-log.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import { newTopicId } from "../metadata/topic-id.ts";
import { PARTITIONS_PER_TOPIC_MAX } from "./broker-options.ts";
import { Partition } from "./partition.ts";
import type { ProducerStateOptions } from "./producer-state.ts";
import {
  deletingDirName,
  isDeletingDirName,
  parsePartitionDirName,
  partitionDirName,
  readPartitionTopicId,
  removePartitionDir,
} from "./partition-dir.ts";
import {
  effectiveTopicConfigs,
  logConfigOf,
  normalizeTopicConfigs,
  topicPolicyOf,
} from "./topic-config.ts";
import { collisionKey, validateTopicName } from "./topic-name.ts";
import type { CreateTopicRequest, TopicDescription, TopicSummary } from "./types.ts";

/** Partitions opened concurrently at start and at topic creation. */
const OPEN_PARALLEL_MAX = 16;

export interface TopicStoreOptions {
  dataDir: string;
  nodeId: number;
  defaultPartitions: number;
  defaultTopicConfigs: Record<string, string>;
  onReadable: (partition: Partition, bytes: number) => void;
  /** Recovery, truncation and load events. */
  logger: Logger;
  /** producer.id.expiration.ms and the bound on producers per partition. */
  producerState?: ProducerStateOptions;
}

export class TopicStore {
  readonly #rt: Runtime;
  readonly #options: TopicStoreOptions;
  readonly #metadata: MetadataLog;
  readonly #image: MetadataImage;
  readonly #partitions = new Map<string, Partition[]>();
  readonly #lock = new AsyncLock("metadata", { waitersMax: 10_000 });

  private constructor(
    rt: Runtime,
    options: TopicStoreOptions,
    metadata: MetadataLog,
    image: MetadataImage,
  ) {
    this.#rt = rt;
    this.#options = options;
    this.#metadata = metadata;
    this.#image = image;
  }

  static async open(rt: Runtime, options: TopicStoreOptions): Promise<TopicStore> {
    const { log, image } = await MetadataLog.open(rt, options.dataDir);
    const store = new TopicStore(rt, options, log, image);
    try {
      await store.#removeOrphanDirs();
      for (const topic of image.topics()) {
        store.#partitions.set(topic.name, await store.#openPartitions(topic));
      }
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  get image(): MetadataImage {
    return this.#image;
  }

  isInternal(topic: string): boolean {
    return this.#image.topic(topic)?.internal === true;
  }

  partitionsOf(topic: string): Partition[] | undefined {
    return this.#partitions.get(topic);
  }

  partition(topic: string, partition: number): Partition | undefined {
    return this.#partitions.get(topic)?.[partition];
  }

  *allPartitions(): Generator<Partition> {
    for (const list of this.#partitions.values()) yield* list;
  }

  list(): TopicSummary[] {
    return [...this.#image.topics()].map((t) => ({
      name: t.name,
      partitions: t.partitions.length,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0,
      internal: t.internal,
    }));
  }

  describe(name: string): TopicDescription {
    const topic = this.#image.topic(name);
    const partitions = this.#partitions.get(name);
    if (topic === undefined || partitions === undefined) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${String(name)}`);
    }
    return {
      name,
      internal: topic.internal,
      configs: this.#effectiveConfigs(topic),
      partitions: partitions.map((p) => ({
        partition: p.partition,
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicas: [...p.replicas],
        isr: [...p.isr],
        logStartOffset: p.logStartOffset,
        highWatermark: p.highWatermark,
        sizeBytes: p.log.sizeBytes,
      })),
    };
  }

  /** With `internal` the topic is the broker's own (e.g. `__consumer_offsets`). */
  async create(
    request: CreateTopicRequest,
    options: { internal?: boolean } = {},
  ): Promise<TopicDescription> {
    const internal = options.internal === true;
    const { name, partitions, configs } = checkCreateRequest(
      request,
      this.#options.defaultPartitions,
      internal,
    );
    return await this.#lock.exclusive(async () => {
      this.#checkNewName(name);
      const topicId = newTopicId(this.#rt.random);
      const records: MetadataRecord[] = [{ type: "TopicRecord", name, topicId, internal }];
      for (let p = 0; p < partitions; p++) {
        const replicas = [this.#options.nodeId];
        records.push({
          type: "PartitionRecord",
          topic: name,
          partition: p,
          replicas,
          leader: replicas[0],
          leaderEpoch: 0,
        });
      }
      for (const [config, value] of Object.entries(configs)) {
        records.push({ type: "ConfigRecord", topic: name, name: config, value });
      }
      const image: TopicImage = {
        name,
        topicId,
        internal,
        configs,
        partitions: records.flatMap((r) => (r.type === "PartitionRecord" ? [r] : [])),
      };
      // Directories first: if the commit below never happens they are orphans, removed at start.
      const opened = await this.#openPartitions(image);
      try {
        await this.#metadata.append(records);
      } catch (err) {
        await this.#discardPartitions(opened, topicId);
        throw err;
      }
      for (const record of records) this.#image.apply(record);
      this.#partitions.set(name, opened);
      return this.describe(name);
    });
  }

  /** Removes the topic; `onRemoved` runs once its partitions no longer accept requests. */
  async delete(name: string, onRemoved: (partitions: Partition[]) => void): Promise<void> {
    await this.#lock.exclusive(async () => {
      const topic = this.#image.topic(name);
      const partitions = this.#partitions.get(name);
      if (topic === undefined || partitions === undefined) {
        throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${String(name)}`);
      }
      const record: MetadataRecord = { type: "RemoveTopicRecord", name };
      await this.#metadata.append([record]);
      this.#image.apply(record);
      this.#partitions.delete(name);
      onRemoved(partitions);
      await this.#discardPartitions(partitions, topic.topicId);
    });
  }

  /** Reserves the next block of producer ids durably; returns its first id. */
  async reserveProducerIds(blockSize: number): Promise<number> {
    return await this.#lock.exclusive(async () => {
      const start = this.#image.nextProducerIdBlockStart;
      const record: MetadataRecord = {
        type: "ProducerIdsRecord",
        nextBlockStart: start + blockSize,
      };
      await this.#metadata.append([record]);
      this.#image.apply(record);
      return start;
    });
  }

  /** Closes every partition cleanly, then the metadata log. */
  async close(): Promise<void> {
    await this.#lock.exclusive(async () => {
      const all = [...this.allPartitions()];
      this.#partitions.clear();
      const results = await Promise.allSettled(all.map((p) => p.close()));
      await this.#metadata.close();
      const failure = results.find((r) => r.status === "rejected");
      if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
    });
  }

  #effectiveConfigs(topic: TopicImage): Record<string, string> {
    return effectiveTopicConfigs(topic.configs, this.#options.defaultTopicConfigs);
  }

  #checkNewName(name: string): void {
    if (this.#image.topic(name) !== undefined) {
      throw new TributaryError("TOPIC_ALREADY_EXISTS", `topic ${name} already exists`);
    }
    const key = collisionKey(name);
    for (const other of this.#image.topics()) {
      if (collisionKey(other.name) === key) {
        throw new TributaryError(
          "INVALID_TOPIC_EXCEPTION",
          `topic ${name} collides with ${other.name} ('.' and '_' clash in metric names)`,
        );
      }
    }
  }

  async #openPartitions(topic: TopicImage): Promise<Partition[]> {
    const effective = this.#effectiveConfigs(topic);
    const logConfig = logConfigOf(effective);
    const policy = topicPolicyOf(effective);
    const opened: Partition[] = [];
    try {
      for (let from = 0; from < topic.partitions.length; from += OPEN_PARALLEL_MAX) {
        const chunk = topic.partitions.slice(from, from + OPEN_PARALLEL_MAX);
        const results = await Promise.allSettled(
          chunk.map((p) =>
            Partition.open(this.#rt, this.#options.dataDir, {
              topic: topic.name,
              partition: p.partition,
              topicId: topic.topicId,
              nodeId: this.#options.nodeId,
              replicas: p.replicas,
              leaderEpoch: p.leaderEpoch,
              logConfig,
              policy,
              onReadable: this.#options.onReadable,
              logger: this.#options.logger,
              ...(this.#options.producerState
                ? { producerState: this.#options.producerState }
                : {}),
            })
          ),
        );
        for (const r of results) if (r.status === "fulfilled") opened.push(r.value);
        const failure = results.find((r) => r.status === "rejected");
        if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
      }
    } catch (err) {
      await Promise.allSettled(opened.map((p) => p.close()));
      throw err;
    }
    return opened;
  }

  async #discardPartitions(partitions: Partition[], topicId: string): Promise<void> {
    for (const p of partitions) {
      await p.close();
      const dirName = partitionDirName(p.topic, p.partition);
      await removePartitionDir(
        this.#rt.fs,
        this.#options.dataDir,
        dirName,
        deletingDirName(p.topic, p.partition, topicId),
      );
    }
  }

  /** Finishes interrupted deletions and removes partition dirs of topics that do not exist. */
  async #removeOrphanDirs(): Promise<void> {
    const { fs } = this.#rt;
    const dataDir = this.#options.dataDir;
    for (const entry of await fs.list(dataDir)) {
      if (!entry.isDirectory || entry.name === METADATA_LOG_DIR) continue;
      if (isDeletingDirName(entry.name)) {
        await fs.remove(joinPath(dataDir, entry.name), { recursive: true });
        continue;
      }
      const parsed = parsePartitionDirName(entry.name);
      if (parsed === null) continue;
      const owner = await readPartitionTopicId(fs, joinPath(dataDir, entry.name));
      // Only directories carrying our partition.metadata are ours to remove.
      if (owner === null) continue;
      const topic = this.#image.topic(parsed.topic);
      const live = topic !== undefined && topic.topicId === owner &&
        parsed.partition < topic.partitions.length;
      if (!live) {
        await removePartitionDir(
          fs,
          dataDir,
          entry.name,
          deletingDirName(parsed.topic, parsed.partition, owner),
        );
      }
    }
  }
}

function checkCreateRequest(
  request: CreateTopicRequest,
  defaultPartitions: number,
  internal: boolean,
) {
  if (typeof request !== "object" || request === null) {
    throw new TributaryError("INVALID_REQUEST", "create topic needs {name, partitions?, configs?}");
  }
  validateTopicName(request.name, { internal });
  const partitions = request.partitions ?? defaultPartitions;
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
  const rf = request.replicationFactor ?? -1;
  if (rf !== -1 && rf !== 1) {
    throw new TributaryError(
      "INVALID_REPLICATION_FACTOR",
      `replication factor ${String(rf)} is impossible on a single broker; use 1`,
    );
  }
  return { name: request.name, partitions, configs: normalizeTopicConfigs(request.configs) };
}
