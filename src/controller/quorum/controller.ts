// The active controller: what the quorum's leader decides about brokers, partitions and topics.
// Sans-IO. The driver creates one when its node becomes Raft leader and its committed image has
// reached the end of the leader's log as of the election (every entry of earlier terms applied,
// as Kafka's controller waits for its own epoch's first offset), and discards it when
// leadership ends. Each method returns the records to propose, as one Raft entry in call order,
// and the reply to send once that entry has committed; the records are applied at once to the
// controller's speculative image (committed + everything decided since), so the next decision
// builds on this one. A refused request throws a TributaryError and changes nothing.
// docs/controller.md ("The active controller") lists the rules.
import {
  type AlterPartitionReply,
  type AlterPartitionRequest,
  type BrokerHeartbeatReply,
  type BrokerHeartbeatRequest,
  type BrokerRegistrationRequest,
  CLUSTER_DEFAULTS,
  type CreateTopicsForward,
} from "../../model/cluster.ts";
import { assert, TributaryError } from "../../model/errors.ts";
import type { Random } from "../../../runtime/types.ts";
import { alterPartitions } from "./alter-partition.ts";
import { Batch } from "./batch.ts";
import { electLeaderless, electPreferred, moveAwayFrom, partitionKey } from "./elections.ts";
import { newClusterId } from "./ids.ts";
import type { Decision, ImageSource, ImageView, RegisterBrokerRecord } from "./image-view.ts";
import {
  completeReassignment,
  type ReassignmentItem,
  type ReassignmentState,
  reassignPartitions,
} from "./reassign.ts";
import { Sessions } from "./sessions.ts";
import {
  alterTopicConfigs,
  createPartitions,
  createTopics,
  type CreateTopicsReply,
  deleteTopics,
  PARTITIONS_PER_TOPIC_MAX,
  type TopicRules,
} from "./topics.ts";

export interface QuorumControllerOptions {
  /** The committed image; never changed (the controller works on a clone). */
  image: ImageSource;
  nowMs: number;
  random: Pick<Random, "bytes">;
  /** The broker's topic config rules (topic-config.ts), injected: throws INVALID_CONFIG. */
  validateConfigs: (configs: Record<string, string>) => Record<string, string>;
  /** broker.session.timeout.ms */
  sessionTimeoutMs?: number;
  /** default.replication.factor */
  defaultReplicationFactor?: number;
  /** num.partitions */
  defaultPartitions?: number;
  /** auto.leader.rebalance.enable (Kafka's default: true) */
  autoLeaderRebalance?: boolean;
  /** leader.imbalance.check.interval.seconds, in ms (Kafka's default: 300 s) */
  leaderImbalanceCheckIntervalMs?: number;
}

export const LEADER_IMBALANCE_CHECK_INTERVAL_MS_DEFAULT = 300_000;
/** A producer id block larger than this is a client bug (Kafka hands out blocks of 1000). */
export const PRODUCER_ID_BLOCK_MAX = 1_000_000;

/** Items in one request (topics, names, partitions): a bound on what one decision walks. */
export const REQUEST_ITEMS_MAX = 10_000;
/**
 * New partitions in one createTopics: each is a record of the one Raft entry the request becomes
 * (as many as one topic may have).
 */
export const CREATE_PARTITIONS_PER_REQUEST_MAX = 10_000;

export interface RegisterBrokerDecision {
  /** The record proposed for a new incarnation; null when this incarnation is registered already
   * (the reply's registeredAtOffset is then the offset the driver saw that registration at). */
  registration: RegisterBrokerRecord | null;
}

export interface HeartbeatOffsets {
  /** Offset of the entry holding this incarnation's registration; null while not committed. */
  registeredAtOffset: number | null;
}

export class QuorumController {
  #image: ImageSource;
  readonly #sessions: Sessions;
  readonly #rules: TopicRules;
  readonly #rebalance: boolean;
  readonly #rebalanceIntervalMs: number;
  #nextRebalanceMs: number;
  /**
   * The committed image may hold a leaderless partition with an unfenced ISR member (a previous
   * controller's log written by other code); the first tick elects there. Afterwards only an
   * unfencing can make one electable, and the heartbeat that unfences elects at once.
   */
  #electLeaderlessOnTick = true;

