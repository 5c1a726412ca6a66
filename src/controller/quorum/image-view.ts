// What the active controller reads of the metadata image, and the records it writes, as shapes of
// its own: src/controller may not import src/metadata (rule:sans-io-state-machines), yet it must
// decide on the image the brokers replay. src/metadata's MetadataImage satisfies ImageSource
// structurally and the records below have exactly the shapes of src/metadata/records.ts;
// test/controller/quorum/shapes.test.ts keeps the two in step at the type level.
//
// The controller never changes the committed image it is handed: it clones it and applies its own
// records to the clone (MetadataImage.apply, the one place that interprets records), so what it
// decides next builds on what it has already decided.

/** Kafka's NO_LEADER: the partition has no eligible leader. */
export const NO_LEADER = -1;

export interface EndpointView {
  readonly listener: string;
  readonly host: string;
  readonly port: number;
}

export interface BrokerView {
  readonly brokerId: number;
  readonly incarnationId: string;
  readonly endpoints: readonly EndpointView[];
  readonly rack: string | null;
  readonly fenced: boolean;
}

export interface PartitionView {
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  /** A reassignment in progress (both or neither). */
  readonly targetReplicas?: readonly number[];
  readonly addingReplicas?: readonly number[];
}

export interface TopicView {
  readonly name: string;
  readonly topicId: string;
  readonly internal: boolean;
  readonly partitions: readonly PartitionView[];
  readonly configs: Readonly<Record<string, string>>;
}

/** The read side: brokers, topics by name and id, producer ids, the cluster id. */
export interface ImageView {
  readonly clusterId: string | null;
  readonly nextProducerIdBlockStart: number;
  topic(name: string): TopicView | undefined;
  topicById(topicId: string): TopicView | undefined;
  topics(): Iterable<TopicView>;
  broker(brokerId: number): BrokerView | undefined;
  /** Registered brokers, fenced ones included, by ascending id. */
  brokers(): readonly BrokerView[];
}

/** The committed image as the driver hands it over: a view the controller can copy and extend. */
export interface ImageSource extends ImageView {
  /** A copy; applying to it leaves this one as it is. */
  clone(): ImageSource;
  /** Applies one record, or throws a TributaryError (a refusal) leaving the image unchanged. */
  apply(record: ControllerRecord): void;
}

// -------------------------------------------------------------------------------------------
// The records the controller writes (src/metadata/records.ts has the codec and says what each
// field means).

export interface ClusterIdRecord {
  type: "ClusterIdRecord";
  clusterId: string;
}

export interface RegisterBrokerRecord {
  type: "RegisterBrokerRecord";
  brokerId: number;
  incarnationId: string;
  endpoints: { listener: string; host: string; port: number }[];
  rack: string | null;
  fenced: boolean;
}

export interface BrokerRegistrationChangeRecord {
  type: "BrokerRegistrationChangeRecord";
  brokerId: number;
  incarnationId: string;
  fenced: boolean;
}

export interface PartitionChangeRecord {
  type: "PartitionChangeRecord";
  topicId: string;
  partition: number;
  partitionEpoch: number;
  leader?: number;
  isr?: number[];
  replicas?: number[];
  targetReplicas?: number[] | null;
  addingReplicas?: number[];
}

export interface TopicRecord {
  type: "TopicRecord";
  name: string;
  topicId: string;
  internal: boolean;
}

/** The controller always writes version 1 (isr and partitionEpoch present). */
export interface PartitionRecord {
  type: "PartitionRecord";
  topic: string;
  partition: number;
  replicas: number[];
  leader: number;
  leaderEpoch: number;
  isr?: number[];
  partitionEpoch?: number;
  targetReplicas?: number[];
  addingReplicas?: number[];
}

export interface ConfigRecord {
  type: "ConfigRecord";
  topic: string;
  name: string;
  value: string | null;
}

export interface RemoveTopicRecord {
  type: "RemoveTopicRecord";
  name: string;
}

export interface ProducerIdsRecord {
  type: "ProducerIdsRecord";
  nextBlockStart: number;
}

export type ControllerRecord =
  | ClusterIdRecord
  | RegisterBrokerRecord
  | BrokerRegistrationChangeRecord
  | PartitionChangeRecord
  | TopicRecord
  | PartitionRecord
  | ConfigRecord
  | RemoveTopicRecord
  | ProducerIdsRecord;

/** What every controller method returns: records to propose as one entry, and the answer. */
export interface Decision<R> {
  records: ControllerRecord[];
  reply: R;
}
