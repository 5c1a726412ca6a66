// Operations of the CBOR-over-TCP protocol and the bodies they carry, per version.
//
// Wire grammar (docs/protocol.md is the full specification):
//   frame    = length:u32be  item            ; exactly `length` bytes of one CBOR item
//   request  = [op: uint, version: uint, correlationId: uint, body: map]
//   response = [correlationId: uint, error: null / WireError, body: map / null]
//   WireError = {code: text, message: text, retriable: bool}
// Body maps have text keys spelled as the interfaces below; optional fields may be absent.
// Record batches are byte strings in the on-disk Kafka record batch v2 format.
//
// Every operation is at version 1 for now. A new version adds a new body interface here and a
// new validator; old versions stay served until they are retired in a documented release.

import type { Acks } from "../../model/acks.ts";
import type { CreateTopicRequest } from "../../model/create-topic.ts";
import type { BrokerEndpoint, TopicDescription, TopicSummary } from "../../model/descriptions.ts";

/** Numeric operation codes. Ranges not listed here are reserved (see OP_RESERVED_RANGES). */
export const Op = {
  ApiVersions: 1,
  Metadata: 2,
  CreateTopics: 3,
  DeleteTopics: 4,
  DescribeTopics: 5,
  ListTopics: 6,
  Produce: 10,
  Fetch: 11,
  ListOffsets: 12,
  InitProducerId: 13,
  FindCoordinator: 20,
  ConsumerGroupHeartbeat: 21,
  LeaveGroup: 22,
  OffsetCommit: 23,
  OffsetFetch: 24,
  ListGroups: 25,
  DescribeGroups: 26,
  ResetOffsets: 27,
  DeleteGroups: 28,
} as const;

export type OpName = keyof typeof Op;
/** The consumer-group operations (codes 20-28), whose validators live in their own files. */
export type GroupOpName =
  | "FindCoordinator"
  | "ConsumerGroupHeartbeat"
  | "LeaveGroup"
  | "OffsetCommit"
  | "OffsetFetch"
  | "ListGroups"
  | "DescribeGroups"
  | "ResetOffsets"
  | "DeleteGroups";
export type OpCode = (typeof Op)[OpName];

/** Code ranges set aside for operations that come later; no server answers them yet. */
export const OP_RESERVED_RANGES = [
  { from: 0, to: 0, purpose: "never used (catches zeroed frames)" },
  { from: 7, to: 9, purpose: "further topic administration (configs, partitions, delete records)" },
  { from: 14, to: 19, purpose: "further data-path operations" },
  { from: 29, to: 39, purpose: "further consumer-group operations" },
  { from: 40, to: 59, purpose: "cluster (replica fetch, controller quorum, broker registration)" },
  { from: 60, to: 69, purpose: "authentication (SASL handshake, SASL authenticate)" },
  { from: 70, to: 99, purpose: "transactions" },
] as const;

/** Versions this code base can serve, per operation (inclusive). */
export const OP_VERSIONS: Readonly<Record<OpName, { min: number; max: number }>> = {
  ApiVersions: { min: 1, max: 1 },
  Metadata: { min: 1, max: 1 },
  CreateTopics: { min: 1, max: 1 },
  DeleteTopics: { min: 1, max: 1 },
  DescribeTopics: { min: 1, max: 1 },
  ListTopics: { min: 1, max: 1 },
  Produce: { min: 1, max: 1 },
  Fetch: { min: 1, max: 1 },
  ListOffsets: { min: 1, max: 1 },
  InitProducerId: { min: 1, max: 1 },
  FindCoordinator: { min: 1, max: 1 },
  ConsumerGroupHeartbeat: { min: 1, max: 1 },
  LeaveGroup: { min: 1, max: 1 },
  OffsetCommit: { min: 1, max: 1 },
  OffsetFetch: { min: 1, max: 1 },
  ListGroups: { min: 1, max: 1 },
  DescribeGroups: { min: 1, max: 1 },
  ResetOffsets: { min: 1, max: 1 },
  DeleteGroups: { min: 1, max: 1 },
};

const OP_NAMES_BY_CODE: ReadonlyMap<number, OpName> = new Map(
  (Object.keys(Op) as OpName[]).map((name) => [Op[name], name]),
);

export function opName(code: number): OpName | undefined {
  return OP_NAMES_BY_CODE.get(code);
}

/** Correlation id 0 is reserved for connection-level errors sent by the server. */
export const CORRELATION_ID_CONNECTION = 0;
export const CORRELATION_ID_MAX = 0xffff_ffff;

/** ListOffsets `timestamp` values with a special meaning (Kafka's convention). */
export const ListOffsetsTimestamp = { Latest: -1, Earliest: -2 } as const;