  constructor(options: QuorumControllerOptions) {
    this.#image = options.image.clone();
    const timeoutMs = options.sessionTimeoutMs ?? CLUSTER_DEFAULTS.brokerSessionTimeoutMs;
    assert(Number.isSafeInteger(timeoutMs) && timeoutMs > 0, "session timeout is positive");
    this.#sessions = new Sessions(timeoutMs);
    for (const b of this.#image.brokers()) {
      this.#sessions.touch(b.brokerId, b.incarnationId, options.nowMs);
    }
    this.#rules = {
      random: options.random,
      defaultPartitions: options.defaultPartitions ?? 1,
      defaultReplicationFactor: options.defaultReplicationFactor ??
        CLUSTER_DEFAULTS.defaultReplicationFactor,
      validateConfigs: options.validateConfigs,
    };
    this.#rebalance = options.autoLeaderRebalance ?? true;
    this.#rebalanceIntervalMs = options.leaderImbalanceCheckIntervalMs ??
      LEADER_IMBALANCE_CHECK_INTERVAL_MS_DEFAULT;
    assert(this.#rebalanceIntervalMs > 0, "leader imbalance check interval is positive");
    this.#nextRebalanceMs = options.nowMs + this.#rebalanceIntervalMs;
  }

  /** The speculative image: committed plus every decision returned since. */
  get image(): ImageView {
    return this.#image;
  }

