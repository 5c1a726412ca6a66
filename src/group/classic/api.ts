// The classic consumer group protocol (Kafka's JoinGroup / SyncGroup / Heartbeat / LeaveGroup,
// client-side assignment by the group leader) as the coordinator offers it to the Kafka wire
// listener. The same coordinator, the same `__consumer_offsets` partitions and the same
// committed offsets as the native (KIP-848-style) groups of GroupServiceApi: a group id belongs
// to one protocol at a time, and a member of the other one is refused with
// INCONSISTENT_GROUP_PROTOCOL.
//
// Every method throws TributaryError with Kafka's error names (NOT_COORDINATOR,
// COORDINATOR_LOAD_IN_PROGRESS, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS,
// MEMBER_ID_REQUIRED, FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL, INVALID_SESSION_TIMEOUT,
// GROUP_MAX_SIZE_REACHED, INVALID_GROUP_ID, ...); the wire handlers turn them into error codes.
// Byte fields (protocol metadata, assignments) are opaque to the coordinator, as in Kafka.

export interface ClassicProtocol {
  /** e.g. "range", "roundrobin", "cooperative-sticky". */
  name: string;
  metadata: Uint8Array;
}

export interface ClassicJoinRequest {
  groupId: string;
  /** "" for a new member. */
  memberId: string;
  groupInstanceId: string | null;
  /** e.g. "consumer" (Kafka consumers) or "connect". */
  protocolType: string;
  protocols: readonly ClassicProtocol[];
  sessionTimeoutMs: number;
  /** JoinGroup v0 has none: the session timeout is used. */
  rebalanceTimeoutMs: number;
  clientId: string;
  clientHost: string;
  /**
   * JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED with its id (the answer's
   * `error` and `memberId`) and must join again with it (KIP-394).
   */
  requireKnownMemberId: boolean;
  reason?: string | null;
}

export interface ClassicJoinMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Uint8Array;
}

export interface ClassicJoinResponse {
  /** MEMBER_ID_REQUIRED is an answer, not a throw: it carries the id to join with. */
  error: "MEMBER_ID_REQUIRED" | null;
  /** -1 with MEMBER_ID_REQUIRED. */
  generationId: number;
  protocolType: string;
  /** The protocol chosen for this generation. */
  protocolName: string;
  leader: string;
  memberId: string;
  /** Every member with its metadata for the chosen protocol: only for the leader, [] otherwise. */
  members: ClassicJoinMember[];
  /** KIP-814: a static leader rejoining a stable group need not assign again. */
  skipAssignment: boolean;
}

export interface ClassicSyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** SyncGroup v5+ (checked against the group's when given). */
  protocolType: string | null;
  protocolName: string | null;
  /** Only from the leader: each member's assignment bytes. */
  assignments: readonly { memberId: string; assignment: Uint8Array }[];
}

export interface ClassicSyncResponse {
  protocolType: string;
  protocolName: string;
  assignment: Uint8Array;
}

export interface ClassicHeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface ClassicLeaveMember {
  memberId: string;
  groupInstanceId: string | null;
  reason?: string | null;
}

export interface ClassicLeaveResult {
  memberId: string;
  groupInstanceId: string | null;
  /** An error name, or null when this member left. */
  error: string | null;
}

export interface ClassicCommitRequest {
  groupId: string;
  /** -1 with memberId "": a simple (standalone) consumer's or an admin's commit. */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  offsets: readonly {
    topic: string;
    partition: number;
    offset: number;
    leaderEpoch: number | null;
    metadata: string | null;
  }[];
}

/** Kafka's group state names, as ListGroups and DescribeGroups show them. */
export type KafkaGroupState =
  | "Empty"
  | "PreparingRebalance"
  | "CompletingRebalance"
  | "Stable"
  | "Dead"
  | "Assigning"
  | "Reconciling";

export interface KafkaGroupListing {
  groupId: string;
  /** The classic group's protocol type; "consumer" for native groups. */
  protocolType: string;
  state: KafkaGroupState;
  /** KIP-848's group type: "classic" for JoinGroup groups, "consumer" for native ones. */
  groupType: "classic" | "consumer";
}

export interface KafkaGroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Classic: the member's metadata for the chosen protocol. Native: empty. */
  metadata: Uint8Array;
  /** Classic: the assignment bytes its leader gave it. Native: ConsumerProtocol-encoded. */
  assignment: Uint8Array;
}

export interface KafkaGroupDescription {
  groupId: string;
  state: KafkaGroupState;
  protocolType: string;
  /** The chosen protocol (classic) or the assignor (native). */
  protocolName: string;
  members: KafkaGroupMemberDescription[];
}

export interface ClassicGroupsApi {
  /** Resolves when the rebalance the member joined completes (or fails with its error). */
  joinGroup(req: ClassicJoinRequest, signal?: AbortSignal): Promise<ClassicJoinResponse>;
  /** Followers wait until the leader's assignment is stored. */
  syncGroup(req: ClassicSyncRequest, signal?: AbortSignal): Promise<ClassicSyncResponse>;
  /** REBALANCE_IN_PROGRESS tells a member to join again. */
  heartbeatClassic(req: ClassicHeartbeatRequest): Promise<void>;
  /** Per-member results; throws only for group-level errors (NOT_COORDINATOR, ...). */
  leaveGroupClassic(
    groupId: string,
    members: readonly ClassicLeaveMember[],
  ): Promise<ClassicLeaveResult[]>;
  /** Generation-checked for members; a simple commit only while the group has no members. */
  commitOffsetsClassic(req: ClassicCommitRequest): Promise<void>;
  /** Every group this broker coordinates, of both protocols. */
  listGroupsKafka(): KafkaGroupListing[];
  /** A group of either protocol; an unknown one is described as "Dead" with no members. */
  describeGroupKafka(groupId: string): KafkaGroupDescription;
}
