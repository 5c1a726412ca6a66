// The group coordinator service as transports see it: the CBOR protocol handlers and the HTTP
// routes call these, never GroupCoordinator directly. Every method answers only after the
// records it produced are durable in `__consumer_offsets` (docs/groups.md, rule 1).
import type { FetchPartitionResult, FetchRequest, ProduceResult } from "../broker/types.ts";
import type {
  BrokerEndpoint,
  BrokerMetadata,
  TopicDescription,
  TopicSummary,
} from "../model/descriptions.ts";
import type { LeadershipListener } from "../broker/replica-roles.ts";
import type { ListOffsetsResult, OffsetSpec } from "../model/offsets.ts";
import type {
  CommitOffsetsRequest,
  GroupDescription,
  GroupListing,
  HeartbeatRequest,
  HeartbeatResponse,
  LeaveRequest,
} from "../group/mod.ts";
import type { AutoOffsetReset, HttpMemberRecord } from "./http-member-record.ts";

export interface GroupOffsetsTopic {
  topic: string;
  /** null or absent: every existing partition of the topic (plus any committed ones). */
  partitions?: readonly number[] | null;
}

export interface GroupOffsetsQuery {
  groupId: string;
  /** With a member id the member and its epoch are checked as for a commit. */
  memberId?: string | null;
  memberEpoch?: number | null;
  /** null or absent: every partition the group has committed. */
  topics?: readonly GroupOffsetsTopic[] | null;
}

export interface GroupOffset {
  topic: string;
  partition: number;
  /** null when nothing is committed. */
  offset: number | null;
  leaderEpoch: number | null;
  metadata: string | null;
  commitTimestampMs: number | null;
  /** null when the partition does not exist. */
  highWatermark: number | null;
  /** max(0, highWatermark - offset); null when either is null. */
  lag: number | null;
}

export type ResetTo = "earliest" | "latest" | "offset" | "timestamp";

export interface ResetOffsetsTopicSpec {
  topic: string;
  /** null or absent: every partition of the topic. */
  partitions?: readonly number[] | null;
  to: ResetTo;
  /** Required with to "offset"; clamped into [logStartOffset, highWatermark]. */
  offset?: number | null;
  /** Required with to "timestamp": first offset at or after it, else the high watermark. */
  timestampMs?: number | null;
}

export interface ResetOffsetsSpec {
  groupId: string;
  topics: readonly ResetOffsetsTopicSpec[];
  /** Resolve only; commit nothing. */
  dryRun?: boolean | null;
}

export interface ResolvedOffset {
  topic: string;
  partition: number;
  offset: number;
}

/** Where a group is coordinated (FindCoordinator). */
export interface GroupCoordinatorLocation {
  /** The `__consumer_offsets` partition holding the group's records. */
  offsetsPartition: number;
  /** The broker leading that partition (host and ports as the metadata has them). */
  coordinator: BrokerEndpoint;
}

export interface GroupServiceApi {
  /** Which `__consumer_offsets` partition holds the group's records. */
  offsetsPartitionOf(groupId: string): number;
  /**
   * The broker coordinating the group: the leader of its `__consumer_offsets` partition.
   * COORDINATOR_NOT_AVAILABLE while the topic is being created or the partition has no leader.
   */
  coordinatorOf(groupId: string): GroupCoordinatorLocation;
  /** Join (epoch 0), heartbeat (> 0), leave (-1) or static leave (-2). */
  heartbeat(req: HeartbeatRequest): Promise<HeartbeatResponse>;
  leave(req: LeaveRequest): Promise<void>;
  commitOffsets(req: CommitOffsetsRequest): Promise<void>;
  fetchOffsets(req: GroupOffsetsQuery): Promise<GroupOffset[]>;
  listGroups(): GroupListing[];
  /** GROUP_ID_NOT_FOUND for an unknown group. */
  describeGroup(groupId: string): GroupDescription;
  /** Admin; NON_EMPTY_GROUP while the group has members. Returns the offsets set. */
  resetOffsets(req: ResetOffsetsSpec): Promise<ResolvedOffset[]>;
  /** Admin; NON_EMPTY_GROUP while it has members, GROUP_ID_NOT_FOUND when unknown. */
  deleteGroup(groupId: string): Promise<void>;
}

/** A member the broker consumes for over HTTP, as its coordinator knows it. */
export interface HttpMemberLookup {
  /** The coordinator that answered: another one means the group's partition was loaded again. */
  tenure: object;
  /** The member's HTTP member record; absent for a member that joined otherwise (or earlier). */
  record: HttpMemberRecord | undefined;
}

/** What HttpMembers needs beyond GroupServiceApi: its members' records in `__consumer_offsets`. */
export interface HttpMemberDirectory {
  /** A join (memberId "", epoch 0) written together with the new member's HTTP member record. */
  joinHttp(
    req: HeartbeatRequest,
    autoOffsetReset: AutoOffsetReset,
  ): Promise<{ response: HeartbeatResponse; tenure: object }>;
  /** NOT_COORDINATOR (and the other load states) as for any group operation. */
  httpMemberOf(groupId: string, memberId: string): HttpMemberLookup;
}

/** What the coordinator service needs from the broker (Broker implements it). */
export interface CoordinatorBroker {
  readonly nodeId: number;
  createInternalTopic(request: {
    name: string;
    partitions: number;
    replicationFactor?: number;
    configs: Record<string, string>;
  }): Promise<TopicDescription>;
  listTopics(): TopicSummary[];
  /** Every partition of a topic with its leader (also partitions not hosted here). */
  describeTopic(name: string): TopicDescription;
  /** `metadata([]).brokers`: every broker clients can reach, with host and ports. */
  metadata(topics?: string[]): BrokerMetadata;
  /**
   * Durable (fsync) append to an internal topic; reaches the log in call order. In a cluster it
   * answers once the in-sync replicas have it (acks=all), or REQUEST_TIMED_OUT after
   * `timeoutMs`. With `leaderEpoch` it is refused
   * (FENCED_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER) unless this broker leads the partition in
   * that epoch.
   */
  appendInternal(
    request: { topic: string; partition: number; batches: Uint8Array; timeoutMs?: number },
    guard?: { leaderEpoch?: number },
  ): Promise<ProduceResult>;
  /**
   * Tells the leadership of every hosted partition at once, then every change once this broker
   * acts on it; returns the unsubscribe function.
   */
  onLeadershipChange(listener: LeadershipListener): () => void;
  fetch(request: FetchRequest): Promise<FetchPartitionResult[]>;
  listOffsets(topic: string, partition: number, spec: OffsetSpec): Promise<ListOffsetsResult>;
  partitionOffsets(
    topic: string,
    partition: number,
  ): { logStartOffset: number; highWatermark: number } | undefined;
  /** Topic created (partition count) or deleted (0); returns the unsubscribe function. */
  onTopicChange(listener: (topic: string, partitionCount: number) => void): () => void;
}