  /**
   * The first records of a new cluster: its id (the given one, e.g. from this node's
   * meta.properties, or a random one). None once the image has an id.
   */
  bootstrap(clusterId?: string): Decision<{ clusterId: string }> {
    const current = this.#image.clusterId;
    if (current !== null) return { records: [], reply: { clusterId: current } };
    const id = clusterId ?? newClusterId(this.#rules.random);
    return this.#decide((batch) => {
      batch.addChecked({ type: "ClusterIdRecord", clusterId: id });
      return { clusterId: id };
    });
  }

  /**
   * A new incarnation is registered fenced (unfenced once caught up); its previous life's
   * leaderships and ISR places go as a fenced broker's do. The same incarnation again: nothing.
   */
  registerBroker(
    request: BrokerRegistrationRequest,
    nowMs: number,
  ): Decision<RegisterBrokerDecision> {
    const clusterId = this.#image.clusterId;
    if (clusterId === null || request.clusterId !== clusterId) {
      // Kafka's INVALID_CLUSTER_ID has no code of ours.
      throw new TributaryError(
        "INVALID_REQUEST",
        `broker ${request.brokerId} is of cluster ${request.clusterId}, this is ${
          String(clusterId)
        }`,
      );
    }
    const current = this.#image.broker(request.brokerId);
    if (current !== undefined && current.incarnationId === request.incarnationId) {
      this.#sessions.touch(request.brokerId, request.incarnationId, nowMs);
      return { records: [], reply: { registration: null } };
    }
    const registration: RegisterBrokerRecord = {
      type: "RegisterBrokerRecord",
      brokerId: request.brokerId,
      incarnationId: request.incarnationId,
      endpoints: request.endpoints.map((e) => ({
        listener: e.listener,
        host: e.host,
        port: e.port,
      })),
      rack: request.rack,
      fenced: true,
    };
    const decision = this.#decide((batch) => {
      batch.addChecked(registration);
      moveAwayFrom(batch, request.brokerId);
      return { registration };
    });
    this.#sessions.touch(request.brokerId, request.incarnationId, nowMs);
    return decision;
  }

  brokerHeartbeat(
    request: BrokerHeartbeatRequest,
    nowMs: number,
    offsets: HeartbeatOffsets,
  ): Decision<BrokerHeartbeatReply> {
    const { brokerId, incarnationId } = request;
    this.#registered(brokerId, incarnationId);
    this.#sessions.touch(brokerId, incarnationId, nowMs);
    const caughtUp = offsets.registeredAtOffset !== null &&
      request.appliedOffset >= offsets.registeredAtOffset;
    if (request.wantShutdown) this.#sessions.markShuttingDown(brokerId);
    return this.#decide((batch) => {
      const fenced = batch.image.broker(brokerId)!.fenced;
      if (this.#sessions.isShuttingDown(brokerId)) {
        if (!fenced) this.#fence(batch, brokerId, incarnationId);
        const leads = [...batch.image.topics()].some((t) =>
          t.partitions.some((p) => p.leader === brokerId)
        );
        return { fenced: true, caughtUp, shutdownReady: !leads };
      }
      if (fenced && caughtUp) {
        batch.add({
          type: "BrokerRegistrationChangeRecord",
          brokerId,
          incarnationId,
          fenced: false,
        });
        electLeaderless(batch);
      }
      return { fenced: batch.image.broker(brokerId)!.fenced, caughtUp, shutdownReady: false };
    });
  }

  /** Fences brokers whose session expired and moves their leaderships; rebalances when due. */
  tick(nowMs: number): Decision<{ fenced: number[] }> {
    return this.#decide((batch) => {
      const fenced: number[] = [];
      for (const b of batch.image.brokers()) {
        if (b.fenced || !this.#sessions.isExpired(b.brokerId, nowMs)) continue;
        this.#fence(batch, b.brokerId, b.incarnationId);
        fenced.push(b.brokerId);
      }
      if (this.#electLeaderlessOnTick) electLeaderless(batch);
      this.#electLeaderlessOnTick = false;
      if (this.#rebalance && nowMs >= this.#nextRebalanceMs) {
        electPreferred(batch);
        this.#nextRebalanceMs = nowMs + this.#rebalanceIntervalMs;
      }
      return { fenced };
    });
  }

  /** When tick next has something to do: a session expiring or a rebalance due; null: never. */
  nextDeadlineMs(): number | null {
    let next: number | null = this.#rebalance ? this.#nextRebalanceMs : null;
    for (const b of this.#image.brokers()) {
      if (b.fenced) continue;
      const deadline = this.#sessions.deadlineMs(b.brokerId);
      if (deadline !== null && (next === null || deadline < next)) next = deadline;
    }
    return next;
  }

  alterPartition(request: AlterPartitionRequest): Decision<AlterPartitionReply> {
    checkItems("AlterPartition partitions", request.partitions.length);
    return this.#decide((batch) => alterPartitions(batch, request));
  }

  /** With validateOnly, every check runs and nothing is written (no records, no topic ids). */
  createTopics(request: CreateTopicsForward): Decision<CreateTopicsReply> {
    checkItems("CreateTopics topics", request.topics.length);
    let partitions = 0;
    for (const t of request.topics) {
      // A count out of bounds is that topic's own INVALID_PARTITIONS.
      const n = t.partitions ?? this.#rules.defaultPartitions;
      if (Number.isSafeInteger(n) && n >= 1 && n <= PARTITIONS_PER_TOPIC_MAX) partitions += n;
    }
    if (partitions > CREATE_PARTITIONS_PER_REQUEST_MAX) {
      throw new TributaryError(
        "INVALID_REQUEST",
        `one request may create at most ${CREATE_PARTITIONS_PER_REQUEST_MAX} partitions`,
      );
    }
    if (request.validateOnly === true) {
      const trial = new Batch(this.#image);
      return { records: [], reply: createTopics(trial, request, this.#rules) };
    }
    return this.#decide((batch) => createTopics(batch, request, this.#rules));
  }

  deleteTopics(names: readonly string[]): Decision<ReturnType<typeof deleteTopics>> {
    checkItems("DeleteTopics names", names.length);
    return this.#decide((batch) => deleteTopics(batch, names));
  }

  createPartitions(topic: string, count: number): Decision<null> {
    return this.#decide((batch) => {
      createPartitions(batch, topic, count);
      return null;
    });
  }

  alterTopicConfigs(topic: string, configs: Record<string, string>): Decision<null> {
    return this.#decide((batch) => {
      alterTopicConfigs(batch, topic, configs, this.#rules);
      return null;
    });
  }

  /** A block of `count` producer ids for the broker; the reply is its first id. */
  allocateProducerIds(brokerId: number, count: number): Decision<{ start: number }> {
    if (this.#image.broker(brokerId) === undefined) {
      throw new TributaryError("BROKER_ID_NOT_REGISTERED", `broker ${brokerId} is not registered`);
    }
    if (!Number.isSafeInteger(count) || count < 1 || count > PRODUCER_ID_BLOCK_MAX) {
      throw new TributaryError(
        "INVALID_REQUEST",
        `a producer id block has 1 to ${PRODUCER_ID_BLOCK_MAX} ids, not ${String(count)}`,
      );
    }
    const start = this.#image.nextProducerIdBlockStart;
    if (start + count > Number.MAX_SAFE_INTEGER) {
      throw new TributaryError("UNKNOWN_SERVER_ERROR", "producer ids are exhausted");
    }
    return this.#decide((batch) => {
      batch.add({ type: "ProducerIdsRecord", nextBlockStart: start + count });
      return { start };
    });
  }

  /**
   * Preferred-leader election (all partitions when none are named); a named partition that does
   * not exist is UNKNOWN_TOPIC_OR_PARTITION. The reply lists the partitions whose leader moved.
   */
  electLeaders(
    partitions?: readonly { topic: string; partition: number }[],
  ): Decision<{ elected: { topic: string; partition: number }[] }> {
    let only: Set<string> | undefined;
    if (partitions !== undefined) {
      checkItems("ElectLeaders partitions", partitions.length);
      for (const { topic, partition } of partitions) {
        if (this.#image.topic(topic)?.partitions[partition] === undefined) {
          throw new TributaryError(
            "UNKNOWN_TOPIC_OR_PARTITION",
            `no partition ${topic}-${partition}`,
          );
        }
      }
      only = new Set(partitions.map((p) => partitionKey(p.topic, p.partition)));
    }
    return this.#decide((batch) => ({ elected: electPreferred(batch, only) }));
  }

  /**
   * Starts, replaces or cancels (replicas null) partition reassignments (reassign.ts); the whole
   * request is refused when any item is bad. The reply is the partitions' state after this
   * decision (a reassignment whose target is already in sync completes in it).
   */
  reassignPartitions(
    items: readonly ReassignmentItem[],
  ): Decision<{ partitions: ReassignmentState[] }> {
    checkItems("ReassignPartitions partitions", items.length);
    return this.#decide((batch) => {
      reassignPartitions(batch, items);
      return {
        partitions: items.map(({ topic, partition }) => {
          const p = batch.image.topic(topic)!.partitions[partition];
          return {
            topic,
            partition,
            replicas: [...p.replicas],
            isr: [...p.isr],
            leader: p.leader,
            targetReplicas: p.targetReplicas === undefined ? null : [...p.targetReplicas],
          };
        }),
      };
    });
  }

  #decide<R>(decide: (batch: Batch) => R): Decision<R> {
    const batch = new Batch(this.#image);
    const reply = decide(batch);
    // Step 2 of a reassignment is decided with the change that brings its ISR to the target.
    for (const r of [...batch.records]) {
      if (r.type === "PartitionChangeRecord") {
        completeReassignment(batch, r.topicId, r.partition);
      }
    }
    this.#image = batch.image;
    return { records: batch.records, reply };
  }

  #fence(batch: Batch, brokerId: number, incarnationId: string): void {
    batch.add({ type: "BrokerRegistrationChangeRecord", brokerId, incarnationId, fenced: true });
    moveAwayFrom(batch, brokerId);
  }

  #registered(brokerId: number, incarnationId: string): void {
    const b = this.#image.broker(brokerId);
    if (b === undefined) {
      throw new TributaryError("BROKER_ID_NOT_REGISTERED", `broker ${brokerId} is not registered`);
    }
    if (b.incarnationId !== incarnationId) {
      throw new TributaryError(
        "STALE_BROKER_EPOCH",
        `broker ${brokerId} is registered as incarnation ${b.incarnationId}, not ${incarnationId}`,
      );
    }
  }
}

function checkItems(what: string, count: number): void {
  if (count > REQUEST_ITEMS_MAX) {
    throw new TributaryError("INVALID_REQUEST", `${what}: ${count} > ${REQUEST_ITEMS_MAX}`);
  }
}
