// What the members of a cluster ask of each other (issue 11), as plain values every layer can
// name: the broker <-> controller channel (registration, heartbeats, the committed metadata log,
// AlterPartition, controller writes), the follower <-> leader channel (replica fetch,
// OffsetForLeaderEpoch) and the controller <-> controller Raft envelope. The CBOR ops carry
// these shapes; the controller and the replica manager implement the service interfaces; the
// faces never decide anything about them.
//
// Offsets of the metadata log are Raft indexes: the committed batch with lastOffset i is the
// entry at index i (index 0 is "nothing"). Metadata records travel as the bytes of
// src/metadata/records.ts encodeMetadataRecord, one Uint8Array per record, so the model need not
// know the record types.

/** One listener of a broker, as it registers it ("cbor", "http", "controller", ...). */
export interface ListenerEndpoint {
  listener: string;
  host: string;
  port: number;
}

// -------------------------------------------------------------------------------------------
// Broker -> active controller

export interface BrokerRegistrationRequest {
  /** The cluster the broker belongs to (from its meta.properties); a mismatch is refused. */
  clusterId: string;
  brokerId: number;
  /** New at every start of the broker process; a registration names its life. */
  incarnationId: string;
  endpoints: ListenerEndpoint[];
  rack: string | null;
}

export interface BrokerRegistrationReply {
  /** The metadata offset of the registration record (Kafka's broker epoch). */
  registeredAtOffset: number;
}

export interface BrokerHeartbeatRequest {
  brokerId: number;
  incarnationId: string;
  /** The last metadata offset this broker has applied (it is caught up once it reaches the
   * registration's offset; only then is it unfenced). */
  appliedOffset: number;
  /** Controlled shutdown: move leadership away, then answer shutdownReady. */
  wantShutdown: boolean;
}

export interface BrokerHeartbeatReply {
  fenced: boolean;
  /** The broker has applied the metadata up to its own registration. */
  caughtUp: boolean;
  /** Controlled shutdown: no partition is led by this broker any more; it may exit. */
  shutdownReady: boolean;
}

export interface MetadataFetchRequest {
  brokerId: number;
  /** The first offset wanted: the last applied + 1 (1 from an empty image). */
  fromOffset: number;
  /** Wait up to this long for a new commit when there is none (a long poll). */
  maxWaitMs: number;
  maxBytes: number;
}

export interface MetadataBatchBytes {
  lastOffset: number;
  /** The Raft term the batch was written in. */
  epoch: number;
  /** Each record encoded by encodeMetadataRecord. An empty list is a leader's no-op. */
  records: Uint8Array[];
}

export interface MetadataFetchReply {
  /** The answering controller's term and its commit index. */
  epoch: number;
  committedOffset: number;
  /** When fromOffset is already folded into a snapshot: the whole image instead. */
  snapshot: { offset: number; epoch: number; records: Uint8Array[] } | null;
  /** Committed batches from fromOffset (after the snapshot when there is one), in order. */
  batches: MetadataBatchBytes[];
}

export interface AlterPartitionItem {
  topicId: string;
  partition: number;
  leaderEpoch: number;
  /** The partition epoch the proposal was computed from. */
  partitionEpoch: number;
  newIsr: number[];
}