/** Bounds every validator enforces, so a small frame cannot make the server do much work. */
export const MESSAGE_LIMITS = {
  /** Entries in any list (topics, partitions, configs). */
  listLengthMax: 10_000,
  /** Characters in any text field. */
  textLengthMax: 32_768,
  /** Longest a Fetch may ask to wait; longer requests are INVALID_REQUEST. */
  fetchWaitMsMax: 300_000,
  /** Longest a Produce may ask acks=all to wait. */
  produceTimeoutMsMax: 300_000,
} as const;

export interface WireError {
  code: string;
  message: string;
  retriable: boolean;
}

// --- ApiVersions v1: the handshake -------------------------------------------------------------

export interface ApiVersionsRequest {
  clientId: string;
  clientVersion: string;
}

export interface ApiVersionRange {
  op: number;
  name: string;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  nodeId: number;
  serverVersion: string;
  /** Largest frame (4-byte header included) the server accepts. */
  frameBytesMax: number;
  apis: ApiVersionRange[];
}

// --- Metadata v1 -------------------------------------------------------------------------------

export interface MetadataRequest {
  /** null: every topic. A named topic that does not exist gets an entry with its error. */
  topics: string[] | null;
  /** Default true: honoured only when the broker has auto-creation on. */
  allowAutoTopicCreation?: boolean;
}

/**
 * One topic of a Metadata answer. With `error` set (UNKNOWN_TOPIC_OR_PARTITION, or
 * INVALID_TOPIC_EXCEPTION for a name that cannot exist), the topic was named but could not be
 * described: `internal` is false, `configs` empty and `partitions` empty.
 */
export interface MetadataTopic extends TopicDescription {
  error: WireError | null;
}

export interface MetadataResponse {
  clusterId: string;
  controllerId: number;
  brokers: BrokerEndpoint[];
  /** Every topic (topics null), or one entry per distinct named topic, in request order. */
  topics: MetadataTopic[];
}

// --- Topic administration v1 -------------------------------------------------------------------

export interface CreateTopicsRequest {
  topics: CreateTopicRequest[];
}

export interface TopicResult {
  name: string;
  error: WireError | null;
  /** The created or described topic; null when error is set. */
  topic: TopicDescription | null;
}

export interface CreateTopicsResponse {
  topics: TopicResult[];
}

export interface DeleteTopicsRequest {
  topics: string[];
}

export interface DeleteTopicsResponse {
  topics: Array<{ name: string; error: WireError | null }>;
}

export interface DescribeTopicsRequest {
  topics: string[];
}

export interface DescribeTopicsResponse {
  topics: TopicResult[];
}

export type ListTopicsRequest = Record<string, never>;

export interface ListTopicsResponse {
  topics: TopicSummary[];
}

// --- Produce v1 --------------------------------------------------------------------------------

export interface ProducePartitionData {
  topic: string;
  partition: number;
  /** One or more record batches v2, concatenated, exactly as they go on disk. */
  records: Uint8Array;
}

export interface ProduceRequestBody {
  /** 0: no response at all; 1: after the leader appended; -1: after fsync (group commit). */
  acks: Acks;
  timeoutMs: number;
  partitions: ProducePartitionData[];
}

