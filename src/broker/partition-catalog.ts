// The broker side of topic metadata: the partitions this broker holds, kept in step with the
// committed metadata image. It subscribes to a CommittedImage and reacts only to committed
// deltas, one at a time: it opens the partitions this broker is a replica of once their records
// are committed (never before), closes and removes those of deleted topics, and copies each
// partition's leader, leader epoch, replicas and ISR from the image. Whoever changed the metadata
// (this broker's own writer or another node's controller) waits with waitForOffset() until the
// catalog applied the change before it answers.
//
// Deltas queue in commit order and apply serially; batches committed while one applies coalesce
// into one step (the difference between the image applied last and the newest), so the queue is
// at most one image long however fast commits arrive. A partition that fails to open is taken
// offline (Partition.offline, KAFKA_STORAGE_ERROR to every request) and the rest serve.
//
// Crash safety: a partition directory is created only after its topic is committed, so a crash
// leaves at worst a committed topic without its directories, which the replay at start creates.
// A deleted topic's directories, and those of a replica a reassignment moved off this broker, are
// renamed to `<dir>.<id>-delete` and then removed; start-up (orphan-dirs.ts) finishes interrupted
// removals and drops directories no topic in the image owns. A replica dropped while the broker
// was down is a "stray" directory: removeStrayDirs() (stray-dirs.ts), called once the broker
// has caught up, removes it.
import type { Logger } from "../logging/logger.ts";
import { TributaryError } from "../model/errors.ts";
import type { Runtime } from "../../runtime/types.ts";
import type { CommittedImage } from "../metadata/committed-image.ts";
import { diffImages, type MetadataDelta, type PartitionDelta } from "../metadata/delta.ts";
import { MetadataImage, type PartitionImage, type TopicImage } from "../metadata/image.ts";
import type { TopicDescription, TopicSummary } from "../model/descriptions.ts";
import { removeOrphanDirs } from "./orphan-dirs.ts";
import { removeStrayDirs } from "./stray-dirs.ts";
import { Partition, type PartitionInit } from "./partition.ts";
import { deletingDirName, partitionDirName, removePartitionDir } from "./partition-dir.ts";
import type { ProducerStateOptions } from "./producer-state.ts";
import { effectiveTopicConfigs, logConfigOf, topicPolicyOf } from "./topic-config.ts";

/** Partitions opened concurrently. */
const OPEN_PARALLEL_MAX = 16;
/**
 * Partitions closed at once: each close takes a few short-lived descriptors (snapshot, marker,
 * directory fsync), and thousands at once exhaust a low descriptor limit.
 */
const CLOSE_PARALLEL_MAX = 16;
/** Callers waiting for an offset at once (each a create, delete or producer id reservation). */
export const OFFSET_WAITERS_MAX = 10_000;

export interface CatalogHooks {
  /** A hosted partition's leadership or replica set changed, or it was just opened. */
  onRoleChange(partition: Partition, delta: PartitionDelta): void;
  /** The partitions of a deleted topic, once they no longer accept requests (before closing). */
  onPartitionsRemoved(partitions: Partition[]): void;
  /** A topic was created (its partition count) or deleted (0), after the catalog applied it. */
  onTopicChange(topic: string, partitionCount: number, internal: boolean): void;
  /** A failure with no caller to throw to (a deleted topic's directory that stays). */
  report(what: string, err: unknown): void;
}

export interface PartitionCatalogOptions {
  dataDir: string;
  nodeId: number;
  /** True in a cluster: only partitions whose replicas include nodeId are opened here. */
  replicasOnly: boolean;
  defaultTopicConfigs: Record<string, string>;
  onReadable: (partition: Partition, bytes: number) => void;
  logger: Logger;
  producerState?: ProducerStateOptions;
  hooks?: Partial<CatalogHooks>;
  /**
   * This broker process's incarnation: the first applied image that has it registered and
   * unfenced has caught up with the metadata log (the controller unfences a broker only then),
   * and the catalog removes the stray directories it finds then, once (removeStrayDirs()).
   */
  strayCheckIncarnationId?: string;
}

interface Pending {
  delta: MetadataDelta;
  image: MetadataImage;
  /** More than one batch since the image applied last: the delta must be recomputed. */
  coalesced: boolean;
}

