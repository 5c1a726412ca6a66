// Requests and responses of the group coordinator: what the protocol, HTTP and client layers
// translate to and from. Epoch conventions follow KIP-848 (docs/groups.md, "Epochs").
import type { Assignment, TopicPartitions } from "./assignment.ts";
import type { GroupRecord } from "./records.ts";
import type { ClassicCompletion } from "./classic/effects.ts";

/** memberEpoch in a heartbeat: join (or rejoin after being fenced). */
export const JOIN_EPOCH = 0;
/** memberEpoch in a heartbeat: leave for good. */
export const LEAVE_EPOCH = -1;
/** memberEpoch in a heartbeat: static member leaves; its partitions wait for its return. */
export const STATIC_LEAVE_EPOCH = -2;

export interface HeartbeatRequest {
  groupId: string;
  /** "" when joining; the id the coordinator returned otherwise. */
  memberId: string;
  memberEpoch: number;
  /** Static membership: the same id across restarts of one consumer instance. */
  instanceId?: string | null;
  clientId?: string | null;
  /** Required when joining; null or absent afterwards means unchanged. */
  subscribedTopics?: readonly string[] | null;
  sessionTimeoutMs?: number | null;
  rebalanceTimeoutMs?: number | null;
  /** Assignor name; only honoured when the first member joins an empty group. */
  assignor?: string | null;
  /**
   * Every partition the member owns right now. A revocation completes only when a heartbeat
   * reports owned partitions without the revoked ones; null or absent means "not reported".
   */
  ownedPartitions?: readonly TopicPartitions[] | null;
}

export interface HeartbeatResponse {
  memberId: string;
  /** -1 or -2 after a leave. */
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /**
   * Everything the member may own now. It must stop consuming (commit, then release) every
   * owned partition not listed and report that with its next heartbeat.
   */
  assignment: Assignment;
}

export interface LeaveRequest {
  groupId: string;
  memberId: string;
  instanceId?: string | null;
  /** Static leave (epoch -2): keep the assignment for the instance until its session expires. */
  staticLeave?: boolean;
}

export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch?: number | null;
  metadata?: string | null;
}

export interface CommitOffsetsRequest {
  groupId: string;
  /** "" with memberEpoch -1: an admin or simple-consumer commit (only for groups without members). */
  memberId: string;
  memberEpoch: number;
  offsets: readonly OffsetToCommit[];
}

export interface FetchOffsetsRequest {
  groupId: string;
  /** When given, the member and its epoch are checked as for a commit. */
  memberId?: string | null;
  memberEpoch?: number | null;
  /** null or absent: every committed offset of the group. */
  partitions?: readonly TopicPartitions[] | null;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** null when nothing is committed for the partition. */
  offset: number | null;
  leaderEpoch: number | null;
  metadata: string | null;
  commitTimestampMs: number | null;
}

export interface ResetOffsetsRequest {
  groupId: string;
  offsets: readonly { topic: string; partition: number; offset: number }[];
}

export type GroupStateName = "empty" | "assigning" | "reconciling" | "stable" | "dead";

/**
 * stable: at the group epoch with its whole target. unrevokedPartitions: must release some.
 * unreleasedPartitions: at the group epoch, waiting for others to release partitions it gets.
 * awaitingHeartbeat: its next heartbeat will move it to the new group epoch.
 * staticLeft: a static member that left; its partitions wait for it.
 */
export type MemberStateName =
  | "stable"
  | "unrevokedPartitions"
  | "unreleasedPartitions"
  | "awaitingHeartbeat"
  | "staticLeft";

export interface GroupListing {
  groupId: string;
  state: GroupStateName;
  epoch: number;
  assignor: string;
  memberCount: number;
}

export interface MemberDescription {
  memberId: string;
  instanceId: string | null;
  clientId: string;
  state: MemberStateName;
  memberEpoch: number;
  subscribedTopics: string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  assignment: Assignment;
  pendingRevocation: Assignment;
  targetAssignment: Assignment;
}

export interface GroupDescription {
  groupId: string;
  state: GroupStateName;
  epoch: number;
  assignor: string;
  members: MemberDescription[];
}

export interface WithRecords<T> {
  response: T;
  /** Append these (one batch, durably) before sending the response. */
  records: GroupRecord[];
}

export interface RecordsResult {
  records: GroupRecord[];
}

export interface TickResult {
  records: GroupRecord[];
  /** Answers to classic JoinGroup/SyncGroup requests waiting (deliver once records are durable). */
  completions?: ClassicCompletion[];
  /** When tick should run next; null when no member has a deadline. */
  nextDeadlineMs: number | null;
}