export interface ProducePartitionResult {
  topic: string;
  partition: number;
  error: WireError | null;
  /** -1 when error is set. */
  baseOffset: number;
  lastOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

export interface ProduceResponseBody {
  partitions: ProducePartitionResult[];
}

// --- Fetch v1 ----------------------------------------------------------------------------------

export interface FetchPartitionData {
  topic: string;
  partition: number;
  offset: number;
  maxBytes: number;
}

export interface FetchRequestBody {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitions: FetchPartitionData[];
}

export interface FetchPartitionResultBody {
  topic: string;
  partition: number;
  error: WireError | null;
  /** -1 when error is set. */
  highWatermark: number;
  logStartOffset: number;
  /** Whole record batches v2 straight from the log; empty when error is set or no data. */
  records: Uint8Array;
}

export interface FetchResponseBody {
  partitions: FetchPartitionResultBody[];
}

// --- ListOffsets v1 ----------------------------------------------------------------------------

export interface ListOffsetsPartition {
  topic: string;
  partition: number;
  /** ListOffsetsTimestamp.Earliest (-2), .Latest (-1), or a timestamp in ms (>= 0). */
  timestamp: number;
}

export interface ListOffsetsRequestBody {
  partitions: ListOffsetsPartition[];
}

export interface ListOffsetsPartitionResult {
  topic: string;
  partition: number;
  error: WireError | null;
  /** -1 when error is set or no record has a timestamp at or after the one asked for. */
  offset: number;
  timestampMs: number;
}

export interface ListOffsetsResponseBody {
  partitions: ListOffsetsPartitionResult[];
}

// --- InitProducerId v1 -------------------------------------------------------------------------

/** Transactions are not supported yet; transactionalId must be absent or null. */
export interface InitProducerIdRequestBody {
  transactionalId?: null;
}

export interface InitProducerIdResponseBody {
  producerId: number;
  producerEpoch: number;
}

// --- Consumer groups v1 (docs/protocol.md §6.11-6.19, docs/groups.md) ----------------------------
//
// Membership follows Kafka's KIP-848 protocol: the broker assigns partitions and returns them in
// heartbeat responses. Partition sets are always [{topic, partitions: [uint]}] with topics
// ascending and partitions ascending and unique in responses (requests may use any order).

export interface TopicPartitionsWire {
  topic: string;
  partitions: number[];
}

/** ConsumerGroupHeartbeat `memberEpoch` values with a special meaning. */
export const GroupMemberEpoch = { Join: 0, Leave: -1, StaticLeave: -2 } as const;

export interface FindCoordinatorRequestBody {
  groupId: string;
}

export interface FindCoordinatorResponseBody {
  /** The broker coordinating the group (always the one asked, on a single node). */
  coordinator: BrokerEndpoint;
  /** The `__consumer_offsets` partition holding the group's records. */
  offsetsPartition: number;
}

export interface ConsumerGroupHeartbeatRequestBody {
  groupId: string;
  /** "" to join as a new member; the id the broker returned afterwards. */
  memberId: string;
  /** 0 join (or rejoin owning nothing), -1 leave, -2 static leave, > 0 heartbeat. */
  memberEpoch: number;
  /** Static membership: the same id across restarts of one consumer instance. */
  instanceId?: string | null;
  clientId?: string | null;
  /** Required when joining; null or absent afterwards means unchanged. */
  subscribedTopics?: string[] | null;
  sessionTimeoutMs?: number | null;
  rebalanceTimeoutMs?: number | null;
  /** "sticky" (default), "range" or "round-robin"; honoured when the group is empty. */
  assignor?: string | null;
  /** Everything the member owns now; null or absent: not reported (never completes a revocation). */
  ownedPartitions?: TopicPartitionsWire[] | null;
}

export interface ConsumerGroupHeartbeatResponseBody {
  memberId: string;
  /** -1 or -2 after a leave. */
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** Everything the member may own now; owned partitions not listed must be released. */
  assignment: TopicPartitionsWire[];
}

export interface LeaveGroupRequestBody {
  groupId: string;
  memberId: string;
  instanceId?: string | null;
  /** Static leave: the instance keeps its partitions until its session times out. */
  staticLeave?: boolean | null;
}

export type LeaveGroupResponseBody = Record<string, never>;

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  /** The next offset to consume (last processed + 1). */
  offset: number;
  leaderEpoch?: number | null;
  metadata?: string | null;
}

export interface OffsetCommitRequestBody {
  groupId: string;
  /** "" with memberEpoch -1: an admin commit, allowed only while the group has no members. */
  memberId: string;
  memberEpoch: number;
  offsets: OffsetCommitEntry[];
}

/** All or nothing: success means every offset is durable. */
export type OffsetCommitResponseBody = Record<string, never>;

export interface OffsetFetchTopic {
  topic: string;
  /** null or absent: every existing partition of the topic. */
  partitions?: number[] | null;
}

export interface OffsetFetchRequestBody {
  groupId: string;
  /** When given (with memberEpoch), the member is fenced as for a commit. */
  memberId?: string | null;
  memberEpoch?: number | null;
  /** null or absent: every partition the group has committed. */
  topics?: OffsetFetchTopic[] | null;
}

export interface OffsetFetchEntry {
  topic: string;
  partition: number;
  /** null when nothing is committed for the partition. */
  offset: number | null;
  leaderEpoch: number | null;
  metadata: string | null;
  commitTimestampMs: number | null;
  /** null when the partition does not exist (any more). */
  highWatermark: number | null;
  /** max(0, highWatermark - offset); null when either is null. */
  lag: number | null;
}

export interface OffsetFetchResponseBody {
  offsets: OffsetFetchEntry[];
}

export type ListGroupsRequestBody = Record<string, never>;

export type GroupStateWire = "empty" | "assigning" | "reconciling" | "stable" | "dead";

export interface GroupListingWire {
  groupId: string;
  state: GroupStateWire;
  epoch: number;
  assignor: string;
  memberCount: number;
}

