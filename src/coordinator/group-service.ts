// The group coordinator service: the shell around GroupCoordinator (docs/groups.md) that the
// protocol handlers and the HTTP API call. It owns `__consumer_offsets`: creates it (retrying
// while a cluster is still forming), loads a partition by replay when this broker becomes its
// leader and drops it when leadership moves, routes each group to its partition's coordinator,
// names the coordinating broker (FindCoordinator), serialises the operations of one group (the
// core wants one heartbeat per member at a time), reports topic changes, and adds high
// watermarks and lag to committed offsets.
import { type Logger, silentLogger } from "../logging/logger.ts";
import type { Clock, Random, TimerHandle, Timers } from "../../runtime/types.ts";
import type { BrokerEndpoint } from "../model/descriptions.ts";
import { TributaryError } from "../model/errors.ts";
import { escalateInvariant } from "../model/invariant.ts";
import {
  type Assignor,
  type CommitOffsetsRequest,
  type CommittedOffset,
  GroupCoordinator,
  type GroupCoordinatorConfig,
  type GroupDescription,
  type GroupListing,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type LeaveRequest,
  randomMemberIds,
  type TopicPartitions,
} from "../group/mod.ts";
import {
  CoordinatorPartition,
  type CoordinatorPartitionDeps,
  type CoordinatorPartitionState,
  type WithLogRecords,
} from "./coordinator-partition.ts";
import type { AutoOffsetReset, HttpMemberRecord } from "./http-member-record.ts";
import type { ClassicResult } from "../group/classic/effects.ts";
import type {
  ClassicCommitRequest,
  ClassicGroupsApi,
  ClassicHeartbeatRequest,
  ClassicJoinRequest,
  ClassicJoinResponse,
  ClassicLeaveMember,
  ClassicLeaveResult,
  ClassicSyncRequest,
  ClassicSyncResponse,
  KafkaGroupDescription,
  KafkaGroupListing,
} from "./classic-types.ts";
import type { HttpMemberStore } from "./http-member-store.ts";
import { KeyedSerial } from "./keyed-serial.ts";
import { offsetsPartitionFor } from "./offsets-partition.ts";
import {
  checkOffsetsTopicSettings,
  CONSUMER_OFFSETS_TOPIC,
  ensureOffsetsTopic,
  knownOffsetsTopic,
  OFFSETS_TOPIC_PARTITIONS_DEFAULT,
  OFFSETS_TOPIC_REPLICATION_FACTOR_DEFAULT,
  type OffsetsTopicSettings,
} from "./offsets-topic.ts";
import { resolveResetOffsets } from "./reset-offsets.ts";
import type {
  CoordinatorBroker,
  GroupCoordinatorLocation,
  GroupOffset,
  GroupOffsetsQuery,
  GroupServiceApi,
  HttpMemberDirectory,
  HttpMemberLookup,
  ResetOffsetsSpec,
  ResolvedOffset,
} from "./types.ts";

export interface GroupServiceOptions {
  /** Partitions of `__consumer_offsets` when the broker creates it (Kafka's 50 is a lot). */
  offsetsTopicPartitions?: number;
  /**
   * offsets.topic.replication.factor when the broker creates `__consumer_offsets` (default 1:
   * one node). Until the controller accepts it (too few brokers registered yet) creation is
   * retried with backoff and the groups answer COORDINATOR_NOT_AVAILABLE.
   */
  offsetsTopicReplicationFactor?: number;
  /**
   * offsets.commit.timeout.ms: how long a write to `__consumer_offsets` (an offset commit, any
   * group change) waits for the in-sync replicas before it fails (default 5 s, Kafka's).
   */
  offsetsCommitTimeoutMs?: number;
  /** Limits and defaults of the coordinator core. */
  config?: Partial<GroupCoordinatorConfig>;
  assignors?: readonly Assignor[];
  /** Operations of one group running or waiting at once; more are refused (retriable). */
  groupOperationsQueuedMax?: number;
  /** Failures with no caller to report to (a failed load, a failed timer-driven append). */
  report?: (what: string, err: unknown) => void;
  /** Group lifecycle events: joins, rebalances, members expired. */
  logger?: Logger;
}

