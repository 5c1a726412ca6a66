// Topic and consumer-group administration and metadata over the CBOR protocol. Reads are
// retried (bounded) through a moved leader or coordinator and a lost broker; writes (create,
// delete, reset) only after refusals that say the broker did nothing (retry.ts refusedUndone),
// so a retry never turns a success whose answer was lost into a spurious error.

import type {
  BrokerMetadata,
  BrokerState,
  TopicDescription,
  TopicSummary,
} from "../model/descriptions.ts";
import type { ListOffsetsResult, OffsetSpec } from "../model/offsets.ts";
import { TributaryError } from "../model/errors.ts";
import { ListOffsetsTimestamp } from "../protocol/cbor/ops/list-offsets.ts";
import {
  type ClientRuntime,
  ClusterClient,
  type ClusterOptions,
  isStaleRoute,
  leaderUnavailable,
} from "./cluster.ts";
import { refusedUndone, type RetryPolicy, withRetries } from "./retry.ts";
import type { TopicPartition } from "./fetched-records.ts";
import {
  deleteGroup,
  describeGroup,
  fetchGroupOffsets,
  type GroupDescription,
  type GroupListing,
  type GroupOffset,
  listGroups,
  resetGroupOffsets,
  type ResetOffsetsSpec,
} from "./group-admin.ts";
import { throwIfError } from "./wire-result.ts";

export interface AdminOptions extends ClusterOptions {
  /** Retries of an operation that failed retriably (default 5). */
  retries?: number;
}

const RETRY_BACKOFF_MS_MAX = 1000;

export interface CreateTopicOptions {
  partitions?: number;
  replicationFactor?: number;
  /** Kafka config names, e.g. {"retention.ms": "86400000"}. */
  configs?: Record<string, string>;
}

/** A broker as `cluster describe` shows it. */
export interface ClusterBroker {
  id: number;
  host: string;
  port: number;
  httpPort: number | null;
  rack: string | null;
  /** Fenced: registered but without a live session (or in controlled shutdown); it leads nothing. */
  state: BrokerState;
}

export interface ClusterDescription {
  clusterId: string;
  controllerId: number;
  brokers: ClusterBroker[];
}

/** Which partitions a preferred-leader election covers: a whole topic when partition is absent. */
export interface ElectLeadersTarget {
  topic: string;
  partition?: number;
}

export interface ElectLeadersResult {
  topic: string;
  partition: number;
  /** The leader after the election. */
  leader: number;
  /**
   * "elected": leadership moved to the preferred replica; "already-preferred": it led already;
   * "not-elected": it could not (not in the ISR, or fenced).
   */
  outcome: "elected" | "already-preferred" | "not-elected";
}

/** How long Admin waits for the brokers to apply a controller change it made. */
const SETTLE_POLL_MS = 50;
/** How long reassignPartitions waits for the target by default. */
export const REASSIGN_TIMEOUT_MS_DEFAULT = 60_000;

export interface ReassignResult {
  topic: string;
  partition: number;
  /** As the partition stands when the call returns. */
  replicas: number[];
  isr: number[];
  leader: number;
  /** The replicas are the target, all of them in sync; false: timed out first. */
  completed: boolean;
}
const SETTLE_POLLS_MAX = 100;

export class Admin {
  readonly #cluster: ClusterClient;
  readonly #rt: ClientRuntime;
  readonly #policy: RetryPolicy;

