// How brokers and topics are described to clients: what Metadata, DescribeTopics and ListTopics
// answer, whichever face (HTTP, CBOR, embedded) carries it. Offsets are JavaScript numbers.

export interface BrokerEndpoint {
  nodeId: number;
  host: string;
  /** CBOR-over-TCP port. */
  port: number;
  /** HTTP port, when the broker serves HTTP. */
  httpPort?: number;
  /** Kafka wire protocol port, when the broker serves it (docs/kafka.md). */
  kafkaPort?: number;
  /** The broker's rack (broker.rack) in a cluster; absent on a single node. */
  rack?: string | null;
  /** Only where fenced brokers were asked for too (Metadata includeFencedBrokers). */
  state?: BrokerState;
}

/**
 * A registered broker as the metadata image knows it: `running` (it has a live session and may
 * lead) or `fenced` (registered without one, or in controlled shutdown: it leads nothing and is
 * in no ISR).
 */
export type BrokerState = "running" | "fenced";
export const BROKER_STATES: readonly BrokerState[] = ["running", "fenced"];

export interface MetadataOptions {
  /** Also list fenced brokers, each with its state (Kafka's DescribeCluster IncludeFencedBrokers). */
  includeFencedBrokers?: boolean;
}

export interface TopicSummary {
  name: string;
  partitions: number;
  replicationFactor: number;
  internal: boolean;
}

export interface PartitionDescription {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  logStartOffset: number;
  highWatermark: number;
  /** Bytes on disk for this partition's log. */
  sizeBytes: number;
  /** Set when the partition is offline (requests get KAFKA_STORAGE_ERROR): why. */
  offlineReason?: string;
}

export interface TopicDescription {
  name: string;
  internal: boolean;
  /** Effective configs (explicit ones and defaults), Kafka names, values as strings. */
  configs: Record<string, string>;
  partitions: PartitionDescription[];
}

export interface BrokerMetadata {
  clusterId: string;
  controllerId: number;
  brokers: BrokerEndpoint[];
  topics: TopicDescription[];
}