export interface ListGroupsResponseBody {
  groups: GroupListingWire[];
}

export interface DescribeGroupsRequestBody {
  groupIds: string[];
}

export type MemberStateWire =
  | "stable"
  | "unrevokedPartitions"
  | "unreleasedPartitions"
  | "awaitingHeartbeat"
  | "staticLeft";

export interface MemberDescriptionWire {
  memberId: string;
  instanceId: string | null;
  clientId: string;
  state: MemberStateWire;
  memberEpoch: number;
  subscribedTopics: string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** What the member may own now. */
  assignment: TopicPartitionsWire[];
  /** Told to release, not yet confirmed. */
  pendingRevocation: TopicPartitionsWire[];
  /** Where the assignor wants the member to end up. */
  targetAssignment: TopicPartitionsWire[];
}

export interface GroupDescriptionWire {
  groupId: string;
  state: GroupStateWire;
  epoch: number;
  assignor: string;
  members: MemberDescriptionWire[];
}

export interface DescribeGroupsResponseBody {
  /** One per requested id, in request order. */
  groups: Array<{ groupId: string; error: WireError | null; group: GroupDescriptionWire | null }>;
}

/** Where ResetOffsets moves a topic's committed offsets. */
export const ResetOffsetsTo = {
  Earliest: "earliest",
  Latest: "latest",
  Offset: "offset",
  Timestamp: "timestamp",
} as const;
export type ResetOffsetsToName = (typeof ResetOffsetsTo)[keyof typeof ResetOffsetsTo];

export interface ResetOffsetsTopic {
  topic: string;
  /** null or absent: every partition of the topic. */
  partitions?: number[] | null;
  to: ResetOffsetsToName;
  /** With to "offset": clamped into [logStartOffset, highWatermark] per partition. */
  offset?: number | null;
  /** With to "timestamp": the first offset at or after it (the high watermark if none). */
  timestampMs?: number | null;
}

export interface ResetOffsetsRequestBody {
  groupId: string;
  topics: ResetOffsetsTopic[];
  /** Resolve and return the offsets without committing them. */
  dryRun?: boolean | null;
}

export interface ResetOffsetsResponseBody {
  /** The offsets committed (or, with dryRun, that would be). */
  offsets: Array<{ topic: string; partition: number; offset: number }>;
}

export interface DeleteGroupsRequestBody {
  groupIds: string[];
}

export interface DeleteGroupsResponseBody {
  groups: Array<{ groupId: string; error: WireError | null }>;
}

// --- The table tying names to bodies -----------------------------------------------------------

export interface Operations {
  ApiVersions: { request: ApiVersionsRequest; response: ApiVersionsResponse };
  Metadata: { request: MetadataRequest; response: MetadataResponse };
  CreateTopics: { request: CreateTopicsRequest; response: CreateTopicsResponse };
  DeleteTopics: { request: DeleteTopicsRequest; response: DeleteTopicsResponse };
  DescribeTopics: { request: DescribeTopicsRequest; response: DescribeTopicsResponse };
  ListTopics: { request: ListTopicsRequest; response: ListTopicsResponse };
  Produce: { request: ProduceRequestBody; response: ProduceResponseBody };
  Fetch: { request: FetchRequestBody; response: FetchResponseBody };
  ListOffsets: { request: ListOffsetsRequestBody; response: ListOffsetsResponseBody };
  InitProducerId: { request: InitProducerIdRequestBody; response: InitProducerIdResponseBody };
  FindCoordinator: { request: FindCoordinatorRequestBody; response: FindCoordinatorResponseBody };
  ConsumerGroupHeartbeat: {
    request: ConsumerGroupHeartbeatRequestBody;
    response: ConsumerGroupHeartbeatResponseBody;
  };
  LeaveGroup: { request: LeaveGroupRequestBody; response: LeaveGroupResponseBody };
  OffsetCommit: { request: OffsetCommitRequestBody; response: OffsetCommitResponseBody };
  OffsetFetch: { request: OffsetFetchRequestBody; response: OffsetFetchResponseBody };
  ListGroups: { request: ListGroupsRequestBody; response: ListGroupsResponseBody };
  DescribeGroups: { request: DescribeGroupsRequestBody; response: DescribeGroupsResponseBody };
  ResetOffsets: { request: ResetOffsetsRequestBody; response: ResetOffsetsResponseBody };
  DeleteGroups: { request: DeleteGroupsRequestBody; response: DeleteGroupsResponseBody };
}

export type RequestBody<K extends OpName> = Operations[K]["request"];
export type ResponseBody<K extends OpName> = Operations[K]["response"];
