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

import type {
  Acks,
  BrokerEndpoint,
  CreateTopicRequest,
  TopicDescription,
  TopicSummary,
} from "../../broker/types.ts";

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
} as const;

export type OpName = keyof typeof Op;
export type OpCode = (typeof Op)[OpName];

/** Code ranges set aside for operations that come later; no server answers them yet. */
export const OP_RESERVED_RANGES = [
  { from: 0, to: 0, purpose: "never used (catches zeroed frames)" },
  { from: 7, to: 9, purpose: "further topic administration (configs, partitions, delete records)" },
  { from: 14, to: 19, purpose: "further data-path operations" },
  {
    from: 20,
    to: 39,
    purpose: "consumer groups (find coordinator, join, sync, heartbeat, leave, " +
      "offset commit, offset fetch, list groups, describe groups, delete groups)",
  },
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
  /** null: every topic. Named topics that do not exist fail the request (or are auto-created). */
  topics: string[] | null;
  /** Default true: honoured only when the broker has auto-creation on. */
  allowAutoTopicCreation?: boolean;
}

export interface MetadataResponse {
  clusterId: string;
  controllerId: number;
  brokers: BrokerEndpoint[];
  topics: TopicDescription[];
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
}

export type RequestBody<K extends OpName> = Operations[K]["request"];
export type ResponseBody<K extends OpName> = Operations[K]["response"];
