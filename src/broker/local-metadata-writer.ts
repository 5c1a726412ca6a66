// The single-node controller: validates each change on a clone of the committed image, appends
// its records durably to the local metadata log (dataDir/__cluster_metadata-0) and hands the
// batch to the CommittedImage, whose listeners (the PartitionCatalog) then act on it. Changes run
// one at a time (an exclusive lock), so validation always sees every earlier change.
//
// Offsets: the local log has no Raft index, so a change's offset counts the changes made since
// start (the replayed image is offset 0); the epoch is always 0. Only waiters in this process
// compare them, so they need not survive a restart.
//
// The checks (name, partition count, replication factor 1 or -1, name collisions) and their
// errors are the single-node broker's, unchanged.
import { TributaryError } from "../model/errors.ts";
import type { Runtime } from "../../runtime/types.ts";
import { AsyncLock } from "../log/async-lock.ts";
import { applyBatch, CommittedImage } from "../metadata/committed-image.ts";
import type { MetadataImage } from "../metadata/image.ts";
import { MetadataLog } from "../metadata/metadata-log.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import { newTopicId } from "../metadata/topic-id.ts";
import { collisionKey, validateTopicName } from "../model/topic-name.ts";
import type { CreateTopicRequest } from "../model/create-topic.ts";
import { PARTITIONS_PER_TOPIC_MAX } from "./broker-options.ts";
import type { CreatedTopic, MetadataWriter, ReservedProducerIds } from "./metadata-writer.ts";
import { normalizeTopicConfigs } from "./topic-config.ts";
import { editTopicConfigs, type TopicConfigEdit } from "./topic-config-edit.ts";

export interface LocalMetadataWriterOptions {
  dataDir: string;
  nodeId: number;
  defaultPartitions: number;
}

export class LocalMetadataWriter implements MetadataWriter {
  readonly #rt: Runtime;
  readonly #options: LocalMetadataWriterOptions;
  readonly #log: MetadataLog;
  readonly committed: CommittedImage;
  readonly #lock = new AsyncLock("metadata", { waitersMax: 10_000 });
  #closed = false;

  private constructor(
    rt: Runtime,
    options: LocalMetadataWriterOptions,
    log: MetadataLog,
    committed: CommittedImage,
  ) {
    this.#rt = rt;
    this.#options = options;
    this.#log = log;
    this.committed = committed;
  }

  /** Opens the metadata log and replays it into the CommittedImage (at offset 0). */
  static async open(
    rt: Runtime,
    options: LocalMetadataWriterOptions,
  ): Promise<LocalMetadataWriter> {
    const { log, image } = await MetadataLog.open(rt, options.dataDir);
    const committed = new CommittedImage({ image, offset: 0, epoch: 0 });
    return new LocalMetadataWriter(rt, options, log, committed);
  }

  async createTopic(
    request: CreateTopicRequest,
    options: { internal?: boolean } = {},
  ): Promise<CreatedTopic> {
    const internal = options.internal === true;
    const { name, partitions, configs } = checkCreateRequest(
      request,
      this.#options.defaultPartitions,
      internal,
    );
    return await this.#lock.exclusive(async () => {
      checkNewName(this.committed.image, name);
      const topicId = newTopicId(this.#rt.random);
      const records: MetadataRecord[] = [
        { type: "TopicRecord", name, topicId, internal },
        ...this.#partitionRecords(name, 0, partitions),
      ];
      for (const [config, value] of Object.entries(configs)) {
        records.push({ type: "ConfigRecord", topic: name, name: config, value });
      }
      return { offset: await this.#commit(records), topicId };
    });
  }

  async deleteTopic(name: string): Promise<{ offset: number }> {
    return await this.#lock.exclusive(async () => {
      if (this.committed.image.topic(name) === undefined) {
        throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${String(name)}`);
      }
      return { offset: await this.#commit([{ type: "RemoveTopicRecord", name }]) };
    });
  }

  async alterTopicConfigs(
    name: string,
    edit: TopicConfigEdit,
    options: {
      inherited: Record<string, string>;
      current: Record<string, string>;
      validateOnly: boolean;
    },
  ): Promise<{ offset: number }> {
    return await this.#lock.exclusive(async () => {
      const topic = this.committed.image.topic(name);
      if (topic === undefined) {
        throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${String(name)}`);
      }
      if (topic.internal) {
        throw new TributaryError(
          "INVALID_TOPIC_EXCEPTION",
          `${name} is an internal topic: its configs are the broker's`,
        );
      }
      const next = editTopicConfigs(topic.configs, edit, options.inherited);
      const records: MetadataRecord[] = [];
      for (const config of Object.keys(topic.configs).sort()) {
        if (!(config in next)) {
          records.push({ type: "ConfigRecord", topic: name, name: config, value: null });
        }
      }
      for (const config of Object.keys(next).sort()) {
        if (topic.configs[config] !== next[config]) {
          records.push({ type: "ConfigRecord", topic: name, name: config, value: next[config] });
        }
      }
      if (options.validateOnly || records.length === 0) return { offset: -1 };
      return { offset: await this.#commit(records) };
    });
  }

  async createPartitions(name: string, count: number): Promise<{ offset: number }> {
    return await this.#lock.exclusive(async () => {
      const topic = this.committed.image.topic(name);
      if (topic === undefined) {
        throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${String(name)}`);
      }
      const current = topic.partitions.length;
      if (!Number.isInteger(count) || count <= current || count > PARTITIONS_PER_TOPIC_MAX) {
        throw new TributaryError(
          "INVALID_PARTITIONS",
          `topic "${name}" has ${current} partitions; the new count must be higher and at most ${PARTITIONS_PER_TOPIC_MAX}, got ${count}`,
        );
      }
      return { offset: await this.#commit(this.#partitionRecords(name, current, count)) };
    });
  }

  /** Partitions [from, to) of a topic, each on this node alone, leader epoch 0. */
  #partitionRecords(topic: string, from: number, to: number): MetadataRecord[] {
    const records: MetadataRecord[] = [];
    for (let partition = from; partition < to; partition++) {
      const replicas = [this.#options.nodeId];
      records.push({
        type: "PartitionRecord",
        topic,
        partition,
        replicas,
        leader: replicas[0],
        leaderEpoch: 0,
      });
    }
    return records;
  }

  async reserveProducerIds(blockSize: number): Promise<ReservedProducerIds> {
    return await this.#lock.exclusive(async () => {
      const start = this.committed.image.nextProducerIdBlockStart;
      const offset = await this.#commit([{
        type: "ProducerIdsRecord",
        nextBlockStart: start + blockSize,
      }]);
      return { offset, start };
    });
  }

  /** Waits for changes under way, then closes the log; later changes are refused. */
  async close(): Promise<void> {
    await this.#lock.exclusive(async () => {
      if (this.#closed) return;
      this.#closed = true;
      await this.#log.close();
    });
  }

  /**
   * Dry-runs the records on a clone (a contradiction asserts before anything is written), appends
   * them durably, then commits them. Runs under the lock.
   */
  async #commit(records: MetadataRecord[]): Promise<number> {
    if (this.#closed) {
      throw new TributaryError("BROKER_SHUTTING_DOWN", "the metadata log is closed");
    }
    const dry = applyBatch(this.committed.image, records);
    if (dry.refused !== null) throw new TributaryError("INVALID_REQUEST", dry.refused.message);
    await this.#log.append(records);
    const offset = this.committed.committedOffset + 1;
    this.committed.applyCommitted({ records, lastOffset: offset, epoch: 0 });
    return offset;
  }
}

function checkNewName(image: MetadataImage, name: string): void {
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
