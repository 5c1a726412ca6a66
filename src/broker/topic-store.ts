// Topics as this node stores them: the metadata image (rebuilt from the metadata log), the
// open Partition of every topic partition, and the create/delete procedures that keep the
// two and the data directory consistent across crashes.
//
// Every change is a batch of MetadataRecords appended durably before it takes effect, and
// changes run one at a time (an exclusive lock). Partition directories are created before a
// topic's records are committed and removed after its RemoveTopicRecord, so a crash leaves at
// worst directories no topic owns; open() removes those by their partition.metadata topic id.
import type { Logger } from "../logging/logger.ts";
import { TributaryError } from "../model/errors.ts";
import { type Runtime, RuntimeIoError } from "../../runtime/types.ts";
import { AsyncLock } from "../log/async-lock.ts";
import { joinPath } from "../log/segment-files.ts";
import { type MetadataImage, partitionImageOf, type TopicImage } from "../metadata/image.ts";
import { METADATA_LOG_DIR, MetadataLog } from "../metadata/metadata-log.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import { newTopicId } from "../metadata/topic-id.ts";
import { PARTITIONS_PER_TOPIC_MAX } from "./broker-options.ts";
import { Partition, type PartitionInit } from "./partition.ts";
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
import { collisionKey, validateTopicName } from "../model/topic-name.ts";
import type { CreateTopicRequest } from "../model/create-topic.ts";
import type { TopicDescription, TopicSummary } from "../model/descriptions.ts";

/** Partitions opened concurrently at start and at topic creation. */
const OPEN_PARALLEL_MAX = 16;
/**
 * Partitions closed at once: each close takes a few short-lived descriptors (snapshot, marker,
 * directory fsync), and thousands at once exhaust a low descriptor limit.
 */
const CLOSE_PARALLEL_MAX = 16;

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
        store.#partitions.set(topic.name, await store.#openPartitions(topic, { atStart: true }));
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
      partitions: partitions.map((p) => {
        const offline = p.offlineReason;
        return {
          partition: p.partition,
          leader: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicas: [...p.replicas],
          isr: [...p.isr],
          logStartOffset: offline === null ? p.logStartOffset : -1,
          highWatermark: offline === null ? p.highWatermark : -1,
          sizeBytes: p.sizeBytes,
          ...(offline === null ? {} : { offlineReason: offline.message }),
        };
      }),
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
        partitions: records.flatMap((r) => (r.type === "PartitionRecord" ? [r] : []))
          .map(partitionImageOf),
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
      const results: PromiseSettledResult<void>[] = [];
      for (let from = 0; from < all.length; from += CLOSE_PARALLEL_MAX) {
        const chunk = all.slice(from, from + CLOSE_PARALLEL_MAX);
        results.push(...await Promise.allSettled(chunk.map((p) => p.close())));
      }
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

  /**
   * Opens the topic's partitions. At start a partition that fails to open is taken offline
   * (Partition.offline) and the rest serve; when creating a topic any failure fails the creation.
   */
  async #openPartitions(
    topic: TopicImage,
    options: { atStart?: boolean } = {},
  ): Promise<Partition[]> {
    const effective = this.#effectiveConfigs(topic);
    const logConfig = logConfigOf(effective);
    const policy = topicPolicyOf(effective);
    const opened: Partition[] = [];
    try {
      for (let from = 0; from < topic.partitions.length; from += OPEN_PARALLEL_MAX) {
        const chunk = topic.partitions.slice(from, from + OPEN_PARALLEL_MAX);
        const inits = chunk.map((p) => ({
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
          ...(this.#options.producerState ? { producerState: this.#options.producerState } : {}),
        }));
        const results = await Promise.allSettled(
          inits.map((init) => Partition.open(this.#rt, this.#options.dataDir, init)),
        );
        if (options.atStart === true) {
          results.forEach((r, i) => {
            opened.push(
              r.status === "fulfilled" ? r.value : this.#offline(inits[i], r.reason as unknown),
            );
          });
          continue;
        }
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

  #offline(init: PartitionInit, reason: unknown): Partition {
    const partition = Partition.offline(this.#rt, this.#options.dataDir, init, reason);
    const why = partition.offlineReason?.message ?? String(reason);
    this.#options.logger.error(
      "partition.offline",
      `partition ${partition.name} is offline: ${why}`,
      { topic: init.topic, partition: init.partition, reason: why },
    );
    return partition;
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

  /**
   * Finishes interrupted deletions and removes partition dirs of topics that do not exist. A
   * directory that is not ours, or that cannot be read or removed, is logged and left alone:
   * nothing left in the data directory may stop the broker from starting.
   */
  async #removeOrphanDirs(): Promise<void> {
    for (const entry of await this.#rt.fs.list(this.#options.dataDir)) {
      if (!entry.isDirectory || entry.name === METADATA_LOG_DIR) continue;
      try {
        await this.#tidyDir(entry.name);
      } catch (err) {
        // Storage errors and malformed partition.metadata only; anything else is a bug.
        if (!(err instanceof RuntimeIoError || err instanceof TributaryError)) throw err;
        this.#leftover("kept", entry.name, err.message, err.code);
      }
    }
  }

  async #tidyDir(name: string): Promise<void> {
    const { fs } = this.#rt;
    const dataDir = this.#options.dataDir;
    const path = joinPath(dataDir, name);
    if (isDeletingDirName(name)) {
      await fs.remove(path, { recursive: true });
      this.#leftover("removed", name, "a deletion that did not finish");
      return;
    }
    const parsed = parsePartitionDirName(name);
    if (parsed === null) return this.#leftover("kept", name, "not a partition directory");
    const topic = this.#image.topic(parsed.topic);
    const inTopic = topic !== undefined && parsed.partition < topic.partitions.length;
    const owner = await readPartitionTopicId(fs, path);
    if (owner === null) {
      // A live partition adopts it (writing its partition.metadata); any other is not ours.
      if (!inTopic) {
        this.#leftover("kept", name, "no partition.metadata: not a Tributary partition");
      }
      return;
    }
    if (inTopic && topic.topicId === owner) return;
    await removePartitionDir(
      fs,
      dataDir,
      name,
      deletingDirName(parsed.topic, parsed.partition, owner),
    );
    this.#leftover("removed", name, `partition of a deleted topic (id ${owner})`);
  }

  #leftover(what: "removed" | "kept", dir: string, reason: string, code?: string): void {
    const message = what === "removed"
      ? `removed leftover directory ${dir}: ${reason}`
      : `left unexpected directory ${dir} alone: ${reason}`;
    this.#options.logger.warn(`topic.leftover_dir_${what}`, message, { dir, reason, code });
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
