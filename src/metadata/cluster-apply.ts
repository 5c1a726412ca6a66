// How the image applies the cluster records, and which it refuses. Each refusal is a typed
// TributaryError with Kafka's code for the same refusal, and leaves the image as it was:
//
// | change                                  | refused when                       | code                       |
// |-----------------------------------------|------------------------------------|----------------------------|
// | ClusterId                               | another cluster id is in the image | INVALID_REQUEST            |
// | BrokerRegistrationChange, Unregister    | no broker with that id             | BROKER_ID_NOT_REGISTERED   |
// | BrokerRegistrationChange, Unregister    | another incarnation is registered  | STALE_BROKER_EPOCH         |
// | PartitionChange                         | no topic with that id (deleted)    | UNKNOWN_TOPIC_ID           |
// | PartitionChange                         | no such partition                  | UNKNOWN_TOPIC_OR_PARTITION |
// | PartitionChange                         | partitionEpoch is not the current  | INVALID_UPDATE_VERSION     |
// | PartitionChange                         | isr not within replicas, leader    | INVALID_REQUEST            |
// |                                         | outside the isr, target replicas   |                            |
// |                                         | not within replicas                |                            |
// | PartitionChange                         | new leader or new ISR member is    | INELIGIBLE_REPLICA         |
// |                                         | fenced or not registered           |                            |
//
// Kafka refuses these in its controller (heartbeats and UnregisterBroker by broker epoch,
// AlterPartition by partition epoch, KIP-841's ineligible replicas), and its log replay throws on
// a record naming a registration that is not there. We refuse them where the image applies the
// record, so the controller's check and every broker's replay are the same code. A
// RegisterBroker is never refused: a new incarnation replaces the old registration (a restart);
// refusing a second live registration (Kafka's DUPLICATE_BROKER_REGISTRATION) needs the session
// timer, which belongs to the controller.
import { TributaryError } from "../model/errors.ts";
import type {
  BrokerRegistrationChangeRecord,
  ClusterIdRecord,
  PartitionChangeRecord,
  RegisterBrokerRecord,
  UnregisterBrokerRecord,
} from "./cluster-records.ts";
import { NO_LEADER } from "./cluster-records.ts";
import type { BrokerImage, PartitionImage, TopicImage } from "./image-types.ts";
import { checkMetadataRecord } from "./records.ts";

type Brokers = Map<number, BrokerImage>;

/** The cluster id after the record: set once; the same id again changes nothing. */
export function applyClusterId(current: string | null, record: ClusterIdRecord): string {
  checkMetadataRecord(record);
  if (current !== null && current !== record.clusterId) {
    // Kafka has INVALID_CLUSTER_ID only on the wire; no code of ours fits better.
    throw new TributaryError(
      "INVALID_REQUEST",
      `cluster id is ${current}; a record cannot change it to ${record.clusterId}`,
    );
  }
  return record.clusterId;
}

export function applyRegisterBroker(brokers: Brokers, record: RegisterBrokerRecord): void {
  checkMetadataRecord(record);
  brokers.set(record.brokerId, {
    brokerId: record.brokerId,
    incarnationId: record.incarnationId,
    endpoints: record.endpoints.map((e) => ({ listener: e.listener, host: e.host, port: e.port })),
    rack: record.rack,
    fenced: record.fenced,
  });
}

export function applyBrokerChange(brokers: Brokers, record: BrokerRegistrationChangeRecord): void {
  checkMetadataRecord(record);
  const current = registered(brokers, record.brokerId, record.incarnationId);
  brokers.set(record.brokerId, { ...current, fenced: record.fenced });
}

export function applyUnregisterBroker(brokers: Brokers, record: UnregisterBrokerRecord): void {
  checkMetadataRecord(record);
  registered(brokers, record.brokerId, record.incarnationId);
  brokers.delete(record.brokerId);
}

function registered(brokers: Brokers, brokerId: number, incarnationId: string): BrokerImage {
  const current = brokers.get(brokerId);
  if (current === undefined) {
    throw new TributaryError("BROKER_ID_NOT_REGISTERED", `broker ${brokerId} is not registered`);
  }
  if (current.incarnationId !== incarnationId) {
    throw new TributaryError(
      "STALE_BROKER_EPOCH",
      `broker ${brokerId} is registered as incarnation ${current.incarnationId}, not ${incarnationId}`,
    );
  }
  return current;
}

/** Replaces the partition's image with the changed one; the topic's array is updated in place. */
export function applyPartitionChange(
  topic: TopicImage | undefined,
  brokers: Brokers,
  record: PartitionChangeRecord,
): void {
  checkMetadataRecord(record);
  if (topic === undefined) {
    throw new TributaryError("UNKNOWN_TOPIC_ID", `no topic has id ${record.topicId}`);
  }
  const current = topic.partitions[record.partition];
  if (current === undefined) {
    throw new TributaryError(
      "UNKNOWN_TOPIC_OR_PARTITION",
      `topic ${topic.name} has no partition ${record.partition}`,
    );
  }
  topic.partitions[record.partition] = changed(topic.name, current, brokers, record);
}

function changed(
  topic: string,
  current: PartitionImage,
  brokers: Brokers,
  record: PartitionChangeRecord,
): PartitionImage {
  const name = `${topic}-${current.partition}`;
  if (record.partitionEpoch !== current.partitionEpoch) {
    throw new TributaryError(
      "INVALID_UPDATE_VERSION",
      `change to ${name} was computed from partition epoch ${record.partitionEpoch}, ` +
        `the partition is at ${current.partitionEpoch}`,
    );
  }
  const replicas = record.replicas ?? current.replicas;
  const isr = record.isr ?? current.isr;
  const leader = record.leader ?? current.leader;
  if (isr.some((b) => !replicas.includes(b))) {
    throw new TributaryError("INVALID_REQUEST", `isr of ${name} would have a non-replica`);
  }
  if (leader !== NO_LEADER && !isr.includes(leader)) {
    throw new TributaryError("INVALID_REQUEST", `leader ${leader} of ${name} would not be in isr`);
  }
  if (record.leader !== undefined && leader !== NO_LEADER) eligible(brokers, leader, name);
  for (const b of isr) if (!current.isr.includes(b)) eligible(brokers, b, name);
  const next: PartitionImage = {
    partition: current.partition,
    replicas: [...replicas],
    isr: [...isr],
    leader,
    // As Kafka: an election (even of the same leader) starts a new leader epoch; any change
    // at all is a new partition epoch.
    leaderEpoch: record.leader === undefined ? current.leaderEpoch : current.leaderEpoch + 1,
    partitionEpoch: current.partitionEpoch + 1,
  };
  const target = record.targetReplicas === undefined
    ? current.targetReplicas
    : record.targetReplicas ?? undefined;
  const adding = record.targetReplicas === undefined
    ? current.addingReplicas
    : record.addingReplicas;
  if (target !== undefined && adding !== undefined) {
    if (target.some((b) => !replicas.includes(b))) {
      throw new TributaryError("INVALID_REQUEST", `target replicas of ${name} are not replicas`);
    }
    next.targetReplicas = [...target];
    next.addingReplicas = [...adding];
  }
  return next;
}

function eligible(brokers: Brokers, brokerId: number, partition: string): void {
  const broker = brokers.get(brokerId);
  if (broker === undefined || broker.fenced) {
    throw new TributaryError(
      "INELIGIBLE_REPLICA",
      `broker ${brokerId} is ${broker === undefined ? "not registered" : "fenced"}: ` +
        `it cannot lead or join the isr of ${partition}`,
    );
  }
}
