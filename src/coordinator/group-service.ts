// The group coordinator service: the shell around GroupCoordinator (docs/groups.md) that the
// protocol handlers and the HTTP API call. It owns `__consumer_offsets`: creates it, loads every
// partition by replay at start, routes each group to its partition's coordinator, serialises
// the operations of one group (the core wants one heartbeat per member at a time), reports topic
// changes, and adds high watermarks and lag to committed offsets.
import { type Logger, silentLogger } from "../logging/logger.ts";
import type { Clock, Random, Timers } from "../../runtime/types.ts";
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
  type WithRecords,
} from "../group/mod.ts";
import { CoordinatorPartition } from "./coordinator-partition.ts";
import { KeyedSerial } from "./keyed-serial.ts";
import { offsetsPartitionFor } from "./offsets-partition.ts";
import { ensureOffsetsTopic, OFFSETS_TOPIC_PARTITIONS_DEFAULT } from "./offsets-topic.ts";
import { resolveResetOffsets } from "./reset-offsets.ts";
import type {
  CoordinatorBroker,
  GroupOffset,
  GroupOffsetsQuery,
  GroupServiceApi,
  ResetOffsetsSpec,
  ResolvedOffset,
} from "./types.ts";

export interface GroupServiceOptions {
  /** Partitions of `__consumer_offsets` when the broker creates it (Kafka's 50 is a lot). */
  offsetsTopicPartitions?: number;
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
/** Partitions loaded at once at start. */
const LOAD_PARALLEL_MAX = 4;

export class GroupService implements GroupServiceApi {
  readonly #broker: CoordinatorBroker;
  readonly #partitions: CoordinatorPartition[];
  readonly #serial: KeyedSerial;
  readonly #unsubscribe: () => void;
  #closed: Promise<void> | null = null;

  private constructor(
    rt: { clock: Pick<Clock, "nowMs">; timers: Pick<Timers, "setTimeout">; random: Random },
    broker: CoordinatorBroker,
    partitionCount: number,
    options: GroupServiceOptions,
  ) {
    this.#broker = broker;
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
    const deps = {
      broker,
      clock: rt.clock,
      timers: rt.timers,
      report,
      logger: options.logger ?? silentLogger,
      partitionCounts: () => this.#partitionCounts(),
      newCoordinator: (partitionCounts: ReadonlyMap<string, number>) =>
        new GroupCoordinator({
          newMemberId,
          partitionCounts,
          ...(options.config ? { config: options.config } : {}),
          ...(options.assignors ? { assignors: options.assignors } : {}),
        }),
    };
    this.#partitions = Array.from(
      { length: partitionCount },
      (_, p) => new CoordinatorPartition(p, deps),
    );
    this.#unsubscribe = broker.onTopicChange((topic, count) => {
      for (const p of this.#partitions) p.onPartitionCountChange(topic, count);
    });
  }

  /** Creates `__consumer_offsets` if missing and loads every partition before returning. */
  static async start(
    rt: { clock: Pick<Clock, "nowMs">; timers: Pick<Timers, "setTimeout">; random: Random },
    broker: CoordinatorBroker,
    options: GroupServiceOptions = {},
  ): Promise<GroupService> {
    const count = await ensureOffsetsTopic(
      broker,
      options.offsetsTopicPartitions ?? OFFSETS_TOPIC_PARTITIONS_DEFAULT,
    );
    const service = new GroupService(rt, broker, count, options);
    for (let from = 0; from < count; from += LOAD_PARALLEL_MAX) {
      await Promise.all(
        service.#partitions.slice(from, from + LOAD_PARALLEL_MAX).map((p) => p.load()),
      );
    }
    return service;
  }

  /** Partitions of `__consumer_offsets`. */
  get offsetsPartitions(): number {
    return this.#partitions.length;
  }

  offsetsPartitionOf(groupId: string): number {
    if (typeof groupId !== "string" || groupId.length === 0) {
      throw new TributaryError("INVALID_GROUP_ID", "group id must be a non-empty string");
    }
    return offsetsPartitionFor(groupId, this.#partitions.length);
  }

  heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.#mutate(req.groupId, (c, nowMs) => c.heartbeat(req, nowMs));
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

  listGroups(): GroupListing[] {
    const all = this.#partitions.flatMap((p) => p.read((c) => c.listGroups()));
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

  /** Stops timers and waits for appends in flight; later operations are refused. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#unsubscribe();
      await Promise.all(this.#partitions.map((p) => p.close()));
    })();
    return this.#closed;
  }

  #mutate<T>(
    groupId: string,
    op: (c: GroupCoordinator, nowMs: number) => WithRecords<T>,
  ): Promise<T> {
    if (typeof groupId !== "string") {
      return Promise.reject(new TributaryError("INVALID_GROUP_ID", "group id must be a string"));
    }
    return this.#serial.run(groupId, () => this.#partitionOf(groupId).mutate(op));
  }

  #partitionOf(groupId: string): CoordinatorPartition {
    if (typeof groupId !== "string") {
      throw new TributaryError("INVALID_GROUP_ID", "group id must be a string");
    }
    return this.#partitions[offsetsPartitionFor(groupId, this.#partitions.length)];
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
