// Where committed leadership meets the replica manager on one broker (cluster mode): every
// role change the partition catalog applies becomes becomeLeader / becomeFollower /
// onPartitionChange, one at a time per partition and in commit order, and the produce path
// asks the manager whether it may write (this broker leads in the partition's current epoch,
// enough replicas are in sync) and when acks=all is satisfied. Listeners (the group
// coordinator) hear each leadership once the manager has taken it on.
import { type ErrorCodeName, TributaryError } from "../model/errors.ts";
import type { Acks } from "../model/acks.ts";
import type { PartitionDelta } from "../metadata/delta.ts";
import type { ReplicaManager } from "../replication/manager/replica-manager.ts";
import type { PartitionKey } from "../replication/manager/partition-key.ts";
import type { Partition } from "./partition.ts";
import { PartitionReplicaLog } from "./partition-replica-log.ts";
import type { ProduceReplication } from "./produce.ts";

/** A hosted partition's leadership after a committed change, as this broker now acts on it. */
export interface LeadershipChange {
  topic: string;
  partition: number;
  leader: number;
  leaderEpoch: number;
  /** This broker leads it (in leaderEpoch). */
  isLeader: boolean;
}

export type LeadershipListener = (change: LeadershipChange) => void;

export class ReplicaRoles {
  readonly #replicas: ReplicaManager;
  readonly #nodeId: number;
  readonly #nowMs: () => number;
  readonly #report: (what: string, err: unknown) => void;
  readonly #logs = new WeakMap<Partition, PartitionReplicaLog>();
  /** Per partition, the role change in progress: the next waits for it. */
  readonly #chains = new Map<string, Promise<void>>();
  readonly #listeners = new Set<LeadershipListener>();
  readonly #current = new Map<string, LeadershipChange>();

  constructor(
    replicas: ReplicaManager,
    nodeId: number,
    nowMs: () => number,
    report: (what: string, err: unknown) => void,
  ) {
    this.#replicas = replicas;
    this.#nodeId = nodeId;
    this.#nowMs = nowMs;
    this.#report = report;
  }

  get replicas(): ReplicaManager {
    return this.#replicas;
  }

  /** The catalog's onRoleChange hook. */
  onRoleChange(partition: Partition, delta: PartitionDelta): void {
    const key = keyOf(partition);
    const id = `${partition.topic}\u0000${partition.partition}`;
    const after = delta.after;
    const committed = {
      leader: after.leader,
      leaderEpoch: after.leaderEpoch,
      partitionEpoch: after.partitionEpoch,
      replicas: [...after.replicas],
      isr: [...after.isr],
    };
    const log = this.#logOf(partition);
    const previous = this.#chains.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (partition.closed) return;
      const fresh = this.#replicas.roleOf(key) === null;
      if (fresh || delta.leaderChanged) {
        if (committed.leader === this.#nodeId) {
          await this.#replicas.becomeLeader(key, committed, log);
        } else await this.#replicas.becomeFollower(key, committed, log);
      } else {
        await this.#replicas.onPartitionChange(key, committed);
      }
      this.#announce(id, {
        topic: partition.topic,
        partition: partition.partition,
        leader: committed.leader,
        leaderEpoch: committed.leaderEpoch,
        isLeader: committed.leader === this.#nodeId &&
          this.#replicas.roleOf(key) === "leader",
      });
    }).catch((err: unknown) => this.#report(`role change of ${partition.name}`, err));
    this.#chains.set(id, next);
    void next.then(() => {
      if (this.#chains.get(id) === next) this.#chains.delete(id);
    });
  }

  /** The catalog's onPartitionsRemoved hook: the topic is gone, so is every role. */
  onPartitionsRemoved(partitions: Partition[]): void {
    for (const p of partitions) {
      const id = `${p.topic}\u0000${p.partition}`;
      void this.#replicas.stopReplica(keyOf(p)).catch((err: unknown) =>
        this.#report(`stopping ${p.name}`, err)
      );
      const was = this.#current.get(id);
      if (was !== undefined) this.#announce(id, { ...was, leader: -1, isLeader: false });
      this.#current.delete(id);
    }
  }

  /** Tells listener every later change, after replaying the current leaderships. */
  onLeadershipChange(listener: LeadershipListener): () => void {
    this.#listeners.add(listener);
    for (const change of [...this.#current.values()]) listener(change);
    return () => this.#listeners.delete(listener);
  }

  /** The leader epoch this broker leads the partition in, or null when it does not lead it. */
  leadingEpoch(partition: Partition): number | null {
    const key = keyOf(partition);
    if (this.#replicas.roleOf(key) !== "leader") return null;
    const epoch = this.#replicas.leaderEpochOf(key);
    return epoch === partition.leaderEpoch ? epoch : null;
  }

  produceReplication(): ProduceReplication {
    return {
      admit: (partition: Partition, acks: Acks) => {
        if (this.leadingEpoch(partition) === null) {
          throw new TributaryError(
            "NOT_LEADER_OR_FOLLOWER",
            `broker ${this.#nodeId} does not lead ${partition.name} (leader ${partition.leader})`,
          );
        }
        if (acks !== -1) return;
        const refused = this.#replicas.admitAcksAll(
          keyOf(partition),
          partition.policy.minInsyncReplicas,
        );
        if (refused !== null) throw refusal(refused, partition);
      },
      appended: (partition: Partition, endOffset: number, bytes: number) => {
        partition.noteAppended(endOffset, bytes);
        this.#replicas.onLocalAppend(keyOf(partition), endOffset);
      },
      acked: async (partition: Partition, lastOffset: number, timeoutMs: number) => {
        const code = await this.#replicas.waitAcksAll(keyOf(partition), lastOffset, timeoutMs);
        if (code !== null) throw refusal(code, partition);
      },
    };
  }

  #logOf(partition: Partition): PartitionReplicaLog {
    let log = this.#logs.get(partition);
    if (log === undefined) {
      log = new PartitionReplicaLog(partition, this.#nowMs);
      this.#logs.set(partition, log);
    }
    return log;
  }

  #announce(id: string, change: LeadershipChange): void {
    const was = this.#current.get(id);
    if (
      was !== undefined && was.leaderEpoch === change.leaderEpoch &&
      was.isLeader === change.isLeader && was.leader === change.leader
    ) return;
    this.#current.set(id, change);
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (err) {
        this.#report(`leadership listener for ${change.topic}-${change.partition}`, err);
      }
    }
  }
}

function keyOf(p: Partition): PartitionKey {
  return { topic: p.topic, topicId: p.topicId, partition: p.partition };
}

function refusal(code: ErrorCodeName, partition: Partition): TributaryError {
  const why: Partial<Record<ErrorCodeName, string>> = {
    NOT_ENOUGH_REPLICAS:
      `fewer in-sync replicas than min.insync.replicas=${partition.policy.minInsyncReplicas}`,
    NOT_ENOUGH_REPLICAS_AFTER_APPEND: "written, but the ISR shrank below min.insync.replicas",
    REQUEST_TIMED_OUT: "the in-sync replicas did not confirm in time",
    NOT_LEADER_OR_FOLLOWER: "leadership moved before the in-sync replicas confirmed",
  };
  return new TributaryError(code, `${partition.name}: ${why[code] ?? code}`);
}
