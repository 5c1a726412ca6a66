// One partition as the broker serves it: its log, its leadership facts (leader, replicas, ISR,
// leader epoch), its high watermark and its idempotent producer state.
//
// On a single node the high watermark follows each completed append (produce.ts calls
// setHighWatermark); replication will drive the same method from follower progress. Readers
// never see past it. Appends become readable to fetches in the purgatory via onReadable.
//
// Producer state survives restarts through snapshot files (producer-snapshots.ts): one is
// written after every segment roll and at clean close, and open() restores the newest and
// replays the log after it.
import { assert, TributaryError } from "../errors.ts";
import type { Runtime } from "../../runtime/types.ts";
import type { LogConfig } from "../log/config.ts";
import { PartitionLog } from "../log/partition-log.ts";
import { mkdirDurable } from "../metadata/durable-dir.ts";
import { type Logger, silentLogger } from "../logging/logger.ts";
import { partitionDir, readPartitionTopicId, writePartitionTopicId } from "./partition-dir.ts";
import { type ProducerStateOptions, ProducerStateTable } from "./producer-state.ts";
import { ProducerSnapshots } from "./producer-snapshots.ts";
import type { TopicPolicy } from "./topic-config.ts";

export interface PartitionInit {
  topic: string;
  partition: number;
  topicId: string;
  nodeId: number;
  replicas: number[];
  leaderEpoch: number;
  logConfig: Partial<LogConfig>;
  policy: TopicPolicy;
  /** The high watermark moved forward over `bytes` new bytes. */
  onReadable: (partition: Partition, bytes: number) => void;
  /** producer.id.expiration.ms and the bound on producers tracked. */
  producerState?: ProducerStateOptions;
  logger?: Logger;
}

export class Partition {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly dir: string;
  readonly log: PartitionLog;
  readonly producers: ProducerStateTable;
  readonly #snapshots: ProducerSnapshots;
  readonly #logger: Logger;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  policy: TopicPolicy;
  #highWatermark: number;
  #closed = false;
  readonly #onReadable: PartitionInit["onReadable"];
  readonly #inflight = new Set<Promise<unknown>>();

  private constructor(
    rt: Runtime,
    init: PartitionInit,
    dir: string,
    log: PartitionLog,
    producers: ProducerStateTable,
  ) {
    this.topic = init.topic;
    this.partition = init.partition;
    this.topicId = init.topicId;
    this.dir = dir;
    this.log = log;
    this.leader = init.nodeId;
    this.leaderEpoch = init.leaderEpoch;
    this.replicas = [...init.replicas];
    this.isr = [init.nodeId];
    this.policy = init.policy;
    this.#onReadable = init.onReadable;
    this.#logger = init.logger ?? silentLogger;
    this.producers = producers;
    this.#snapshots = new ProducerSnapshots({
      fs: rt.fs,
      dir,
      partition: this.name,
      table: producers,
      logger: this.#logger,
    });
    // Everything the log recovered is committed: there is no other replica to wait for.
    this.#highWatermark = log.logEndOffset;
  }

  static async open(rt: Runtime, dataDir: string, init: PartitionInit): Promise<Partition> {
    const dir = partitionDir(dataDir, init.topic, init.partition);
    await mkdirDurable(rt.fs, dir);
    const owner = await readPartitionTopicId(rt.fs, dir);
    if (owner !== null && owner !== init.topicId) {
      throw new TributaryError(
        "KAFKA_STORAGE_ERROR",
        `${dir} belongs to topic id ${owner}, not ${init.topicId}`,
      );
    }
    if (owner === null) await writePartitionTopicId(rt.fs, dir, init.topicId);
    // The log rolls before the partition exists: rolls during open() need no snapshot.
    let onRoll = (_baseOffset: number, _reason: string) => {};
    const log = await PartitionLog.open(rt, dir, init.logConfig, {
      onRoll: (baseOffset, reason) => onRoll(baseOffset, reason),
    });
    const producers = new ProducerStateTable(init.producerState);
    const partition = new Partition(rt, init, dir, log, producers);
    try {
      await partition.#loadProducers(rt.clock.nowMs());
    } catch (err) {
      await log.close();
      throw err;
    }
    onRoll = (baseOffset, reason) => partition.#rolled(baseOffset, reason);
    return partition;
  }

  async #loadProducers(nowMs: number): Promise<void> {
    const loaded = await this.#snapshots.load(this.log, nowMs);
    this.#logger.debug("producer.state_loaded", `${this.name}: producer state loaded`, {
      partition: this.name,
      snapshotOffset: loaded.snapshotOffset ?? -1,
      replayedOffsets: loaded.replayedOffsets,
      producers: this.producers.producerCount,
    });
    if (this.producers.evictedAtLoad > 0) {
      this.#logger.warn(
        "producer.evicted",
        `${this.name}: ${this.producers.evictedAtLoad} idle producers dropped at load, over the limit`,
        { partition: this.name, producers: this.producers.evictedAtLoad },
      );
    }
  }

  /** After the log rolled at baseOffset: snapshot the producer state there. */
  #rolled(baseOffset: number, reason: string): void {
    this.#logger.debug("log.rolled", `${this.name}: new segment at ${baseOffset} (${reason})`, {
      partition: this.name,
      baseOffset,
      reason,
    });
    if (this.#closed) return;
    this.track(this.#snapshotAt(baseOffset));
  }

  async #snapshotAt(offset: number): Promise<void> {
    try {
      await this.#snapshots.writeAt(offset);
    } catch (err) {
      // The log stays usable; a missing snapshot only makes the next open replay more.
      this.#logger.error(
        "producer.snapshot_failed",
        `${this.name}: producer snapshot at ${offset} failed: ${
          err instanceof Error ? err.message : String(err)
        }`,
        { partition: this.name, offset },
      );
    }
  }

  /** Forgets producers idle past producer.id.expiration.ms; returns how many. */
  expireProducers(nowMs: number): number {
    return this.producers.expire(nowMs);
  }

  /**
   * Cuts the log at offset (replication's truncation); snapshots past the new end go and the
   * producer state is rebuilt from what remains.
   */
  async truncateTo(offset: number, nowMs: number): Promise<void> {
    this.checkOpen();
    await this.track(
      (async () => {
        await this.log.truncateTo(offset);
        await this.#snapshots.deleteAbove(this.log.logEndOffset);
        await this.#loadProducers(nowMs);
        this.#highWatermark = Math.min(this.#highWatermark, this.log.logEndOffset);
      })(),
    );
  }

  get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  get highWatermark(): number {
    return this.#highWatermark;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Moves the high watermark forward (never back); `bytes` became readable with it. */
  setHighWatermark(offset: number, bytes = 0): void {
    assert(offset <= this.log.logEndOffset, `${this.name}: HW ${offset} beyond LEO`);
    if (offset <= this.#highWatermark) return;
    this.#highWatermark = offset;
    this.#onReadable(this, bytes);
  }

  /** Throws UNKNOWN_TOPIC_OR_PARTITION once the partition was closed (topic deleted). */
  checkOpen(): void {
    if (this.#closed) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `partition ${this.name} was removed`);
    }
  }

  /** Registers an operation that must finish before the log closes. */
  track<T>(operation: Promise<T>): Promise<T> {
    this.#inflight.add(operation);
    const forget = () => this.#inflight.delete(operation);
    operation.then(forget, forget);
    return operation;
  }

  /** Waits for tracked operations, then closes the log cleanly. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inflight]);
    // Everything tracked settled: the table is exact up to the log end.
    await this.#snapshotAt(this.log.logEndOffset);
    await this.log.close();
  }
}
