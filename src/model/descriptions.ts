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