const GROUP_OPERATIONS_QUEUED_MAX_DEFAULT = 1_000;
export const OFFSETS_COMMIT_TIMEOUT_MS_DEFAULT = 5_000;
const OFFSETS_COMMIT_TIMEOUT_MS_MAX = 300_000;
/** Partitions loading at once (each replays its log: reads and decodes). */
const LOAD_PARALLEL_MAX = 4;
/** Backoff between attempts to create `__consumer_offsets`: doubles from min to max. */
const CREATE_RETRY_MS_MIN = 100;
const CREATE_RETRY_MS_MAX = 5_000;
/** Refusals after which creating the topic is tried again (the cluster is still forming). */
const CREATE_RETRIED: ReadonlySet<string> = new Set([
  "INVALID_REPLICATION_FACTOR",
  "NOT_CONTROLLER",
  "BROKER_NOT_AVAILABLE",
]);

type ServiceRuntime = {
  clock: Pick<Clock, "nowMs">;
  timers: Pick<Timers, "setTimeout">;
  random: Random;
};

export class GroupService implements GroupServiceApi, HttpMemberDirectory, ClassicGroupsApi {
  readonly #broker: CoordinatorBroker;
  readonly #timers: Pick<Timers, "setTimeout">;
  readonly #logger: Logger;
  readonly #settings: OffsetsTopicSettings;
  readonly #deps: CoordinatorPartitionDeps;
  readonly #serial: KeyedSerial;
  /** Known once `__consumer_offsets` exists in this broker's metadata. */
  #partitions: CoordinatorPartition[] | null = null;
  /** Settles once the partitions led here when the topic was taken up have loaded. */
  #adopted: Promise<void> | null = null;
  readonly #unsubscribeTopics: () => void;
  #unsubscribeLeadership: () => void = () => {};
  #createRetry: TimerHandle | null = null;
  #createRetryMs = CREATE_RETRY_MS_MIN;
  #closed: Promise<void> | null = null;