export interface CommittedPartition {
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface AlterPartitionRequest {
  brokerId: number;
  incarnationId: string;
  partitions: AlterPartitionItem[];
}

export interface AlterPartitionReply {
  partitions: {
    topicId: string;
    partition: number;
    /** Null: committed; the state as of that commit. */
    error: { code: string; message: string } | null;
    /** The controller's committed state, on success and where it knows it on refusal. */
    state: CommittedPartition | null;
  }[];
}

export interface CreateTopicsForward {
  topics: {
    name: string;
    partitions?: number;
    /** -1 or absent: the controller's default (default.replication.factor). */
    replicationFactor?: number;
    configs?: Record<string, string>;
    internal?: boolean;
  }[];
  /** Only check, write nothing (Kafka's validateOnly). */
  validateOnly?: boolean;
}

export interface CreateTopicsForwardReply {
  topics: {
    name: string;
    error: { code: string; message: string } | null;
    topicId: string | null;
  }[];
  /** Metadata offset of the commit that created them; a broker answers its client once its
   * image has reached it. -1 when nothing was written. */
  committedOffset: number;
}

/** The controller's side, which the controller listener's ops call. */
export interface ControllerService {
  registerBroker(request: BrokerRegistrationRequest): Promise<BrokerRegistrationReply>;
  brokerHeartbeat(request: BrokerHeartbeatRequest): Promise<BrokerHeartbeatReply>;
  fetchMetadata(request: MetadataFetchRequest): Promise<MetadataFetchReply>;
  alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionReply>;
  createTopics(request: CreateTopicsForward): Promise<CreateTopicsForwardReply>;
  deleteTopics(request: { names: string[] }): Promise<{
    topics: { name: string; error: { code: string; message: string } | null }[];
    committedOffset: number;
  }>;
  createPartitions(request: { topic: string; count: number }): Promise<{ committedOffset: number }>;
  /**
   * Replaces a topic's explicit configs with `configs` (checked like a new topic's); records
   * only what changed. INVALID_TOPIC_EXCEPTION for an internal topic.
   */
  alterTopicConfigs(request: { topic: string; configs: Record<string, string> }): Promise<{
    committedOffset: number;
  }>;
  /** A block of producer ids, durably reserved. */
  allocateProducerIds(request: { brokerId: number; count: number }): Promise<{
    start: number;
    committedOffset: number;
  }>;
  /** Preferred-leader election for the named partitions (all when absent). */
  electLeaders(request: { partitions?: { topic: string; partition: number }[] }): Promise<{
    committedOffset: number;
  }>;
  /**
   * Starts, replaces or cancels (replicas null) the reassignment of partitions to new replicas
   * (KIP-455); the whole request is refused when any item is bad. The reply is each partition as
   * the commit left it (targetReplicas null: no reassignment in progress, i.e. done).
   */
  reassignPartitions(request: ReassignPartitionsRequest): Promise<ReassignPartitionsReply>;
  /** A Raft message from another controller (one-way). */
  receiveRaft(envelope: RaftEnvelope): void;
}

export interface ReassignPartitionsRequest {
  partitions: { topic: string; partition: number; replicas: number[] | null }[];
}

export interface ReassignPartitionsReply {
  partitions: {
    topic: string;
    partition: number;
    replicas: number[];
    isr: number[];
    leader: number;
    targetReplicas: number[] | null;
  }[];
  /** -1 when nothing was written. */
  committedOffset: number;
}

/** A Raft message between controllers; `message` is src/controller/raft codec bytes. */
export interface RaftEnvelope {
  clusterId: string;
  from: number;
  to: number;
  message: Uint8Array;
}

// -------------------------------------------------------------------------------------------
// Follower -> partition leader

export interface ReplicaFetchPartition {
  topic: string;
  partition: number;
  /** The leader epoch the follower believes current; another one is refused (fencing). */
  currentLeaderEpoch: number;
  /** The follower's log end: it holds everything below, durably. */
  fetchOffset: number;
}

export interface ReplicaFetchRequest {
  replicaId: number;
  maxWaitMs: number;
  /** Answer at once once this many bytes are ready (1: as soon as anything is). */
  minBytes: number;
  maxBytes: number;
  partitions: ReplicaFetchPartition[];
}

export interface ReplicaFetchPartitionReply {
  topic: string;
  partition: number;
  error: { code: string; message: string } | null;
  highWatermark: number;
  logStartOffset: number;
  logEndOffset: number;
  /** Whole record batches as stored, from the one holding fetchOffset on. */
  records: Uint8Array;
}

export interface ReplicaFetchReply {
  partitions: ReplicaFetchPartitionReply[];
}

export interface EpochEndQuery {
  topic: string;
  partition: number;
  currentLeaderEpoch: number;
  /** Where does this epoch end on the leader? */
  leaderEpoch: number;
}

export interface EpochEndReply {
  topic: string;
  partition: number;
  error: { code: string; message: string } | null;
  /** The largest epoch <= the asked one the leader has, and the end offset of it. */
  leaderEpoch: number;
  endOffset: number;
}

/** The partition leader's side, which the replica ops call. */
export interface ReplicaService {
  replicaFetch(request: ReplicaFetchRequest): Promise<ReplicaFetchReply>;
  epochEnd(request: { replicaId: number; partitions: EpochEndQuery[] }): Promise<{
    partitions: EpochEndReply[];
  }>;
}

// -------------------------------------------------------------------------------------------
// Defaults, chosen for a LAN (docs/replication.md says why)

export const CLUSTER_DEFAULTS = {
  /** Kafka's is 9000; on a LAN a broker that misses 1.5 s of 250 ms heartbeats is gone. */
  brokerSessionTimeoutMs: 1500,
  brokerHeartbeatIntervalMs: 250,
  /** Kafka's replica.lag.time.max.ms (30 s since 3.6; 10 s before). */
  replicaLagTimeMaxMs: 10_000,
  /** Raft: base election timeout and the leader's heartbeat. */
  controllerElectionTimeoutMs: 1000,
  controllerHeartbeatIntervalMs: 150,
  /** A follower's fetch waits this long for data at the leader's log end. */
  replicaFetchWaitMaxMs: 500,
  replicaFetchBytesMax: 8 * 1024 * 1024,
  offsetsTopicReplicationFactor: 3,
  defaultReplicationFactor: 1,
} as const;
