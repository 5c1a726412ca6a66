// The group coordinator service as transports see it: the CBOR protocol handlers and the HTTP
// routes call these, never GroupCoordinator directly. Every method answers only after the
// records it produced are durable in `__consumer_offsets` (docs/groups.md, rule 1).
import type { FetchPartitionResult, FetchRequest, ProduceResult } from "../broker/types.ts";
import type { TopicDescription, TopicSummary } from "../model/descriptions.ts";
import type { ListOffsetsResult, OffsetSpec } from "../model/offsets.ts";
import type {
  CommitOffsetsRequest,
  GroupDescription,
  GroupListing,
  HeartbeatRequest,
  HeartbeatResponse,
  LeaveRequest,
} from "../group/mod.ts";

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

export interface GroupServiceApi {
  /** Which `__consumer_offsets` partition holds the group's records. */
  offsetsPartitionOf(groupId: string): number;
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

/** What the coordinator service needs from the broker (Broker implements it). */
export interface CoordinatorBroker {
  createInternalTopic(request: {
    name: string;
    partitions: number;
    configs: Record<string, string>;
  }): Promise<TopicDescription>;
  listTopics(): TopicSummary[];
  /** Durable (fsync) append to an internal topic; reaches the log in call order. */
  appendInternal(request: {
    topic: string;
    partition: number;
    batches: Uint8Array;
  }): Promise<ProduceResult>;
  fetch(request: FetchRequest): Promise<FetchPartitionResult[]>;
  listOffsets(topic: string, partition: number, spec: OffsetSpec): Promise<ListOffsetsResult>;
  partitionOffsets(
    topic: string,
    partition: number,
  ): { logStartOffset: number; highWatermark: number } | undefined;
  /** Topic created (partition count) or deleted (0); returns the unsubscribe function. */
  onTopicChange(listener: (topic: string, partitionCount: number) => void): () => void;
}