  private constructor(
    rt: ServiceRuntime,
    broker: CoordinatorBroker,
    settings: OffsetsTopicSettings,
    options: GroupServiceOptions,
  ) {
    this.#broker = broker;
    this.#timers = rt.timers;
    this.#settings = settings;
    this.#logger = options.logger ?? silentLogger;
    this.#serial = new KeyedSerial(
      options.groupOperationsQueuedMax ?? GROUP_OPERATIONS_QUEUED_MAX_DEFAULT,
    );
    const newMemberId = randomMemberIds(rt.random);
    const reportOption = options.report ?? (() => undefined);
    // Group state is the process's, not one partition's: a violation in a load, an append or a
    // timer step (coordinator-partition.ts reports them all here) stops the process.
    const report = (what: string, err: unknown) => {
      escalateInvariant(err, what);
      reportOption(what, err);
    };
    // Waiters per slot are bounded by the partition count (each partition waits once at a time).
    const loadSlots = new KeyedSerial(Number.MAX_SAFE_INTEGER);
    this.#deps = {
      broker,
      clock: rt.clock,
      timers: rt.timers,
      report,
      logger: this.#logger,
      partitionCounts: () => this.#partitionCounts(),
      appendTimeoutMs: options.offsetsCommitTimeoutMs ?? OFFSETS_COMMIT_TIMEOUT_MS_DEFAULT,
      loadSlot: (partition, load) => loadSlots.run(String(partition % LOAD_PARALLEL_MAX), load),
      newCoordinator: (partitionCounts: ReadonlyMap<string, number>) =>
        new GroupCoordinator({
          newMemberId,
          partitionCounts,
          ...(options.config ? { config: options.config } : {}),
          ...(options.assignors ? { assignors: options.assignors } : {}),
        }),
    };
    this.#unsubscribeTopics = broker.onTopicChange((topic, count) => {
      if (topic === CONSUMER_OFFSETS_TOPIC) {
        if (count > 0) void this.#adoptKnown();
        return;
      }
      for (const p of this.#partitions ?? []) p.onPartitionCountChange(topic, count);
    });
  }

  /**
   * Creates `__consumer_offsets` if missing, then loads the partitions this broker leads (on one
   * node: every partition) before returning. In a cluster still forming, creation goes on in the
   * background (and leadership comes later): start returns and groups answer
   * COORDINATOR_NOT_AVAILABLE, or NOT_COORDINATOR, until then.
   */
  static async start(
    rt: ServiceRuntime,
    broker: CoordinatorBroker,
    options: GroupServiceOptions = {},
  ): Promise<GroupService> {
    const settings = {
      partitions: options.offsetsTopicPartitions ?? OFFSETS_TOPIC_PARTITIONS_DEFAULT,
      replicationFactor: options.offsetsTopicReplicationFactor ??
        OFFSETS_TOPIC_REPLICATION_FACTOR_DEFAULT,
    };
    checkOffsetsTopicSettings(settings);
    const timeoutMs = options.offsetsCommitTimeoutMs ?? OFFSETS_COMMIT_TIMEOUT_MS_DEFAULT;
    if (
      !Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > OFFSETS_COMMIT_TIMEOUT_MS_MAX
    ) {
      throw new TributaryError(
        "INVALID_CONFIG",
        `offsets.commit.timeout.ms must be in [1, ${OFFSETS_COMMIT_TIMEOUT_MS_MAX}]`,
      );
    }
    const service = new GroupService(rt, broker, settings, options);
    try {
      await service.#ensureTopic(true);
    } catch (err) {
      service.#unsubscribeTopics();
      throw err;
    }
    return service;
  }

  /** Partitions of `__consumer_offsets` (0 until the topic exists here). */
  get offsetsPartitions(): number {
    return this.#partitions?.length ?? 0;
  }

  /** The state of each `__consumer_offsets` partition here (idle: led by another broker). */
  partitionStates(): CoordinatorPartitionState[] {
    return (this.#partitions ?? []).map((p) => p.state);
  }

  offsetsPartitionOf(groupId: string): number {
    if (typeof groupId !== "string" || groupId.length === 0) {
      throw new TributaryError("INVALID_GROUP_ID", "group id must be a non-empty string");
    }
    return offsetsPartitionFor(groupId, this.#offsets().length);
  }

  coordinatorOf(groupId: string): GroupCoordinatorLocation {
    const offsetsPartition = this.offsetsPartitionOf(groupId);
    const where = `${CONSUMER_OFFSETS_TOPIC}-${offsetsPartition}`;
    const leader = this.#broker.describeTopic(CONSUMER_OFFSETS_TOPIC)
      .partitions[offsetsPartition]?.leader ?? -1;
    if (leader < 0) {
      throw new TributaryError("COORDINATOR_NOT_AVAILABLE", `${where} has no leader`);
    }
    const broker = this.#broker.metadata([]).brokers.find((b) => b.nodeId === leader);
    if (broker === undefined) {
      throw new TributaryError(
        "COORDINATOR_NOT_AVAILABLE",
        `${where} is led by broker ${leader}, which is not reachable (fenced or unregistered)`,
      );
    }
    const coordinator: BrokerEndpoint = {
      nodeId: broker.nodeId,
      host: broker.host,
      port: broker.port,
    };
    if (broker.httpPort !== undefined) coordinator.httpPort = broker.httpPort;
    return { offsetsPartition, coordinator };
  }

  heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.#mutate(req.groupId, (c, nowMs) => c.heartbeat(req, nowMs));
  }

  joinHttp(
    req: HeartbeatRequest,
    autoOffsetReset: AutoOffsetReset,
  ): Promise<{ response: HeartbeatResponse; tenure: object }> {
    return this.#mutate(req.groupId, (c, nowMs, http) => {
      const joined = c.heartbeat(req, nowMs);
      const record: HttpMemberRecord = {
        type: "HttpMember",
        groupId: req.groupId,
        memberId: joined.response.memberId,
        autoOffsetReset,
      };
      return {
        response: { response: joined.response, tenure: http },
        records: [...joined.records, record],
      };
    });
  }

  httpMemberOf(groupId: string, memberId: string): HttpMemberLookup {
    return this.#partitionOf(groupId).httpMember(groupId, memberId);
  }

  leave(req: LeaveRequest): Promise<void> {
    return this.#mutate(req.groupId, (c, nowMs) => ({
      response: undefined,
      records: c.leave(req, nowMs).records,
    }));
  }

  commitOffsets(req: CommitOffsetsRequest): Promise<void> {
    return this.#mutate(req.groupId, (c, nowMs) => ({
      response: undefined,
      records: c.commitOffsets(req, nowMs).records,
    }));
  }

  async fetchOffsets(query: GroupOffsetsQuery): Promise<GroupOffset[]> {
    const partition = this.#partitionOf(query.groupId);
    const committed = await partition.readDurable((c, nowMs) => {
      const base = {
        groupId: query.groupId,
        memberId: query.memberId ?? null,
        memberEpoch: query.memberEpoch ?? null,
      };
      if (query.topics == null) return c.fetchOffsets({ ...base, partitions: null }, nowMs);
      // Committed partitions of the named topics count too (a topic may have shrunk or gone).
      const all = c.fetchOffsets({ ...base, partitions: null }, nowMs);
      return c.fetchOffsets({ ...base, partitions: this.#wanted(query.topics, all) }, nowMs);
    });
    return committed.map((o) => this.#withLag(o));
  }

  /** The groups coordinated here (of every partition this broker leads). */
  listGroups(): GroupListing[] {
    const led = this.#offsets().filter((p) => p.state !== "idle");
    const all = led.flatMap((p) => p.read((c) => c.listGroups()));
    return all.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  describeGroup(groupId: string): GroupDescription {
    return this.#partitionOf(groupId).read((c) => c.describeGroup(groupId));
  }

  resetOffsets(spec: ResetOffsetsSpec): Promise<ResolvedOffset[]> {
    return this.#serial.run(spec.groupId, async () => {
      const partition = this.#partitionOf(spec.groupId);
      const offsets = await resolveResetOffsets(this.#broker, spec.topics);
      if (spec.dryRun === true) {
        const members = partition.read((c) => memberCount(c.listGroups(), spec.groupId));
        if (members > 0) {
          throw new TributaryError(
            "NON_EMPTY_GROUP",
            `group ${spec.groupId} has ${members} members`,
          );
        }
        return offsets;
      }
      return await partition.mutate((c, nowMs) => ({
        response: offsets,
        records: c.resetOffsets({ groupId: spec.groupId, offsets }, nowMs).records,
      }));
    });
  }

  deleteGroup(groupId: string): Promise<void> {
    return this.#mutate(groupId, (c) => ({
      response: undefined,
      records: c.deleteGroup(groupId).records,
    }));
  }

  joinGroup(req: ClassicJoinRequest, signal?: AbortSignal): Promise<ClassicJoinResponse> {
    return this.#classic(req.groupId, (c, nowMs) => c.joinClassic(req, nowMs), signal);
  }

  syncGroup(req: ClassicSyncRequest, signal?: AbortSignal): Promise<ClassicSyncResponse> {
    return this.#classic(req.groupId, (c, nowMs) => c.syncClassic(req, nowMs), signal);
  }

  async heartbeatClassic(req: ClassicHeartbeatRequest): Promise<void> {
    // Writes nothing, but answers only once what the member may have seen is durable.
    const error = await this.#serial.run(
      req.groupId,
      () => this.#partitionOf(req.groupId).readDurable((c, nowMs) => c.heartbeatClassic(req, nowMs)),
    );
    if (error !== null) {
      throw new TributaryError(error, `group ${req.groupId} is rebalancing: join again`);
    }
  }

  leaveGroupClassic(
    groupId: string,
    members: readonly ClassicLeaveMember[],
  ): Promise<ClassicLeaveResult[]> {
    return this.#classic(groupId, (c, nowMs) => c.leaveClassic(groupId, members, nowMs));
  }

  commitOffsetsClassic(req: ClassicCommitRequest): Promise<void> {
    return this.#mutate(req.groupId, (c, nowMs) => ({
      response: undefined,
      records: c.commitOffsetsClassic(req, nowMs).records,
    }));
  }

  listGroupsKafka(): KafkaGroupListing[] {
    const led = this.#offsets().filter((p) => p.state !== "idle");
    const all = led.flatMap((p) => p.read((c) => c.listGroupsKafka()));
    return all.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  describeGroupKafka(groupId: string): KafkaGroupDescription {
    return this.#partitionOf(groupId).read((c) => c.describeGroupKafka(groupId));
  }

  /** Stops timers and waits for appends in flight; later operations are refused. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#unsubscribeTopics();
      this.#unsubscribeLeadership();
      this.#createRetry?.cancel();
      this.#createRetry = null;
      await Promise.all((this.#partitions ?? []).map((p) => p.close()));
    })();
    return this.#closed;
  }

  /**
   * One attempt at making `__consumer_offsets` exist; a refusal of a cluster still forming is
   * retried with backoff. On the first attempt (start) any other failure is the caller's.
   */
  async #ensureTopic(first: boolean): Promise<void> {
    if (this.#adopted !== null) return await this.#adopted;
    if (this.#closed !== null) return;
    let count: number | null;
    try {
      count = await ensureOffsetsTopic(this.#broker, this.#settings);
    } catch (err) {
      const retried = err instanceof TributaryError &&
        (CREATE_RETRIED.has(err.code) || err.retriable);
      if (first && !retried) throw err;
      this.#retryCreate(err);
      return;
    }
    // null: created by another broker, not in this one's metadata yet. The broker does not
    // announce internal topics to topic listeners, so look again shortly instead of waiting.
    if (count === null) {
      this.#retryCreate(
        new TributaryError("COORDINATOR_NOT_AVAILABLE", "created elsewhere, not applied here yet"),
      );
      return;
    }
    await this.#adopt(count);
  }

  #retryCreate(err: unknown): void {
    if (this.#closed !== null || this.#adopted !== null || this.#createRetry !== null) return;
    const delayMs = this.#createRetryMs;
    this.#createRetryMs = Math.min(CREATE_RETRY_MS_MAX, delayMs * 2);
    this.#logger.warn(
      "group.offsets_topic_retry",
      `${CONSUMER_OFFSETS_TOPIC} could not be created yet; retrying in ${delayMs} ms`,
      {
        delayMs,
        code: err instanceof TributaryError ? err.code : "UNKNOWN_SERVER_ERROR",
        error: err instanceof Error ? err.message : String(err),
      },
    );
    this.#createRetry = this.#timers.setTimeout(() => {
      this.#createRetry = null;
      void this.#ensureTopic(false).catch((e: unknown) => this.#retryCreate(e));
    }, delayMs);
  }

  /** The topic appeared in this broker's metadata (created here or elsewhere). */
  async #adoptKnown(): Promise<void> {
    if (this.#closed !== null || this.#adopted !== null) return;
    try {
      const count = knownOffsetsTopic(this.#broker);
      if (count !== null) await this.#adopt(count);
    } catch (err) {
      this.#deps.report(`adopting ${CONSUMER_OFFSETS_TOPIC}`, err);
    }
  }

  /**
   * Builds the partitions and follows their leadership: the broker tells the current
   * leaderships at once, then every change. Resolves once the loads of those current
   * leaderships settled; every caller (creation here, or the topic appearing) gets that same
   * promise.
   */
  #adopt(count: number): Promise<void> {
    if (this.#adopted !== null) return this.#adopted;
    if (this.#closed !== null) return Promise.resolve();
    this.#createRetry?.cancel();
    this.#createRetry = null;
    const partitions = Array.from(
      { length: count },
      (_, p) => new CoordinatorPartition(p, this.#deps),
    );
    this.#partitions = partitions;
    let atStart: Promise<void>[] | null = [];
    this.#unsubscribeLeadership = this.#broker.onLeadershipChange((change) => {
      if (change.topic !== CONSUMER_OFFSETS_TOPIC) return;
      const p = partitions[change.partition];
      if (p === undefined) return;
      if (!change.isLeader) return p.resign();
      const loaded = p.lead(change.leaderEpoch);
      atStart?.push(loaded);
    });
    const loads = atStart;
    atStart = null;
    this.#adopted = Promise.all(loads).then(() => undefined);
    return this.#adopted;
  }

  #offsets(): CoordinatorPartition[] {
    if (this.#closed !== null) {
      throw new TributaryError("COORDINATOR_NOT_AVAILABLE", "the group coordinator is closed");
    }
    if (this.#partitions === null) {
      throw new TributaryError(
        "COORDINATOR_NOT_AVAILABLE",
        `${CONSUMER_OFFSETS_TOPIC} does not exist yet`,
      );
    }
    return this.#partitions;
  }

  #mutate<T>(
    groupId: string,
    op: (c: GroupCoordinator, nowMs: number, http: HttpMemberStore) => WithLogRecords<T>,
  ): Promise<T> {
    if (typeof groupId !== "string") {
      return Promise.reject(new TributaryError("INVALID_GROUP_ID", "group id must be a string"));
    }
    return this.#serial.run(groupId, () => this.#partitionOf(groupId).mutate(op));
  }

  /** A classic step under the group's serial section; its answer is awaited outside it. */
  async #classic<T>(
    groupId: string,
    op: (c: GroupCoordinator, nowMs: number) => ClassicResult<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    if (typeof groupId !== "string") {
      throw new TributaryError("INVALID_GROUP_ID", "group id must be a string");
    }
    const { answer } = await this.#serial.run(
      groupId,
      () => this.#partitionOf(groupId).mutateClassic(op, signal),
    );
    return await answer;
  }

  #partitionOf(groupId: string): CoordinatorPartition {
    if (typeof groupId !== "string") {
      throw new TributaryError("INVALID_GROUP_ID", "group id must be a string");
    }
    const partitions = this.#offsets();
    return partitions[offsetsPartitionFor(groupId, partitions.length)];
  }

  #partitionCounts(): Map<string, number> {
    return new Map(this.#broker.listTopics().map((t) => [t.name, t.partitions]));
  }

  /** Named partitions, or every existing and every committed partition of a topic. */
  #wanted(
    topics: NonNullable<GroupOffsetsQuery["topics"]>,
    committed: readonly CommittedOffset[],
  ): TopicPartitions[] {
    const counts = this.#partitionCounts();
    return topics.map(({ topic, partitions }) => {
      if (partitions != null) return { topic, partitions: [...partitions] };
      const all = new Set<number>();
      for (let p = 0; p < (counts.get(topic) ?? 0); p++) all.add(p);
      for (const o of committed) if (o.topic === topic) all.add(o.partition);
      return { topic, partitions: [...all] };
    });
  }

  #withLag(o: CommittedOffset): GroupOffset {
    const highWatermark = this.#broker.partitionOffsets(o.topic, o.partition)?.highWatermark ??
      null;
    const lag = o.offset === null || highWatermark === null
      ? null
      : Math.max(0, highWatermark - o.offset);
    return { ...o, highWatermark, lag };
  }
}

function memberCount(groups: readonly GroupListing[], groupId: string): number {
  return groups.find((g) => g.groupId === groupId)?.memberCount ?? 0;
}
