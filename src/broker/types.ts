// The broker's service surface: what the HTTP API, the CBOR protocol server and embedded mode
// call. Transports translate to and from these shapes and map TributaryError codes; they hold
// no broker state of their own. What clients share with the broker (acks, descriptions, offset
// specs) lives in src/model, so a client never imports this file.
//
// Offsets, timestamps and producer ids are JavaScript numbers (exact up to 2^53).
// Record data travels as Kafka record batch v2 bytes (src/log/record-batch.ts), never decoded
// on the produce and fetch hot paths.

import type { Acks } from "../model/acks.ts";
import type { CreateTopicRequest } from "../model/create-topic.ts";
import type {
  BrokerMetadata,
  MetadataOptions,
  TopicDescription,
  TopicSummary,
} from "../model/descriptions.ts";
import type { ListOffsetsResult, OffsetSpec } from "../model/offsets.ts";
import type { ProducerIdentity } from "../model/producer-identity.ts";
import type { BrokerHealth } from "./partition-health.ts";
export type { BrokerHealth } from "./partition-health.ts";

export interface ProduceRequest {
  topic: string;
  partition: number;
  /** One or more concatenated record batches v2; the broker assigns offsets. */
  batches: Uint8Array;
  acks: Acks;
  /** How long acks=all may wait for replication / fsync before REQUEST_TIMED_OUT. */
  timeoutMs?: number;
}

export interface ProduceResult {
  /** Offset of the first record of the first batch (-1 for acks=0). */
  baseOffset: number;
  /** Offset of the last record of the last batch (-1 for acks=0). */
  lastOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTimeMs: number;
  logStartOffset: number;
}

export interface FetchPartitionRequest {
  topic: string;
  partition: number;
  offset: number;
  /** Bytes wanted from this partition; at least one whole batch is returned regardless. */
  maxBytes: number;
  /**
   * The leader epoch the client's metadata named (KIP-320); in a cluster a broker whose image
   * differs answers FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH. Absent or -1: not checked.
   */
  currentLeaderEpoch?: number;
}

export interface FetchRequest {
  partitions: FetchPartitionRequest[];
  /** Longest the fetch waits for minBytes to accumulate. */
  maxWaitMs: number;
  minBytes: number;
  /** Cap on the whole response (after the first batch). */
  maxBytes: number;
  /** Aborts a waiting fetch early (connection closed, server shutting down). */
  signal?: AbortSignal;
}

export interface FetchPartitionResult {
  topic: string;
  partition: number;
  /** Error code for this partition, or undefined when the fetch succeeded. */
  error?: string;
  errorMessage?: string;
  highWatermark: number;
  logStartOffset: number;
  /** Whole record batches v2, concatenated; may be empty. */
  records: Uint8Array;
  /** With OFFSET_OUT_OF_RANGE for an offset inside a gap (a lost segment): where data resumes. */
  nextValidOffset?: number;
}

/**
 * What transports (HTTP, CBOR-over-TCP, embedded callers) may ask of a broker. Every method
 * throws TributaryError with a stable code on failure; none of them crash the broker on bad
 * input. Consumer-group and cluster operations will be added beside these.
 */
export interface BrokerApi {
  readonly nodeId: number;
  metadata(topics?: string[], options?: MetadataOptions): BrokerMetadata;
  createTopic(request: CreateTopicRequest): Promise<TopicDescription>;
  deleteTopic(name: string): Promise<void>;
  listTopics(): TopicSummary[];
  describeTopic(name: string): TopicDescription;
  /** Number of partitions of a topic; UNKNOWN_TOPIC_OR_PARTITION (or auto-create) otherwise. */
  partitionCount(topic: string): Promise<number>;
  produce(request: ProduceRequest): Promise<ProduceResult>;
  fetch(request: FetchRequest): Promise<FetchPartitionResult[]>;
  listOffsets(topic: string, partition: number, spec: OffsetSpec): Promise<ListOffsetsResult>;
  initProducerId(): Promise<ProducerIdentity>;
  /** Storage health for `GET /v1/health` (absent on test doubles: then always ok). */
  health?(): BrokerHealth;
}