  constructor(rt: ClientRuntime, options: AdminOptions) {
    this.#rt = rt;
    this.#cluster = new ClusterClient(rt, options);
    this.#policy = {
      retries: options.retries ?? 5,
      retryBackoffMs: options.retryBackoffMs ?? 100,
      retryBackoffMsMax: RETRY_BACKOFF_MS_MAX,
    };
  }

  /** A read: retried on every retriable failure. */
  #read<T>(attempt: () => Promise<T>): Promise<T> {
    return withRetries(this.#rt.timers, this.#policy, attempt);
  }

  /** A write: retried only where the broker refused it without doing anything. */
  #write<T>(attempt: () => Promise<T>): Promise<T> {
    return withRetries(this.#rt.timers, { ...this.#policy, retriable: refusedUndone }, attempt);
  }

  createTopic(name: string, options: CreateTopicOptions = {}): Promise<TopicDescription> {
    return this.#write(() => this.#createTopic(name, options));
  }

  async #createTopic(name: string, options: CreateTopicOptions): Promise<TopicDescription> {
    const response = await this.#cluster.request("CreateTopics", {
      topics: [{ name, ...options }],
    });
    const result = response.topics.find((t) => t.name === name) ?? response.topics[0];
    if (!result) {
      throw new TributaryError(
        "UNKNOWN_SERVER_ERROR",
        `CreateTopics answered nothing for "${name}"`,
      );
    }
    throwIfError(result.error);
    if (!result.topic) {
      throw new TributaryError("UNKNOWN_SERVER_ERROR", `CreateTopics returned no topic "${name}"`);
    }
    return result.topic;
  }

  deleteTopic(name: string): Promise<void> {
    return this.#write(async () => {
      const response = await this.#cluster.request("DeleteTopics", { topics: [name] });
      throwIfError(response.topics.find((t) => t.name === name)?.error);
      this.#cluster.invalidate(name);
    });
  }

  listTopics(): Promise<TopicSummary[]> {
    return this.#read(async () => (await this.#cluster.request("ListTopics", {})).topics);
  }

  describeTopic(name: string): Promise<TopicDescription> {
    return this.#read(() => this.#describeTopic(name));
  }

  async #describeTopic(name: string): Promise<TopicDescription> {
    const response = await this.#cluster.request("DescribeTopics", { topics: [name] });
    const result = response.topics.find((t) => t.name === name);
    if (!result) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `topic "${name}" not described`);
    }
    throwIfError(result.error);
    if (!result.topic) {
      throw new TributaryError("UNKNOWN_TOPIC_OR_PARTITION", `topic "${name}" not described`);
    }
    return result.topic;
  }

  /** Earliest, latest, or first offset at or after a timestamp (offset -1 when none). */
  listOffsets(
    topic: string,
    partition: number,
    spec: OffsetSpec,
  ): Promise<ListOffsetsResult> {
    return this.#read(() => listOffsets(this.#cluster, topic, partition, spec));
  }

  /**
   * Cluster metadata; null asks for every topic. Named topics that do not exist fail with
   * UNKNOWN_TOPIC_OR_PARTITION unless allowAutoTopicCreation is set and the broker allows it.
   */
  metadata(
    topics: string[] | null = null,
    options: { allowAutoTopicCreation?: boolean } = {},
  ): Promise<BrokerMetadata> {
    return this.#read(() =>
      this.#cluster.metadata(topics, options.allowAutoTopicCreation ?? false)
    );
  }

  /** Every consumer group with its state and member count. */
  listGroups(): Promise<GroupListing[]> {
    return this.#read(() => listGroups(this.#cluster));
  }

  /** Members, their assignments and states (GROUP_ID_NOT_FOUND for an unknown group). */
  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.#read(() => describeGroup(this.#cluster, groupId));
  }

  /**
   * Committed offsets with each partition's high watermark and lag: of every partition of the
   * given topics, or (no topics) of every partition the group has committed.
   */
  fetchOffsets(groupId: string, topics?: readonly string[]): Promise<GroupOffset[]> {
    return this.#read(() => fetchGroupOffsets(this.#cluster, groupId, topics));
  }

  /**
   * Moves a group's committed offsets, e.g. `[{ topic: "orders", to: "earliest" }]`;
   * NON_EMPTY_GROUP while the group has members. Returns the offsets set (with dryRun, the
   * offsets that would be).
   */
  resetOffsets(
    groupId: string,
    topics: readonly ResetOffsetsSpec[],
    options: { dryRun?: boolean } = {},
  ): Promise<Array<TopicPartition & { offset: number }>> {
    return this.#write(() => resetGroupOffsets(this.#cluster, groupId, topics, options));
  }

  /** Deletes a group and its committed offsets (NON_EMPTY_GROUP while it has members). */
  deleteGroup(groupId: string): Promise<void> {
    return this.#write(() => deleteGroup(this.#cluster, groupId));
  }

  /**
   * The cluster's id, its active controller and every registered broker with its rack and state,
   * fenced ones included, from the answering broker's metadata image. A server that predates
   * includeFencedBrokers lists its live brokers only, without a state: running, then.
   */
  async describeCluster(): Promise<ClusterDescription> {
    const metadata = await this.#read(() =>
      this.#cluster.request("Metadata", {
        topics: [],
        allowAutoTopicCreation: false,
        includeFencedBrokers: true,
      })
    );
    return {
      clusterId: metadata.clusterId,
      controllerId: metadata.controllerId,
      brokers: metadata.brokers.map((b) => ({
        id: b.nodeId,
        host: b.host,
        port: b.port,
        httpPort: b.httpPort ?? null,
        rack: b.rack ?? null,
        state: b.state ?? "running",
      })).sort((a, b) => a.id - b.id),
    };
  }

  /**
   * Grows a topic to `count` partitions in all, through the active controller (any broker of a
   * cluster hands the request on) or a single node's own metadata log.
   */
  async createPartitions(topic: string, count: number): Promise<TopicDescription> {
    const current = (await this.describeTopic(topic)).partitions.length;
    if (!Number.isSafeInteger(count) || count <= current) {
      throw new TributaryError(
        "INVALID_PARTITIONS",
        `topic "${topic}" has ${current} partitions; the new count must be higher, got ${count}`,
      );
    }
    try {
      await this.#cluster.request("ControllerCreatePartitions", { topic, count });
    } catch (err) {
      if (err instanceof TributaryError && err.code === "NOT_CONTROLLER") {
        throw new TributaryError(
          "UNSUPPORTED_VERSION",
          `no controller answered to add partitions; "${topic}" keeps ${current}`,
        );
      }
      throw err;
    }
    return await this.#settled(topic, (t) => t.partitions.length >= count);
  }

  /** Describes the topic until test holds (the brokers apply a commit within moments). */
  async #settled(
    topic: string,
    test: (t: TopicDescription) => boolean,
  ): Promise<TopicDescription> {
    let described = await this.describeTopic(topic);
    for (let i = 0; i < SETTLE_POLLS_MAX && !test(described); i++) {
      await this.#rt.timers.sleep(SETTLE_POLL_MS);
      described = await this.describeTopic(topic);
    }
    return described;
  }

  /**
   * Preferred-leader election: each partition's leader becomes its first replica where that one
   * is in the ISR. The CBOR protocol has no ElectLeaders operation yet: partitions whose
   * preferred replica leads already answer "already-preferred"; any other is UNSUPPORTED_VERSION.
   * No targets: every partition of every topic.
   */
  async electLeaders(targets?: readonly ElectLeadersTarget[]): Promise<ElectLeadersResult[]> {
    const topics = targets === undefined
      ? (await this.#cluster.metadata(null, false)).topics
      : await Promise.all(
        [...new Set(targets.map((t) => t.topic))].map((t) => this.describeTopic(t)),
      );
    const results: ElectLeadersResult[] = [];
    for (const topic of topics) {
      const wanted = targets?.filter((t) => t.topic === topic.name) ?? [{ topic: topic.name }];
      for (const t of wanted) {
        if (
          t.partition !== undefined && !topic.partitions.some((p) => p.partition === t.partition)
        ) {
          throw new TributaryError(
            "UNKNOWN_TOPIC_OR_PARTITION",
            `topic "${topic.name}" has no partition ${t.partition}`,
          );
        }
      }
      for (const p of topic.partitions) {
        if (!wanted.some((t) => t.partition === undefined || t.partition === p.partition)) continue;
        results.push({
          topic: topic.name,
          partition: p.partition,
          leader: p.leader,
          outcome: "already-preferred",
        });
      }
    }
    const moving = results.filter((r) => {
      const p = topics.find((t) => t.name === r.topic)?.partitions[r.partition];
      return p !== undefined && p.leader !== p.replicas[0];
    });
    if (moving.length === 0) return results;
    try {
      await this.#cluster.request("ElectLeaders", {
        partitions: moving.map((r) => ({ topic: r.topic, partition: r.partition })),
      });
    } catch (err) {
      if (err instanceof TributaryError && err.code === "NOT_CONTROLLER") {
        throw new TributaryError(
          "UNSUPPORTED_VERSION",
          `a single broker has no controller to move leadership (${moving.length} partitions ` +
            `not led by their preferred replica)`,
        );
      }
      throw err;
    }
    for (const name of new Set(moving.map((r) => r.topic))) {
      const preferred = (t: TopicDescription) =>
        moving.every((r) =>
          r.topic !== name ||
          t.partitions[r.partition]?.leader === t.partitions[r.partition]?.replicas[0]
        );
      const described = await this.#settled(name, preferred);
      for (const r of moving.filter((m) => m.topic === name)) {
        const p = described.partitions[r.partition];
        r.leader = p.leader;
        r.outcome = p.leader === p.replicas[0] ? "elected" : "not-elected";
      }
    }
    return results;
  }

  /**
   * Moves a partition to `replicas` (KIP-455: the new replicas copy the data and join the ISR
   * before any old one is dropped), or cancels a reassignment in progress (null). Resolves once
   * the partition's replicas are the target (or, for a cancel, once none is in progress) as the
   * brokers' metadata shows it, or when timeoutMs passes: `completed` says which.
   */
  async reassignPartitions(
    topic: string,
    partition: number,
    replicas: readonly number[] | null,
    options: { timeoutMs?: number } = {},
  ): Promise<ReassignResult> {
    const timeoutMs = options.timeoutMs ?? REASSIGN_TIMEOUT_MS_DEFAULT;
    let reply;
    try {
      reply = await this.#cluster.request("ControllerReassignPartitions", {
        partitions: [{ topic, partition, replicas: replicas === null ? null : [...replicas] }],
      });
    } catch (err) {
      if (err instanceof TributaryError && err.code === "NOT_CONTROLLER") {
        throw new TributaryError(
          "UNSUPPORTED_VERSION",
          `a single broker cannot reassign replicas (no controller quorum)`,
        );
      }
      throw err;
    }
    const state = reply.partitions[0];
    const target = replicas === null ? state.replicas : [...replicas];
    const reached = (t: TopicDescription) => {
      const p = t.partitions[partition];
      return p !== undefined && p.replicas.length === target.length &&
        p.replicas.every((b, i) => b === target[i]) && target.every((b) => p.isr.includes(b));
    };
    const deadlineMs = this.#rt.clock.nowMs() + timeoutMs;
    let described = await this.describeTopic(topic);
    while (!reached(described) && this.#rt.clock.nowMs() < deadlineMs) {
      await this.#rt.timers.sleep(SETTLE_POLL_MS);
      described = await this.describeTopic(topic);
    }
    const p = described.partitions[partition];
    return {
      topic,
      partition,
      replicas: [...p.replicas],
      isr: [...p.isr],
      leader: p.leader,
      completed: reached(described),
    };
  }

  async close(): Promise<void> {
    await this.#cluster.close();
  }
}

