// The replica manager: the driver of partition replication on one broker (docs/replication.md,
// "What the driver must do"). The broker calls becomeLeader / becomeFollower / stopReplica /
// onPartitionChange from committed metadata deltas; a new leader epoch builds a new state
// object. As leader it serves follower fetches and OffsetForLeaderEpoch (ReplicaService), keeps
// the ISR with AlterPartition, and answers acks=all produces once the HW passes them. As
// follower it runs one fetcher per leader broker (leader-fetcher.ts).
//
// A new leader's HW moves over older epochs' entries once its ISR has fetched them from it
// (leader-replica.ts), so no marker batch is needed at takeover.
import type { Clock, TimerHandle, Timers } from "../../../runtime/types.ts";
import { type Logger, silentLogger } from "../../logging/logger.ts";
import type {
  CommittedPartition,
  EpochEndQuery,
  EpochEndReply,
  ReplicaFetchReply,
  ReplicaFetchRequest,
  ReplicaService,
} from "../../model/cluster.ts";
import { assert, type ErrorCodeName } from "../../model/errors.ts";
import { LeaderReplicaState } from "../leader-replica.ts";
import { acksAllAdmission } from "../produce-purgatory.ts";
import { AcksWaiters } from "./acks-waiters.ts";
import { CloseSignal } from "./close-signal.ts";
import { newFollowerRole, startFollower, takeOffline } from "./follower-role.ts";
import { LeaderFetcher } from "./leader-fetcher.ts";
import {
  afterLeaderChange,
  applyCommitted,
  armAcksTimer,
  checkIsr,
  syncLocalEnd,
} from "./leader-isr.ts";
import { serveEpochEnd, serveFetch } from "./leader-service.ts";
import { type ManagerCore, nowMs } from "./manager-core.ts";
import { type ReplicaManagerConfig, resolveReplicaManagerConfig } from "./options.ts";
import { partitionId, type PartitionKey, toCommittedState } from "./partition-key.ts";
import type { ReplicaChannel } from "./replica-channel.ts";
import type { ReplicaLog } from "./replica-log.ts";
import { guarded } from "./boundary.ts";
import { type LeaderRole, resignLeader, type Role, Slot } from "./slot.ts";

export interface ReplicaManagerOptions {
  runtime: { clock: Clock; timers: Timers };
  brokerId: number;
  /** This broker process's registration (AlterPartition names it). */
  incarnationId: string;
  channel: ReplicaChannel;
  logger?: Logger;
  config?: Partial<ReplicaManagerConfig>;
}

export type ReplicaRoleName = "leader" | "follower" | "idle" | "offline";

export interface ReplicaManagerMetrics {
  leaderPartitions: number;
  followerPartitions: number;
  offlinePartitions: number;
  /** Led partitions whose committed ISR is smaller than their replica set. */
  underReplicatedPartitions: number;
  /** Led partitions whose minimal ISR is below the last min.insync.replicas asked for. */
  underMinIsrPartitions: number;
  isrShrinks: number;
  isrExpands: number;
  alterPartitionSends: number;
  /** The largest (leader's log end - own log end) over followed partitions, as last fetched. */
  fetchLagMax: number;
  /** Follower fetches parked at this leader's log end now, and since start. */
  fetchesParkedNow: number;
  fetchesParkedTotal: number;
  /** acks=all produces waiting: as leader, or handed over to the follower a leader became. */
  acksWaiters: number;
  truncationsBelowHighWatermark: number;
}

export class ReplicaManager implements ReplicaService {
  readonly #core: ManagerCore;
  readonly #fetchers = new Map<number, LeaderFetcher>();
  #isrTimer: TimerHandle | null = null;

