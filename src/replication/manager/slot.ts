// One local partition replica as the manager holds it: its log, its role in the current leader
// epoch (a new epoch replaces the role object), and the lock that orders the manager's log
// work on it (a role change waits for a follower's append or truncation in progress).
import type { TimerHandle } from "../../../runtime/types.ts";
import { AsyncLock } from "../../log/async-lock.ts";
import type { FollowerReplicaState } from "../follower-replica.ts";
import type { LeaderReplicaState } from "../leader-replica.ts";
import type { EpochEndRequest, ReplicaFetch } from "../messages.ts";
import type { AcksWaiters, HandedOverAcks } from "./acks-waiters.ts";
import type { PartitionKey } from "./partition-key.ts";
import type { ReplicaLog } from "./replica-log.ts";

export interface LeaderRole {
  kind: "leader";
  state: LeaderReplicaState;
  acks: AcksWaiters;
  /** min.insync.replicas as the last acks=all admission named it. */
  minInsyncReplicas: number;
  /** An AlterPartition call is out (one per partition). */
  alterSending: boolean;
  alterRetryTimer: TimerHandle | null;
  /** No new proposal before this (monotonic ms): the controller just refused one. */
  proposeNotBeforeMs: number;
  acksTimer: TimerHandle | null;
  /** The metadata moved leadership on; the broker's next call replaces this role. */
  resigned: boolean;
}

export type FollowerNext =
  | { kind: "ask"; request: EpochEndRequest }
  | { kind: "fetch"; request: ReplicaFetch }
  | null;

export interface FollowerRole {
  kind: "follower";
  state: FollowerReplicaState;
  leaderId: number;
  /** What to send the leader next; null while an answer is awaited or nothing is to be sent. */
  next: FollowerNext;
  /** No request before this (monotonic ms): a backoff after an error. */
  notBeforeMs: number;
  /** The leader's log end as its last fetch answer said (fetch lag). */
  leaderLogEndOffset: number;
  /** The acks=all waiters of the leader role this one replaced (acks-waiters.ts), or null. */
  handover: HandedOverAcks | null;
}

/** No role: leaderless, not yet told, or offline after divergence or a storage failure. */
export interface IdleRole {
  kind: "idle" | "offline";
  reason: string;
}

export type Role = LeaderRole | FollowerRole | IdleRole;

export class Slot {
  readonly key: PartitionKey;
  readonly id: string;
  log: ReplicaLog;
  role: Role = { kind: "idle", reason: "new" };
  readonly lock = new AsyncLock("replica");
  /** Parked fetches to wake when this partition's log or HW moves, or its role changes. */
  readonly wakers = new Set<() => void>();

  constructor(key: PartitionKey, id: string, log: ReplicaLog) {
    this.key = key;
    this.id = id;
    this.log = log;
  }

  wake(): void {
    for (const waker of [...this.wakers]) waker();
  }
}

/** A later leader epoch exists: nothing more is acknowledged or proposed by this role. */
export function resignLeader(role: LeaderRole): void {
  role.resigned = true;
  role.alterRetryTimer?.cancel();
  role.alterRetryTimer = null;
  role.acksTimer?.cancel();
  role.acksTimer = null;
  role.acks.failAll("NOT_LEADER_OR_FOLLOWER");
}
