// The broker: topics, produce, fetch, list offsets and producer ids over one data directory.
// Transports (HTTP, CBOR-over-TCP, embedded callers) call this and nothing else.
//
// Metadata has two sides (metadata-writer.ts, partition-catalog.ts): a MetadataWriter commits
// changes, and the PartitionCatalog opens, updates and removes partitions once a change is
// committed; the broker answers a change only after its own catalog applied it. On a single node
// (no `cluster` option) the broker builds both itself: a LocalMetadataWriter over the local
// metadata log and a CommittedImage, and every partition is hosted and led here. In a cluster
// both are injected, the catalog hosts only this broker's replicas, and produce and fetch are
// refused on partitions this broker does not lead (cluster-routing.ts).
//
// Lifecycle: open() locks and claims the data directory, replays the metadata log, opens every partition
// and starts retention and log cleaning. close() refuses new requests, answers waiting fetches, lets in-flight
// requests finish, stops timers, closes every log cleanly (clean-shutdown markers) and unlocks.
import { TributaryError } from "../model/errors.ts";
import { escalateInvariant } from "../model/invariant.ts";
import type { Runtime } from "../../runtime/types.ts";
import { BrokerMetrics } from "./broker-metrics.ts";
import {
  type BrokerClusterOptions,
  type BrokerOptions,
  resolveBrokerOptions,
  type ResolvedBrokerOptions,
} from "./broker-options.ts";
import { FetchPurgatory, partitionKey } from "./delayed-fetch.ts";
import { checkFetchRequest } from "./fetch.ts";
import { mkdirDurable } from "../metadata/durable-dir.ts";
import { claimDataDir } from "./meta-properties.ts";
import { DataDirLock } from "./data-dir-lock.ts";
import type { Partition } from "./partition.ts";
import { fetchWithWait, type WaitingFetchContext } from "./waiting-fetch.ts";
import { type ProduceContext, producePartition } from "./produce.ts";
import { RetentionTask } from "./retention-task.ts";
import { CleanerTask } from "./cleaner-task.ts";
import { type CleanResult, LogCleaner } from "../log/cleaner.ts";
import { LocalMetadataWriter } from "./local-metadata-writer.ts";
import type { MetadataWriter } from "./metadata-writer.ts";
import { PartitionCatalog } from "./partition-catalog.ts";
import type { LeadershipListener } from "./replica-roles.ts";
import { clusterBrokers, epochRefusal, leadershipRefusal } from "./cluster-routing.ts";
import { configEntriesOf, type TopicConfigEntry } from "./topic-config.ts";
import type { TopicConfigEdit } from "./topic-config-edit.ts";
import { type EpochEndOffset, endOffsetIn, UNDEFINED_END } from "../log/leader-epoch-cache.ts";
import { type BrokerHealth, brokerHealth } from "./partition-health.ts";
import { CachedFileSystem } from "../log/cached-fs.ts";
import { type FileBudgetStats, OpenFileBudget } from "../log/file-cache.ts";
import { defaultOpenFilesMax, readOpenFilesLimit, reportDescriptors } from "./open-files.ts";
import type { Logger } from "../logging/logger.ts";
import { validateTopicName } from "../model/topic-name.ts";
import type {
  BrokerApi,
  FetchPartitionResult,
  FetchRequest,
  ProduceRequest,
  ProduceResult,
} from "./types.ts";
import type { CreateTopicRequest } from "../model/create-topic.ts";
import type {
  BrokerEndpoint,
  BrokerMetadata,
  MetadataOptions,
  TopicDescription,
  TopicSummary,
} from "../model/descriptions.ts";
import type { ListOffsetsResult, OffsetSpec } from "../model/offsets.ts";
import type { ProducerIdentity } from "../model/producer-identity.ts";

export type { BrokerOptions } from "./broker-options.ts";

/** Told after a topic was created (its partition count) or deleted (0). */
export type TopicChangeListener = (topic: string, partitionCount: number) => void;