interface Waiter {
  offset: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class PartitionCatalog {
  readonly #rt: Runtime;
  readonly #options: PartitionCatalogOptions;
  readonly #hooks: CatalogHooks;
  /** The image as applied here: every partition it assigns this broker is in #partitions. */
  #image = new MetadataImage();
  #appliedOffset = -1;
  readonly #partitions = new Map<string, Map<number, Partition>>();
  #pending: Pending | null = null;
  #draining: Promise<void> | null = null;
  #waiters: Waiter[] = [];
  /** Callers of removeStrayDirs(): the sweep runs between two applied steps, never during one. */
  #strayWaiters: Array<{ resolve: (dirs: string[]) => void; reject: (err: unknown) => void }> = [];
  #unsubscribe: (() => void) | null = null;
  #closed = false;
  #strayChecked = false;

  private constructor(rt: Runtime, options: PartitionCatalogOptions) {
    this.#rt = rt;
    this.#options = options;
    this.#hooks = {
      onRoleChange: () => {},
      onPartitionsRemoved: () => {},
      onTopicChange: () => {},
      report: () => {},
      ...options.hooks,
    };
  }

  /**
   * Tidies the data directory against the committed image, then subscribes (with replay) and
   * resolves once the image as of now is applied: every hosted partition open or offline.
   */
  static async open(
    rt: Runtime,
    committed: CommittedImage,
    options: PartitionCatalogOptions,
  ): Promise<PartitionCatalog> {
    const catalog = new PartitionCatalog(rt, options);
    await removeOrphanDirs(rt, options.dataDir, committed.image, options.logger);
    catalog.#unsubscribe = committed.subscribe((d, i) => catalog.#onCommitted(d, i), {
      replay: true,
    });
    try {
      await catalog.waitForOffset(committed.committedOffset);
    } catch (err) {
      await catalog.close();
      throw err;
    }
    return catalog;
  }

  /** The metadata image as this catalog applied it (what the broker answers from). */
  get image(): MetadataImage {
    return this.#image;
  }

  /** Offset of the last committed batch applied here; -1 before the first. */
  get appliedOffset(): number {
    return this.#appliedOffset;
  }

  /** Resolves once the batch at `offset` (and all before it) is applied here. */
  waitForOffset(offset: number): Promise<void> {
    if (offset <= this.#appliedOffset) return Promise.resolve();
    if (this.#closed) {
      return Promise.reject(new TributaryError("BROKER_SHUTTING_DOWN", "the catalog is closed"));
    }
    if (this.#waiters.length >= OFFSET_WAITERS_MAX) {
      return Promise.reject(
        new TributaryError("REQUEST_TIMED_OUT", `${OFFSET_WAITERS_MAX} metadata waiters already`),
      );
    }
    return new Promise((resolve, reject) => this.#waiters.push({ offset, resolve, reject }));
  }

  /**
   * Removes the directories of partitions the applied image gives this broker no replica of
   * (stray-dirs.ts); answers their names. Only for an image that has caught up with the
   * metadata log (the broker is unfenced); a single node has no strays.
   */
  removeStrayDirs(): Promise<string[]> {
    if (!this.#options.replicasOnly) return Promise.resolve([]);
    if (this.#closed) {
      return Promise.reject(new TributaryError("BROKER_SHUTTING_DOWN", "the catalog is closed"));
    }
    return new Promise((resolve, reject) => {
      this.#strayWaiters.push({ resolve, reject });
      this.#kick();
    });
  }

  isInternal(topic: string): boolean {
    return this.#image.topic(topic)?.internal === true;
  }

  hasTopic(topic: string): boolean {
    return this.#image.topic(topic) !== undefined;
  }

  /** Partitions of the topic in the image (hosted here or not); 0 when it does not exist. */
  partitionCount(topic: string): number {
    return this.#image.topic(topic)?.partitions.length ?? 0;
  }

  /** The partition hosted here, if it is. */
  partition(topic: string, partition: number): Partition | undefined {
    return this.#partitions.get(topic)?.get(partition);
  }

  *allPartitions(): Generator<Partition> {
    for (const list of this.#partitions.values()) yield* list.values();
  }

  list(): TopicSummary[] {
    return [...this.#image.topics()].map((t) => ({
      name: t.name,
      partitions: t.partitions.length,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0,
      internal: t.internal,
    }));
  }

  /** Every partition of the image; offsets and size only where hosted here (-1 and 0 if not). */
  describe(name: string): TopicDescription {
    const topic = this.#image.topic(name);
    if (topic === undefined) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${String(name)}`);
    }
    return {
      name,
      internal: topic.internal,
      configs: this.#effectiveConfigs(topic),
      partitions: topic.partitions.map((image) => {
        const p = this.partition(name, image.partition);
        const offline = p === undefined ? null : p.offlineReason;
        const known = p !== undefined && offline === null;
        return {
          partition: image.partition,
          leader: image.leader,
          leaderEpoch: image.leaderEpoch,
          replicas: [...image.replicas],
          isr: [...image.isr],
          logStartOffset: known ? p.logStartOffset : -1,
          highWatermark: known ? p.highWatermark : -1,
          sizeBytes: p?.sizeBytes ?? 0,
          ...(offline === null ? {} : { offlineReason: offline.message }),
        };
      }),
    };
  }

  /** Stops following the image, waits for the step under way, closes every partition. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#pending = null;
    await this.#draining;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of [...waiters, ...this.#strayWaiters.splice(0)]) {
      w.reject(new TributaryError("BROKER_SHUTTING_DOWN", "the broker is closing"));
    }
    const all = [...this.allPartitions()];
    this.#partitions.clear();
    const results: PromiseSettledResult<void>[] = [];
    for (let from = 0; from < all.length; from += CLOSE_PARALLEL_MAX) {
      const chunk = all.slice(from, from + CLOSE_PARALLEL_MAX);
      results.push(...await Promise.allSettled(chunk.map((p) => p.close())));
    }
    const failure = results.find((r) => r.status === "rejected");
    if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
  }

  // ---------------------------------------------------------------------------------------------

  /** Called synchronously by CommittedImage.applyCommitted: queue only, never throw. */
  #onCommitted(delta: MetadataDelta, image: MetadataImage): void {
    if (this.#closed) return;
    this.#pending = { delta, image, coalesced: this.#pending !== null };
    this.#kick();
  }

  #kick(): void {
    if (this.#draining !== null) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = null;
      // A commit between the last pass and now found the drain still set: take it up.
      if (this.#hasWork() && !this.#closed) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    // Each pass takes the pending step; a commit during a pass leaves one more, no more.
    while (this.#hasWork() && !this.#closed) {
      if (this.#pending === null) {
        await this.#sweepStrays();
        continue;
      }
      const pending = this.#pending;
      this.#pending = null;
      const at = { offset: pending.delta.offset, epoch: pending.delta.epoch };
      const delta = pending.coalesced ? diffImages(this.#image, pending.image, at) : pending.delta;
      try {
        await this.#apply(delta, pending.image);
      } catch (err) {
        // A bug (storage failures are contained below): say so, but keep following the log.
        this.#hooks.report(`applying metadata at offset ${delta.offset}`, err);
        this.#image = pending.image;
      }
      this.#appliedOffset = delta.offset;
      if (this.#caughtUpFirstTime()) await this.#sweepStrays();
      this.#wake();
    }
  }

  /** True once: the applied image has this incarnation registered and unfenced. */
  #caughtUpFirstTime(): boolean {
    const incarnationId = this.#options.strayCheckIncarnationId;
    if (this.#strayChecked || incarnationId === undefined || !this.#options.replicasOnly) {
      return false;
    }
    const me = this.#image.broker(this.#options.nodeId);
    if (me === undefined || me.incarnationId !== incarnationId || me.fenced) return false;
    this.#strayChecked = true;
    return true;
  }

  #hasWork(): boolean {
    return this.#pending !== null || this.#strayWaiters.length > 0;
  }

  async #sweepStrays(): Promise<void> {
    const waiters = this.#strayWaiters.splice(0);
    try {
      const removed = await removeStrayDirs(this.#rt, {
        dataDir: this.#options.dataDir,
        nodeId: this.#options.nodeId,
        image: this.#image,
        hosted: (topic, partition) => this.partition(topic, partition) !== undefined,
        logger: this.#options.logger,
      });
      for (const w of waiters) w.resolve(removed);
    } catch (err) {
      if (waiters.length === 0) this.#hooks.report("removing stray replica directories", err);
      for (const w of waiters) w.reject(err);
    }
  }

  async #apply(delta: MetadataDelta, image: MetadataImage): Promise<void> {
    const before = this.#image;
    // Deleted first: a topic deleted and re-created in one step reuses the directory names.
    for (const { topicId, partitions } of this.#detachDeleted(delta, before)) {
      await this.#discard(partitions, topicId);
    }
    // Then replicas a reassignment moved off this broker: closed and removed as a deleted topic's
    // (the controller drops a replica only once the target holds the data in its ISR).
    for (const { topicId, partitions } of this.#detachDropped(delta, image)) {
      await this.#discard(partitions, topicId);
    }
    const opened = await this.#openNew(delta, image);
    // From here on requests route by the new image: everything it assigns here is open.
    this.#image = image;
    for (const change of delta.partitionsChanged) {
      const p = opened.get(change) ?? this.partition(change.topic, change.partition);
      if (p === undefined) continue;
      if (!opened.has(change)) setLeadership(p, change.after);
      this.#hooks.onRoleChange(p, change);
    }
    for (const { name } of delta.configsChanged) this.#reconfigure(image, name);
    for (const { name } of delta.topicsDeleted) {
      if (image.topic(name) !== undefined) continue; // re-created in the same step
      this.#hooks.onTopicChange(name, 0, before.topic(name)?.internal === true);
    }
    const created = new Set(delta.topicsCreated.map((t) => t.name));
    for (const { name } of delta.topicsCreated) {
      const topic = image.topic(name);
      if (topic !== undefined) {
        this.#hooks.onTopicChange(name, topic.partitions.length, topic.internal);
      }
    }
    // Partitions added to an existing topic: the group coordinator reassigns over the new count.
    const grown = new Set(
      delta.partitionsChanged.filter((c) => c.before === null && !created.has(c.topic))
        .map((c) => c.topic),
    );
    for (const name of grown) {
      const topic = image.topic(name);
      if (topic !== undefined) {
        this.#hooks.onTopicChange(name, topic.partitions.length, topic.internal);
      }
    }
  }

  /** Takes the deleted topics' partitions out of service; they are closed and removed later. */
  #detachDeleted(
    delta: MetadataDelta,
    before: MetadataImage,
  ): Array<{ topicId: string; partitions: Partition[] }> {
    const removed: Array<{ topicId: string; partitions: Partition[] }> = [];
    for (const { name, topicId } of delta.topicsDeleted) {
      const hosted = this.#partitions.get(name);
      if (hosted === undefined || before.topic(name)?.topicId !== topicId) continue;
      this.#partitions.delete(name);
      const partitions = [...hosted.values()];
      this.#hooks.onPartitionsRemoved(partitions);
      removed.push({ topicId, partitions });
    }
    return removed;
  }

  /** Takes out of service the hosted partitions whose replicas no longer include this broker. */
  #detachDropped(
    delta: MetadataDelta,
    image: MetadataImage,
  ): Array<{ topicId: string; partitions: Partition[] }> {
    if (!this.#options.replicasOnly) return [];
    const removed: Array<{ topicId: string; partitions: Partition[] }> = [];
    for (const change of delta.partitionsChanged) {
      if (this.#hosts(change.after)) continue;
      const hosted = this.#partitions.get(change.topic);
      const p = hosted?.get(change.partition);
      if (hosted === undefined || p === undefined || p.topicId !== change.topicId) continue;
      if (image.topic(change.topic)?.topicId !== change.topicId) continue;
      hosted.delete(change.partition);
      if (hosted.size === 0) this.#partitions.delete(change.topic);
      this.#hooks.onPartitionsRemoved([p]);
      this.#options.logger.info(
        "partition.replica_removed",
        `${p.name} is no longer a replica here (replicas ${change.after.replicas.join(",")})`,
        { topic: p.topic, partition: p.partition },
      );
      removed.push({ topicId: change.topicId, partitions: [p] });
    }
    return removed;
  }

  /**
   * Opens the partitions the delta assigns to this broker that are not open here yet (a new
   * topic, or one this broker just became a replica of: a reassignment's new replica).
   */
  async #openNew(
    delta: MetadataDelta,
    image: MetadataImage,
  ): Promise<Map<PartitionDelta, Partition>> {
    const wanted: Array<{ change: PartitionDelta; topic: TopicImage }> = [];
    for (const change of delta.partitionsChanged) {
      const topic = image.topic(change.topic);
      if (topic === undefined || !this.#hosts(change.after)) continue;
      const existing = this.partition(change.topic, change.partition);
      if (existing !== undefined && existing.topicId === change.topicId) continue;
      wanted.push({ change, topic });
    }
    const opened = new Map<PartitionDelta, Partition>();
    for (let from = 0; from < wanted.length; from += OPEN_PARALLEL_MAX) {
      const chunk = wanted.slice(from, from + OPEN_PARALLEL_MAX);
      const inits = chunk.map(({ change, topic }) => this.#initOf(topic, change.after));
      const results = await Promise.allSettled(
        inits.map((init) => Partition.open(this.#rt, this.#options.dataDir, init)),
      );
      results.forEach((r, i) => {
        const p = r.status === "fulfilled" ? r.value : this.#offline(inits[i], r.reason as unknown);
        const { change } = chunk[i];
        let hosted = this.#partitions.get(change.topic);
        if (hosted === undefined) this.#partitions.set(change.topic, hosted = new Map());
        hosted.set(change.partition, p);
        opened.set(change, p);
      });
    }
    return opened;
  }

  #hosts(partition: PartitionImage): boolean {
    return !this.#options.replicasOnly || partition.replicas.includes(this.#options.nodeId);
  }

  #initOf(topic: TopicImage, p: PartitionImage): PartitionInit {
    const effective = this.#effectiveConfigs(topic);
    return {
      topic: topic.name,
      partition: p.partition,
      topicId: topic.topicId,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
      leaderEpoch: p.leaderEpoch,
      logConfig: logConfigOf(effective),
      policy: topicPolicyOf(effective),
      onReadable: this.#options.onReadable,
      logger: this.#options.logger,
      ...(this.#options.producerState ? { producerState: this.#options.producerState } : {}),
      ...(this.#options.replicasOnly ? { replicated: true } : {}),
    };
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

  /**
   * Closes and removes a deleted topic's (or a dropped replica's) partitions (rename to `-delete`, then remove). A
   * directory that cannot be removed now is reported and left; the next start removes it.
   */
  async #discard(partitions: Partition[], topicId: string): Promise<void> {
    for (const p of partitions) {
      try {
        await p.close();
        const dirName = partitionDirName(p.topic, p.partition);
        await removePartitionDir(
          this.#rt.fs,
          this.#options.dataDir,
          dirName,
          deletingDirName(p.topic, p.partition, topicId),
        );
      } catch (err) {
        this.#hooks.report(`removing partition ${p.name}`, err);
      }
    }
  }

  /** A topic's explicit configs and what each config falls back to without one. */
  configLayers(
    name: string,
  ): { explicit: Record<string, string>; inherited: Record<string, string> } {
    const topic = this.#image.topic(name);
    if (topic === undefined) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${String(name)}`);
    }
    return {
      explicit: { ...topic.configs },
      inherited: effectiveTopicConfigs({}, this.#options.defaultTopicConfigs),
    };
  }

  /** Committed config changes reach the open partitions: their log settings and policy. */
  #reconfigure(image: MetadataImage, name: string): void {
    const topic = image.topic(name);
    const hosted = this.#partitions.get(name);
    if (topic === undefined || hosted === undefined) return;
    const effective = this.#effectiveConfigs(topic);
    for (const p of hosted.values()) {
      if (p.closed || p.offlineReason !== null) continue;
      try {
        p.reconfigure(logConfigOf(effective), topicPolicyOf(effective));
      } catch (err) {
        // A log that failed meanwhile keeps its old settings; the rest of the delta still applies.
        this.#hooks.report(`reconfiguring partition ${p.name}`, err);
      }
    }
  }

  #effectiveConfigs(topic: TopicImage): Record<string, string> {
    return effectiveTopicConfigs(topic.configs, this.#options.defaultTopicConfigs);
  }

  #wake(): void {
    const ready = this.#waiters.filter((w) => w.offset <= this.#appliedOffset);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.offset > this.#appliedOffset);
    for (const w of ready) w.resolve();
  }
}

function setLeadership(p: Partition, image: PartitionImage): void {
  p.leader = image.leader;
  p.leaderEpoch = image.leaderEpoch;
  p.replicas = [...image.replicas];
  p.isr = [...image.isr];
}