export async function listOffsets(
  cluster: ClusterClient,
  topic: string,
  partition: number,
  spec: OffsetSpec,
): Promise<ListOffsetsResult> {
  const timestamp = spec === "earliest"
    ? ListOffsetsTimestamp.Earliest
    : spec === "latest"
    ? ListOffsetsTimestamp.Latest
    : spec.timestampMs;
  const route = await cluster.route(topic);
  if (!Number.isInteger(partition) || partition < 0 || partition >= route.partitions) {
    throw new TributaryError(
      "UNKNOWN_TOPIC_OR_PARTITION",
      `topic "${topic}" has no partition ${partition} (it has ${route.partitions})`,
    );
  }
  const leader = route.leaders[partition] ?? -1;
  try {
    if (leader < 0 || !cluster.knowsBroker(leader)) throw leaderUnavailable(topic, partition);
    const response = await cluster.request(
      "ListOffsets",
      { partitions: [{ topic, partition, timestamp }] },
      leader,
    );
    const result = response.partitions.find((p) => p.topic === topic && p.partition === partition);
    if (!result) {
      throw new TributaryError(
        "UNKNOWN_SERVER_ERROR",
        `ListOffsets answered nothing for ${topic}-${partition}`,
      );
    }
    throwIfError(result.error);
    return { offset: result.offset, timestampMs: result.timestampMs };
  } catch (err) {
    // The caller's retry then asks metadata where the partition went.
    if (err instanceof TributaryError && isStaleRoute(err)) cluster.invalidate(topic);
    throw err;
  }
}