/** Producer ids reserved per metadata record; a restart skips the unused rest of a block. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

type State = "running" | "closing" | "closed";

export class Broker implements BrokerApi {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly #rt: Runtime;
  readonly #options: ResolvedBrokerOptions;
  /** Set by open() right after construction. */
  #fileBudget!: OpenFileBudget;
  readonly #store: PartitionCatalog;
  readonly #writer: MetadataWriter;
  /** Set in a cluster: the writer and image are injected, routing checks leadership. */
  readonly #cluster: BrokerClusterOptions | null;
  /** The local writer this broker built and closes (single node only). */
  readonly #localWriter: LocalMetadataWriter | null;
  readonly #purgatory: FetchPurgatory;
  readonly #metrics: BrokerMetrics;
  readonly #produceContext: ProduceContext;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #creating = new Map<string, Promise<void>>();
  readonly #topicListeners = new Set<TopicChangeListener>();
  #endpoint: BrokerEndpoint;
  #state: State = "running";
  #closed: Promise<void> | null = null;
  readonly #retention: RetentionTask;
  readonly #cleaner: CleanerTask;
  readonly #dirLock: DataDirLock | null;
  #producerIdNext = 0;
  #producerIdBlockEnd = 0;

  private constructor(
    rt: Runtime,
    options: ResolvedBrokerOptions,
    clusterId: string,
    metadata: {
      store: PartitionCatalog;
      writer: MetadataWriter;
      localWriter: LocalMetadataWriter | null;
    },
    purgatory: FetchPurgatory,
    dirLock: DataDirLock | null,
  ) {
    const store = metadata.store;
    this.#writer = metadata.writer;
    this.#localWriter = metadata.localWriter;
    this.#cluster = options.cluster ?? null;
    this.nodeId = options.nodeId;
    this.#dirLock = dirLock;
    this.clusterId = clusterId;
    this.#rt = rt;
    this.#options = options;
    this.#store = store;
    this.#purgatory = purgatory;
    this.#endpoint = {
      nodeId: options.nodeId,
      host: options.host,
      port: options.port,
      httpPort: options.httpPort,
    };
    const perPartition = (value: (p: Partition) => number) => () =>
      [...store.allPartitions()].map((p) => ({
        labels: { topic: p.topic, partition: String(p.partition) },
        value: value(p),
      }));
    this.#metrics = new BrokerMetrics(options.metrics, {
      logSizes: perPartition((p) => p.sizeBytes),
      writeDegraded: perPartition((p) => (p.writeDegraded === null ? 0 : 1)),
      offline: perPartition((p) => (p.offlineReason === null ? 0 : 1)),
      logDirDegraded: () => [{
        labels: { dir: options.dataDir },
        value: this.health().status === "ok" ? 0 : 1,
      }],
      openFiles: () => this.#fileBudget.stats,
    });
    const roles = options.cluster?.roles;
    this.#produceContext = {
      nowMs: () => rt.clock.nowMs(),
      timers: rt.timers,
      metrics: this.#metrics,
      ...(roles === undefined ? {} : { replication: roles.produceReplication() }),
    };
    this.#retention = new RetentionTask({
      intervalMs: options.retentionCheckIntervalMs,
      timers: rt.timers,
      clock: rt.clock,
      partitions: () => store.allPartitions(),
      track: (run) => this.#track(run),
      report: (what, err) => this.#report(what, err),
      logger: options.logger,
    });
    this.#retention.start();
    this.#cleaner = new CleanerTask({
      intervalMs: options.cleanerIntervalMs,
      timers: rt.timers,
      clock: rt.clock,
      cleaner: new LogCleaner(rt, { offsetMapBytesMax: options.cleanerOffsetMapBytesMax }),
      partitions: () => store.allPartitions(),
      track: (run) => this.#track(run),
      report: (what, err) => this.#report(what, err),
      logger: options.logger,
    });
    this.#cleaner.start();
  }

  static async open(hostRt: Runtime, options: BrokerOptions): Promise<Broker> {
    const resolved = resolveBrokerOptions(options);
    const processLimit = await readOpenFilesLimit(hostRt.fs);
    const budget = new OpenFileBudget(resolved.openFilesMax ?? defaultOpenFilesMax(processLimit));
    // Every file of the data directory goes through the budget (cached-fs.ts).
    const rt: Runtime = { ...hostRt, fs: new CachedFileSystem(hostRt.fs, budget) };
    await mkdirDurable(rt.fs, resolved.dataDir);
    // First, before anything in the directory is read or written.
    const dirLock = resolved.lockDataDir
      ? await DataDirLock.acquire(rt, resolved.dataDir, resolved.logger)
      : null;
    try {
      const meta = await claimDataDir(rt.fs, rt.random, resolved.dataDir, resolved);
      const purgatory = new FetchPurgatory(rt.timers, { parkedMax: resolved.parkedFetchesMax });
      const localWriter = resolved.cluster === undefined
        ? await LocalMetadataWriter.open(rt, {
          dataDir: resolved.dataDir,
          nodeId: resolved.nodeId,
          defaultPartitions: resolved.defaultPartitions,
        })
        : null;
      const writer = resolved.cluster?.writer ?? localWriter!;
      const committed = resolved.cluster?.committed ?? localWriter!.committed;
      // The catalog's hooks reach the broker, which exists only once the catalog is open.
      let broker: Broker | null = null;
      let store: PartitionCatalog;
      try {
        store = await PartitionCatalog.open(rt, committed, {
          dataDir: resolved.dataDir,
          nodeId: resolved.nodeId,
          replicasOnly: resolved.cluster !== undefined,
          ...(resolved.cluster?.incarnationId !== undefined
            ? { strayCheckIncarnationId: resolved.cluster.incarnationId }
            : {}),
          defaultTopicConfigs: resolved.defaultTopicConfigs,
          onReadable: (p, bytes) => purgatory.onAppend(partitionKey(p.topic, p.partition), bytes),
          logger: resolved.logger,
          producerState: { expirationMs: resolved.producerIdExpirationMs },
          hooks: {
            onRoleChange: (p, delta) => {
              resolved.cluster?.roles?.onRoleChange(p, delta);
              resolved.cluster?.onRoleChange?.(p, delta);
            },
            onPartitionsRemoved: (list) => {
              resolved.cluster?.roles?.onPartitionsRemoved(list);
              for (const p of list) purgatory.completeKey(partitionKey(p.topic, p.partition));
            },
            onTopicChange: (topic, count, internal) => {
              if (broker !== null) broker.#topicChanged(topic, count, internal);
            },
            report: (what, err) => reportBackground(resolved.logger, what, err),
          },
        });
      } catch (err) {
        await localWriter?.close();
        throw err;
      }
      const partitions = [...store.allPartitions()];
      reportDescriptors(resolved.logger, {
        partitions: partitions.length,
        segmentFiles: partitions.reduce(
          (n, p) => n + (p.offlineReason === null ? 3 * p.log.segmentCount : 0),
          0,
        ),
        openFilesMax: budget.openFilesMax,
        processLimit,
      });
      broker = new Broker(
        rt,
        resolved,
        meta.clusterId,
        { store, writer, localWriter },
        purgatory,
        dirLock,
      );
      broker.#fileBudget = budget;
      return broker;
    } catch (err) {
      await dirLock?.release();
      throw err;
    }
  }

  /** Where clients reach this broker; transports call it once their listeners are bound. */
  advertise(endpoint: Partial<Omit<BrokerEndpoint, "nodeId">>): void {
    this.#endpoint = { ...this.#endpoint, ...endpoint, nodeId: this.nodeId };
  }

  /** The data directory's open-file budget: descriptors open, evictions (open-files.ts). */
  get openFiles(): FileBudgetStats {
    return this.#fileBudget.stats;
  }

  get endpoint(): BrokerEndpoint {
    return { ...this.#endpoint };
  }

  // ---------------------------------------------------------------------------------------------
  // Topics

  metadata(topics?: string[], options: MetadataOptions = {}): BrokerMetadata {
    this.#checkRunning();
    if (topics !== undefined && !Array.isArray(topics)) {
      throw new TributaryError("INVALID_REQUEST", "metadata topics must be a list of names");
    }
    const names = topics ?? this.#store.list().map((t) => t.name);
    const described: TopicDescription[] = [];
    for (const name of names) {
      if (this.#store.hasTopic(name)) described.push(this.#store.describe(name));
      else if (this.#options.autoCreateTopics) this.#autoCreateInBackground(name);
    }
    if (this.#cluster !== null) {
      return {
        clusterId: this.clusterId,
        controllerId: this.#cluster.controllerId() ?? -1,
        brokers: clusterBrokers(this.#store.image, options),
        topics: described,
      };
    }
    return {
      clusterId: this.clusterId,
      controllerId: this.nodeId,
      brokers: [
        options.includeFencedBrokers === true
          ? { ...this.endpoint, state: "running" as const }
          : this.endpoint,
      ],
      topics: described,
    };
  }

  createTopic(request: CreateTopicRequest): Promise<TopicDescription> {
    this.#checkRunning();
    return this.#track(
      this.#create(request, false).then((created) => {
        this.#options.logger.info("topic.created", `created topic ${created.name}`, {
          topic: created.name,
          partitions: created.partitions.length,
        });
        return created;
      }),
    );
  }

  /** Creates one of the broker's own topics (internal: clients may read but not write it). */
  createInternalTopic(request: CreateTopicRequest): Promise<TopicDescription> {
    this.#checkRunning();
    return this.#track(this.#create(request, true));
  }

  /** Commits the creation, then answers once this broker's catalog applied it. */
  async #create(request: CreateTopicRequest, internal: boolean): Promise<TopicDescription> {
    const { offset } = await this.#writer.createTopic(request, { internal });
    await this.#store.waitForOffset(offset);
    return this.#store.describe(request.name);
  }

  /**
   * Grows a topic to `count` partitions on a single node; answers once this broker serves them.
   * UNSUPPORTED_VERSION where the node's controller grows topics instead (a cluster node).
   */
  async createPartitions(name: string, count: number): Promise<TopicDescription> {
    this.#checkRunning();
    const writer = this.#writer;
    if (writer.createPartitions === undefined) {
      throw new TributaryError(
        "UNSUPPORTED_VERSION",
        `this node adds partitions through its controller; "${name}" is unchanged`,
      );
    }
    if (this.#store.isInternal(name)) {
      throw new TributaryError(
        "INVALID_TOPIC_EXCEPTION",
        `${name} is an internal topic: its partition count is the broker's`,
      );
    }
    const { offset } = await this.#track(writer.createPartitions(name, count));
    await this.#store.waitForOffset(offset);
    this.#options.logger.info("topic.partitions_added", `topic ${name} has ${count} partitions`, {
      topic: name,
      partitions: count,
    });
    return this.#store.describe(name);
  }

  deleteTopic(name: string): Promise<void> {
    this.#checkRunning();
    if (this.#store.isInternal(name)) {
      return Promise.reject(
        new TributaryError(
          "INVALID_TOPIC_EXCEPTION",
          `${name} is an internal topic: not deletable`,
        ),
      );
    }
    // The catalog completes its waiting fetches, removes it and tells the listeners.
    return this.#track(
      this.#writer.deleteTopic(name).then(async ({ offset }) => {
        await this.#store.waitForOffset(offset);
        this.#options.logger.info("topic.deleted", `deleted topic ${name}`, { topic: name });
      }),
    );
  }

  /** Offset of the last committed metadata batch this broker applied (-1 before the first). */
  get metadataOffset(): number {
    return this.#store.appliedOffset;
  }

  /** Resolves once this broker applied the committed metadata up to `offset`. */
  waitForMetadataOffset(offset: number): Promise<void> {
    return this.#store.waitForOffset(offset);
  }

  /** Registers a listener for topic creation and deletion; returns its removal. */
  onTopicChange(listener: TopicChangeListener): () => void {
    this.#topicListeners.add(listener);
    return () => this.#topicListeners.delete(listener);
  }

  /**
   * Log start offset and high watermark of a partition, or undefined when it does not exist or
   * is offline (its offsets are unknown).
   */
  partitionOffsets(
    topic: string,
    partition: number,
  ): { logStartOffset: number; highWatermark: number } | undefined {
    const p = this.#lookup(topic, partition);
    return p === undefined || p.offlineReason !== null
      ? undefined
      : { logStartOffset: p.logStartOffset, highWatermark: p.highWatermark };
  }

  listTopics(): TopicSummary[] {
    this.#checkRunning();
    return this.#store.list();
  }

  describeTopic(name: string): TopicDescription {
    this.#checkRunning();
    return this.#store.describe(name);
  }

  async partitionCount(topic: string): Promise<number> {
    this.#checkRunning();
    return await this.#partitionsOf(topic);
  }

  // ---------------------------------------------------------------------------------------------
  // Produce and fetch

  produce(request: ProduceRequest): Promise<ProduceResult> {
    try {
      this.#checkRunning();
      checkShape(request, "produce request");
      if (this.#store.isInternal(request.topic)) {
        throw new TributaryError(
          "INVALID_TOPIC_EXCEPTION",
          `cannot produce to internal topic ${request.topic}`,
        );
      }
      return this.#produce(request);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Durable append (acks -1) to an internal topic, for the broker's own services. Synchronous up
   * to the log append, so calls reach the log in call order.
   */
  appendInternal(
    request: Omit<ProduceRequest, "acks">,
    guard: { leaderEpoch?: number } = {},
  ): Promise<ProduceResult> {
    try {
      this.#checkRunning();
      if (!this.#store.isInternal(request.topic)) {
        throw new TributaryError("INVALID_TOPIC_EXCEPTION", `${request.topic} is not internal`);
      }
      if (guard.leaderEpoch !== undefined) this.#checkLeaderEpoch(request, guard.leaderEpoch);
      return this.#produce({ ...request, acks: -1 });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * A write of a deposed leader must not land (a coordinator that lost its partition): the
   * partition's current leader epoch, as this broker acts on it, must be the one the writer
   * loaded under.
   */
  #checkLeaderEpoch(request: Omit<ProduceRequest, "acks">, leaderEpoch: number): void {
    const p = this.#lookup(request.topic, request.partition);
    if (p === undefined) {
      throw new TributaryError(
        "NOT_LEADER_OR_FOLLOWER",
        `${request.topic}-${request.partition} is not hosted here`,
      );
    }
    const roles = this.#cluster?.roles;
    const current = roles === undefined ? p.leaderEpoch : roles.leadingEpoch(p);
    if (current === null) {
      throw new TributaryError("NOT_LEADER_OR_FOLLOWER", `${p.name} is not led here any more`);
    }
    if (current !== leaderEpoch) {
      throw new TributaryError(
        "FENCED_LEADER_EPOCH",
        `${p.name} is led in epoch ${current}, the write was for epoch ${leaderEpoch}`,
      );
    }
  }

  /**
   * Tells listener each hosted partition's leadership as this broker acts on it: at once for
   * every current one, then after every committed change. On one node every partition is led
   * here in its (fixed) epoch.
   */
  onLeadershipChange(listener: LeadershipListener): () => void {
    const roles = this.#cluster?.roles;
    if (roles !== undefined) return roles.onLeadershipChange(listener);
    for (const p of this.#store.allPartitions()) {
      listener({
        topic: p.topic,
        partition: p.partition,
        leader: this.nodeId,
        leaderEpoch: p.leaderEpoch,
        isLeader: true,
      });
    }
    return () => {};
  }

  /** Throws synchronously for a known topic; callers turn that into a rejection. */
  #produce(request: ProduceRequest): Promise<ProduceResult> {
    // Known topic: reach the log in this same turn, so calls keep their order (pipelining).
    if (this.#store.hasTopic(request.topic)) {
      return this.#track(
        producePartition(this.#partitionOf(request), request, this.#produceContext),
      );
    }
    return this.#track(
      this.#partitionsOf(request.topic).then(() =>
        producePartition(this.#partitionOf(request), request, this.#produceContext)
      ),
    );
  }

  async fetch(request: FetchRequest): Promise<FetchPartitionResult[]> {
    this.#checkRunning();
    checkShape(request, "fetch request");
    checkFetchRequest(request);
    const waitMs = Math.min(request.maxWaitMs, this.#options.fetchWaitMsMax);
    return await this.#track(fetchWithWait(request, waitMs, this.#fetchContext));
  }

  async listOffsets(
    topic: string,
    partition: number,
    spec: OffsetSpec,
  ): Promise<ListOffsetsResult> {
    this.#checkRunning();
    if (this.#cluster !== null) {
      const refusal = leadershipRefusal(this.#store.image, this.nodeId, topic, partition);
      if (refusal !== null) throw refusal;
    }
    const p = this.#lookup(topic, partition);
    if (p === undefined) {
      throw new TributaryError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `unknown partition ${topic}-${partition}`,
      );
    }
    if (spec === "earliest") return { offset: p.logStartOffset, timestampMs: -1 };
    if (spec === "latest") return { offset: p.highWatermark, timestampMs: -1 };
    const ts = typeof spec === "object" && spec !== null ? spec.timestampMs : Number.NaN;
    if (ts === -2) return { offset: p.logStartOffset, timestampMs: -1 };
    if (ts === -1) return { offset: p.highWatermark, timestampMs: -1 };
    if (!Number.isSafeInteger(ts) || ts < 0) {
      throw new TributaryError(
        "INVALID_REQUEST",
        `offset spec must be earliest, latest or {timestampMs >= 0}`,
      );
    }
    let found: Awaited<ReturnType<typeof p.log.offsetForTimestamp>>;
    try {
      found = await this.#track(p.track(p.log.offsetForTimestamp(ts)));
    } catch (err) {
      throw p.contain(err) ?? err;
    }
    if (found === null || found.offset >= p.highWatermark) return { offset: -1, timestampMs: -1 };
    return { offset: Math.max(found.offset, p.logStartOffset), timestampMs: found.timestamp };
  }

  async initProducerId(): Promise<ProducerIdentity> {
    this.#checkRunning();
    if (this.#producerIdNext >= this.#producerIdBlockEnd) {
      const { start } = await this.#track(this.#writer.reserveProducerIds(PRODUCER_ID_BLOCK_SIZE));
      // Another caller may have reserved a newer block meanwhile; the later one wins.
      if (start >= this.#producerIdBlockEnd) {
        this.#producerIdNext = start;
        this.#producerIdBlockEnd = start + PRODUCER_ID_BLOCK_SIZE;
      }
    }
    return { producerId: this.#producerIdNext++, producerEpoch: 0 };
  }

  // ---------------------------------------------------------------------------------------------
  // Admin: topic configs, record deletion, leader-epoch lookups

  /** The topic's id (32 hex digits), or undefined when there is no such topic. */
  topicId(name: string): string | undefined {
    this.#checkRunning();
    return this.#store.image.topic(name)?.topicId;
  }

  /** The name of the topic with this id (dashes and case aside), or undefined. */
  topicNameOf(topicId: string): string | undefined {
    this.#checkRunning();
    const wanted = topicId.replaceAll("-", "").toLowerCase();
    for (const t of this.#store.image.topics()) {
      if (t.topicId.replaceAll("-", "").toLowerCase() === wanted) return t.name;
    }
    return undefined;
  }

  /** Every supported config of a topic with its effective value and where that comes from. */
  topicConfigEntries(name: string): TopicConfigEntry[] {
    this.#checkRunning();
    const { explicit } = this.#store.configLayers(name);
    return configEntriesOf(explicit, this.#options.defaultTopicConfigs);
  }

  /**
   * Changes a topic's explicit configs (topic-config-edit.ts) and answers once this broker
   * applies them; with validateOnly it only checks. In a cluster the controller commits them.
   */
  async alterTopicConfigs(
    name: string,
    edit: TopicConfigEdit,
    options: { validateOnly?: boolean } = {},
  ): Promise<void> {
    this.#checkRunning();
    const writer = this.#writer;
    if (writer.alterTopicConfigs === undefined) {
      throw new TributaryError(
        "UNSUPPORTED_VERSION",
        `this node's controller cannot change topic configs; ${name} keeps its own`,
      );
    }
    const { inherited, explicit } = this.#store.configLayers(name);
    const { offset } = await this.#track(
      writer.alterTopicConfigs(name, edit, {
        inherited,
        current: explicit,
        validateOnly: options.validateOnly === true,
      }),
    );
    if (offset < 0) return;
    await this.#store.waitForOffset(offset);
    this.#options.logger.info("topic.configs_altered", `altered configs of topic ${name}`, {
      topic: name,
      configs: edit.ops.map((o) => o.name).join(","),
    });
  }

  /**
   * Kafka's DeleteRecords on the leader: the log start moves up to beforeOffset (-1: the high
   * watermark), at most to the high watermark. Followers keep their own log start until their
   * retention passes it (they do not follow a leader's).
   */
  async deleteRecords(
    topic: string,
    partition: number,
    beforeOffset: number,
  ): Promise<{ lowWatermark: number }> {
    this.#checkRunning();
    if (this.#store.isInternal(topic)) {
      throw new TributaryError("INVALID_TOPIC_EXCEPTION", `${topic} is internal: not deletable`);
    }
    const p = this.#leaderPartition(topic, partition);
    const target = beforeOffset === -1 ? p.highWatermark : beforeOffset;
    if (!Number.isSafeInteger(target) || target < 0 || target > p.highWatermark) {
      throw new TributaryError(
        "OFFSET_OUT_OF_RANGE",
        `${p.name}: records can be deleted up to the high watermark ${p.highWatermark}, not ${beforeOffset}`,
      );
    }
    try {
      await this.#track(p.track(p.log.deleteRecordsBefore(target)));
    } catch (err) {
      throw p.contain(err) ?? err;
    }
    return { lowWatermark: p.logStartOffset };
  }

  /**
   * OffsetForLeaderEpoch on the leader (KIP-320): where leaderEpoch ended in this log (the log
   * end for the current epoch). A replicated log keeps a leader-epoch cache; a single node's
   * partitions have had one epoch since they were created, which began at offset 0.
   */
  endOffsetForLeaderEpoch(
    topic: string,
    partition: number,
    leaderEpoch: number,
    currentLeaderEpoch = -1,
  ): EpochEndOffset {
    this.#checkRunning();
    const p = this.#leaderPartition(topic, partition, currentLeaderEpoch);
    if (this.#cluster === null) {
      const refusal = epochRefusal(topic, partition, p.leaderEpoch, currentLeaderEpoch);
      if (refusal !== null) throw refusal;
      if (leaderEpoch < 0) return { ...UNDEFINED_END };
      const only = [{ epoch: p.leaderEpoch, startOffset: 0 }];
      return endOffsetIn(only, leaderEpoch, p.log.logEndOffset);
    }
    return p.log.endOffsetForEpoch(leaderEpoch);
  }

  /** A partition this broker leads (in a cluster, by its image), or why not. */
  #leaderPartition(topic: string, partition: number, currentLeaderEpoch?: number): Partition {
    if (this.#cluster !== null) {
      const refusal = leadershipRefusal(
        this.#store.image,
        this.nodeId,
        topic,
        partition,
        currentLeaderEpoch,
      );
      if (refusal !== null) throw refusal;
    }
    const p = this.#lookup(topic, partition);
    if (p === undefined) {
      throw new TributaryError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `unknown partition ${String(topic)}-${String(partition)}`,
      );
    }
    if (p.offlineReason !== null) throw p.offlineReason;
    return p;
  }

  /** Offline and write-degraded partitions, for `GET /v1/health` (partition-health.ts). */
  health(): BrokerHealth {
    return brokerHealth(this.#store.allPartitions(), this.#options.dataDir);
  }

  /** One log cleaning run over the compacted partitions now, by partition name (tests, tools). */
  cleanLogs(): Promise<Map<string, CleanResult>> {
    this.#checkRunning();
    return this.#track(this.#cleaner.runOnce());
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#state = "closing";
    this.#retention.stop();
    this.#cleaner.stop();
    this.#purgatory.completeAll();
    await Promise.allSettled([...this.#inflight]);
    try {
      try {
        await this.#store.close();
      } finally {
        await this.#localWriter?.close();
      }
    } finally {
      // Last: the directory is free once nothing of this broker touches it any more.
      await this.#dirLock?.release();
      this.#state = "closed";
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  get #fetchContext(): WaitingFetchContext {
    const cluster = this.#cluster;
    return {
      lookup: (t, p) => this.#lookup(t, p),
      ...(cluster === null ? {} : {
        refusal: (t: string, p: number, epoch?: number) =>
          leadershipRefusal(this.#store.image, this.nodeId, t, p, epoch),
      }),
      metrics: this.#metrics,
      purgatory: this.#purgatory,
      running: () => this.#state === "running",
    };
  }

  #checkRunning(): void {
    if (this.#state !== "running") {
      throw new TributaryError("BROKER_SHUTTING_DOWN", `broker ${this.nodeId} is ${this.#state}`);
    }
  }

  #track<T>(operation: Promise<T>): Promise<T> {
    this.#inflight.add(operation);
    const forget = () => this.#inflight.delete(operation);
    operation.then(forget, forget);
    return operation;
  }

  #lookup(topic: string, partition: number): Partition | undefined {
    const p = this.#store.partition(topic, partition);
    return p === undefined || p.closed ? undefined : p;
  }

  #partitionOf(request: ProduceRequest): Partition {
    if (this.#cluster !== null) {
      const refusal = leadershipRefusal(
        this.#store.image,
        this.nodeId,
        request.topic,
        request.partition,
      );
      if (refusal !== null) throw refusal;
    }
    const p = Number.isInteger(request.partition)
      ? this.#store.partition(request.topic, request.partition)
      : undefined;
    if (p === undefined) {
      throw new TributaryError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `topic ${request.topic} has no partition ${String(request.partition)}`,
      );
    }
    return p;
  }

  /** The topic's partition count, creating the topic first when auto-creation is on. */
  async #partitionsOf(topic: string): Promise<number> {
    if (this.#store.hasTopic(topic)) return this.#store.partitionCount(topic);
    if (!this.#options.autoCreateTopics) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `unknown topic ${String(topic)}`);
    }
    validateTopicName(topic);
    await this.#autoCreate(topic);
    if (!this.#store.hasTopic(topic)) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `topic ${topic} was removed`);
    }
    return this.#store.partitionCount(topic);
  }

  /** One creation per name at a time; concurrent callers share it. */
  #autoCreate(topic: string): Promise<void> {
    let pending = this.#creating.get(topic);
    if (pending === undefined) {
      pending = this.#track(
        this.#create({ name: topic }, false).then(
          () => undefined,
          (err: unknown) => {
            if (err instanceof TributaryError && err.code === "TOPIC_ALREADY_EXISTS") return;
            throw err;
          },
        ),
      );
      const forget = () => this.#creating.delete(topic);
      pending.then(forget, forget);
      this.#creating.set(topic, pending);
    }
    return pending;
  }

  /** metadata() is synchronous: it starts the creation and a later call sees the topic. */
  #autoCreateInBackground(topic: string): void {
    try {
      validateTopicName(topic);
    } catch (err) {
      if (err instanceof TributaryError) return; // an invalid name simply stays unknown
      throw err;
    }
    this.#autoCreate(topic).catch((err: unknown) =>
      this.#report(`auto-creating topic ${topic}`, err)
    );
  }

  /**
   * Tells listeners (the group coordinator) a topic's partition count now, once the catalog
   * applied the committed change. The broker's own internal topics are not announced.
   */
  #topicChanged(topic: string, count: number, internal: boolean): void {
    if (internal) return;
    if (count === 0) this.#metrics.topicDeleted(topic);
    for (const listener of [...this.#topicListeners]) {
      try {
        listener(topic, count);
      } catch (err) {
        this.#report(`topic change listener for ${topic}`, err);
      }
    }
  }

  /**
   * Background failures have no caller to throw to: they go to stderr. An invariant violation
   * here is not a partition's (those were contained on the way): it stops the process.
   */
  #report(what: string, err: unknown): void {
    reportBackground(this.#options.logger, what, err);
  }

  /** Fetches parked until data arrives or their wait ends (Kafka's fetch purgatory size). */
  get waitingFetchCount(): number {
    return this.#purgatory.parkedCount;
  }

  get logger(): Logger {
    return this.#options.logger;
  }
}

function reportBackground(logger: Logger, what: string, err: unknown): void {
  escalateInvariant(err, what);
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const code = err instanceof TributaryError ? err.code : undefined;
  logger.error("broker.task_failed", `${what} failed: ${message}`, { code });
}

function checkShape(request: unknown, what: string): void {
  if (typeof request !== "object" || request === null) {
    throw new TributaryError("INVALID_REQUEST", `${what} must be an object`);
  }
}