  constructor(options: ReplicaManagerOptions) {
    this.#core = {
      brokerId: options.brokerId,
      incarnationId: options.incarnationId,
      clock: options.runtime.clock,
      timers: options.runtime.timers,
      channel: options.channel,
      logger: (options.logger ?? silentLogger).with({ brokerId: options.brokerId }),
      config: resolveReplicaManagerConfig(options.config ?? {}),
      slots: new Map(),
      counters: {
        isrShrinks: 0,
        isrExpands: 0,
        alterPartitionSends: 0,
        fetchesParkedTotal: 0,
        truncationsBelowHighWatermark: 0,
      },
      closeSignal: new CloseSignal(),
      closed: false,
      parkedFetches: 0,
      pokeFetcher: (leaderId) => this.#fetchers.get(leaderId)?.poke(),
    };
    this.#armIsrTimer();
  }

  get brokerId(): number {
    return this.#core.brokerId;
  }

  /** This broker leads the partition in committed.leaderEpoch; the log is its local replica. */
  async becomeLeader(
    key: PartitionKey,
    committed: CommittedPartition,
    log: ReplicaLog,
  ): Promise<void> {
    const core = this.#core;
    assert(committed.leader === core.brokerId, "becomeLeader names this broker as leader");
    const slot = this.#slot(key, log);
    await slot.lock.exclusive(() => {
      if (core.closed) return Promise.resolve();
      const current = slot.role;
      if (isStale(current, committed)) return Promise.resolve();
      if (current.kind === "leader" && current.state.leaderEpoch === committed.leaderEpoch) {
        this.#applyToLeader(slot, current, committed);
        return Promise.resolve();
      }
      this.#endRole(slot);
      const end = log.logEndOffset;
      const state = new LeaderReplicaState({
        localReplicaId: core.brokerId,
        state: toCommittedState(committed),
        logEndOffset: end,
        highWatermark: Math.max(0, Math.min(log.highWatermark, end)),
        epochs: log.epochEntries(),
        nowMs: nowMs(core),
      });
      const role: LeaderRole = {
        kind: "leader",
        state,
        acks: new AcksWaiters(core.config.acksWaitersMax),
        minInsyncReplicas: 1,
        alterSending: false,
        alterRetryTimer: null,
        proposeNotBeforeMs: 0,
        acksTimer: null,
        resigned: false,
      };
      slot.role = role;
      core.logger.info("replica.leader", "became partition leader", {
        topic: key.topic,
        partition: key.partition,
        leaderEpoch: committed.leaderEpoch,
        logEndOffset: end,
        isr: committed.isr.join(","),
      });
      afterLeaderChange(core, slot, role);
      return Promise.resolve();
    });
  }

  /** This broker follows committed.leader in committed.leaderEpoch. */
  async becomeFollower(
    key: PartitionKey,
    committed: CommittedPartition,
    log: ReplicaLog,
  ): Promise<void> {
    const core = this.#core;
    const leaderId = committed.leader;
    assert(leaderId !== core.brokerId, "becomeFollower names another leader");
    const slot = this.#slot(key, log);
    const started = await slot.lock.exclusive(() => {
      const current = slot.role;
      if (core.closed || isStale(current, committed)) return Promise.resolve(null);
      if (
        current.kind === "follower" && current.state.leaderEpoch === committed.leaderEpoch &&
        current.leaderId === leaderId
      ) return Promise.resolve(null);
      // A leader that lives on as this follower answers its acks=all waiters from here on.
      const handover = current.kind === "leader" && !current.resigned && leaderId >= 0
        ? current.acks.handOver()
        : null;
      this.#endRole(slot);
      if (leaderId < 0) {
        slot.role = { kind: "idle", reason: "no leader" };
        return Promise.resolve(null);
      }
      const role = newFollowerRole(core, slot, leaderId, committed.leaderEpoch);
      if (handover !== null && handover.size > 0) role.handover = handover;
      slot.role = role;
      this.#fetcher(leaderId).add(slot);
      core.logger.info("replica.follower", "became partition follower", {
        topic: key.topic,
        partition: key.partition,
        leaderId,
        leaderEpoch: committed.leaderEpoch,
        logEndOffset: log.logEndOffset,
      });
      return Promise.resolve(role);
    });
    if (started !== null) await startFollower(core, slot, started);
  }

  /** The broker no longer hosts the partition (or is deleting it): every role ends. */
  async stopReplica(key: PartitionKey): Promise<void> {
    const slot = this.#core.slots.get(partitionId(key.topic, key.partition));
    if (slot === undefined) return;
    await slot.lock.exclusive(() => {
      this.#endRole(slot);
      slot.role = { kind: "idle", reason: "stopped" };
      this.#core.slots.delete(slot.id);
      return Promise.resolve();
    });
  }

  /**
   * A committed partition state from the metadata log. The same leader epoch updates the
   * leader's ISR; a later one moves the role (leader, follower of another, or leaderless).
   */
  async onPartitionChange(key: PartitionKey, committed: CommittedPartition): Promise<void> {
    const core = this.#core;
    const slot = core.slots.get(partitionId(key.topic, key.partition));
    if (slot === undefined || core.closed) return;
    const role = slot.role;
    if (role.kind === "offline") return;
    const epoch = role.kind === "leader" || role.kind === "follower" ? role.state.leaderEpoch : -1;
    if (role.kind === "leader" && committed.leaderEpoch === epoch) {
      this.#applyToLeader(slot, role, committed);
      return;
    }
    if (committed.leaderEpoch <= epoch) return;
    if (committed.leader === core.brokerId) await this.becomeLeader(key, committed, slot.log);
    else await this.becomeFollower(key, committed, slot.log);
  }

  replicaFetch(request: ReplicaFetchRequest): Promise<ReplicaFetchReply> {
    return serveFetch(this.#core, request);
  }

  epochEnd(request: { replicaId: number; partitions: EpochEndQuery[] }): Promise<{
    partitions: EpochEndReply[];
  }> {
    return Promise.resolve({
      partitions: serveEpochEnd(this.#core, request.replicaId, request.partitions),
    });
  }

  /** The broker appended to a partition it leads, up to logEndOffset (exclusive). */
  onLocalAppend(key: PartitionKey, logEndOffset: number): void {
    const slot = this.#core.slots.get(partitionId(key.topic, key.partition));
    const role = slot?.role;
    if (slot === undefined || role?.kind !== "leader" || role.resigned) return;
    assert(logEndOffset <= slot.log.logEndOffset, "onLocalAppend after the append");
    syncLocalEnd(this.#core, slot, role);
  }

  /**
   * Whether an acks=all produce may be written now: NOT_ENOUGH_REPLICAS while the minimal ISR
   * is below minInsyncReplicas, NOT_LEADER_OR_FOLLOWER when not leading,
   * THROTTLING_QUOTA_EXCEEDED when too many already wait. Remembers minInsyncReplicas for the
   * completion check of waitAcksAll.
   */
  admitAcksAll(key: PartitionKey, minInsyncReplicas: number): ErrorCodeName | null {
    const role = this.#leading(key);
    if (role === null) return "NOT_LEADER_OR_FOLLOWER";
    role.minInsyncReplicas = minInsyncReplicas;
    const refused = acksAllAdmission(role.state.minimalIsr.length, minInsyncReplicas);
    if (refused !== null) return refused;
    return role.acks.hasRoom ? null : "THROTTLING_QUOTA_EXCEEDED";
  }

  /**
   * Resolves once the HW passes lastOffset (null, or NOT_ENOUGH_REPLICAS_AFTER_APPEND when the
   * minimal ISR is then below min.insync.replicas), with REQUEST_TIMED_OUT after timeoutMs, or
   * NOT_LEADER_OR_FOLLOWER when leadership ends first.
   */
  waitAcksAll(
    key: PartitionKey,
    lastOffset: number,
    timeoutMs: number,
  ): Promise<ErrorCodeName | null> {
    const core = this.#core;
    const slot = core.slots.get(partitionId(key.topic, key.partition));
    const role = this.#leading(key);
    if (slot === undefined || role === null) return Promise.resolve("NOT_LEADER_OR_FOLLOWER");
    syncLocalEnd(core, slot, role);
    const { state } = role;
    if (state.highWatermark > lastOffset) {
      const short = state.minimalIsr.length < role.minInsyncReplicas;
      return Promise.resolve(short ? "NOT_ENOUGH_REPLICAS_AFTER_APPEND" : null);
    }
    if (!role.acks.hasRoom) return Promise.resolve("THROTTLING_QUOTA_EXCEEDED");
    const waiting = role.acks.add(lastOffset, nowMs(core) + timeoutMs);
    armAcksTimer(core, role);
    return waiting;
  }

  roleOf(key: PartitionKey): ReplicaRoleName | null {
    return this.#core.slots.get(partitionId(key.topic, key.partition))?.role.kind ?? null;
  }

  /** The leader epoch of this broker's current role for the partition, or -1. */
  leaderEpochOf(key: PartitionKey): number {
    const role = this.#core.slots.get(partitionId(key.topic, key.partition))?.role;
    return role?.kind === "leader" || role?.kind === "follower" ? role.state.leaderEpoch : -1;
  }

  /** The committed ISR as this broker leads it; null when it does not lead the partition. */
  isrOf(key: PartitionKey): readonly number[] | null {
    return this.#leading(key)?.state.isr ?? null;
  }

  metrics(): ReplicaManagerMetrics {
    const core = this.#core;
    const m: ReplicaManagerMetrics = {
      leaderPartitions: 0,
      followerPartitions: 0,
      offlinePartitions: 0,
      underReplicatedPartitions: 0,
      underMinIsrPartitions: 0,
      ...core.counters,
      fetchLagMax: 0,
      fetchesParkedNow: core.parkedFetches,
      acksWaiters: 0,
    };
    for (const slot of core.slots.values()) {
      const role = slot.role;
      if (role.kind === "leader") {
        m.leaderPartitions++;
        if (role.state.isr.length < role.state.replicas.length) m.underReplicatedPartitions++;
        if (role.state.minimalIsr.length < role.minInsyncReplicas) m.underMinIsrPartitions++;
        m.acksWaiters += role.acks.size;
      } else if (role.kind === "follower") {
        m.followerPartitions++;
        m.acksWaiters += role.handover?.size ?? 0;
        const lag = role.leaderLogEndOffset - slot.log.logEndOffset;
        if (role.leaderLogEndOffset >= 0) m.fetchLagMax = Math.max(m.fetchLagMax, lag);
      } else if (role.kind === "offline") {
        m.offlinePartitions++;
      }
    }
    return m;
  }

  /**
   * Stops every fetcher, timer and parked fetch, and fails every acks=all waiter with
   * NOT_LEADER_OR_FOLLOWER. Bounded: calls in flight are abandoned, not awaited.
   */
  async close(): Promise<void> {
    const core = this.#core;
    if (core.closed) return;
    core.closed = true;
    core.closeSignal.close();
    this.#isrTimer?.cancel();
    this.#isrTimer = null;
    for (const slot of core.slots.values()) this.#endRole(slot);
    await Promise.all([...this.#fetchers.values()].map((f) => f.stopped()));
    this.#fetchers.clear();
  }

  #applyToLeader(slot: Slot, role: LeaderRole, committed: CommittedPartition): void {
    const change = toCommittedState(committed);
    const outcome = applyCommitted(
      this.#core,
      slot,
      role,
      () => role.state.onPartitionChange(change),
    );
    if (outcome === "resign") resignLeader(role);
    else checkIsr(this.#core, slot, role);
  }

  #leading(key: PartitionKey): LeaderRole | null {
    const role = this.#core.slots.get(partitionId(key.topic, key.partition))?.role;
    return role?.kind === "leader" && !role.resigned && !this.#core.closed ? role : null;
  }

  #slot(key: PartitionKey, log: ReplicaLog): Slot {
    const id = partitionId(key.topic, key.partition);
    let slot = this.#core.slots.get(id);
    if (slot === undefined) {
      slot = new Slot(key, id, log);
      this.#core.slots.set(id, slot);
    }
    slot.log = log;
    return slot;
  }

  #fetcher(leaderId: number): LeaderFetcher {
    let fetcher = this.#fetchers.get(leaderId);
    if (fetcher === undefined) {
      fetcher = new LeaderFetcher(this.#core, leaderId);
      this.#fetchers.set(leaderId, fetcher);
    }
    return fetcher;
  }

  /** Ends the slot's role: a leader resigns (waiters failed), a follower leaves its fetcher. */
  #endRole(slot: Slot): void {
    const role = slot.role;
    if (role.kind === "leader") resignLeader(role);
    if (role.kind === "follower") {
      this.#fetchers.get(role.leaderId)?.remove(slot);
      role.handover?.failAll("NOT_LEADER_OR_FOLLOWER");
      role.handover = null;
    }
    slot.role = { kind: "idle", reason: "role ended" };
    slot.wake();
  }

  #armIsrTimer(): void {
    const core = this.#core;
    this.#isrTimer = core.timers.setTimeout(() => {
      this.#isrTimer = null;
      if (core.closed) return;
      for (const slot of core.slots.values()) {
        const role = slot.role;
        if (role.kind !== "leader" || role.resigned) continue;
        // A failed log (fsync or write error) throws on every read of its end: reading it here
        // would throw out of the timer and take the whole process down. Only this replica stops.
        if (slot.log.failed) {
          resignLeader(role);
          takeOffline(core, slot, "storage");
          continue;
        }
        guarded(core, slot, () => {
          syncLocalEnd(core, slot, role);
          checkIsr(core, slot, role);
        });
      }
      this.#armIsrTimer();
    }, core.config.isrCheckIntervalMs);
  }
}

/** Metadata older than the role the slot already has (deltas applied out of order). */
function isStale(role: Role, committed: CommittedPartition): boolean {
  return (role.kind === "leader" || role.kind === "follower") &&
    committed.leaderEpoch < role.state.leaderEpoch;
}
