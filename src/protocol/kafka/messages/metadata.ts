// Metadata (key 3), versions 0-12; v9+ flexible (compact strings and arrays, a TAG_BUFFER
// closing every struct).
//
// Request:
//   v0     => topics ARRAY(name STRING)                       (empty: every topic)
//   v1-v3  => topics NULLABLE ARRAY(name STRING)              (null: every topic, empty: none)
//   v4-v7  => v1, allow_auto_topic_creation BOOLEAN
//   v8     => v4, include_cluster_authorized_operations BOOLEAN,
//                 include_topic_authorized_operations BOOLEAN
//   v9     => v8, flexible
//   v10    => topics(topic_id UUID, name COMPACT_NULLABLE_STRING), the rest as v9
//   v11-12 => v10 without include_cluster_authorized_operations
// Response:
//   throttle_time_ms INT32                                    (v3+)
//   brokers ARRAY(node_id INT32, host STRING, port INT32, rack NULLABLE_STRING (v1+))
//   cluster_id NULLABLE_STRING                                (v2+)
//   controller_id INT32                                       (v1+)
//   topics ARRAY(
//     error_code INT16, name STRING (NULLABLE v12+), topic_id UUID (v10+),
//     is_internal BOOLEAN (v1+),
//     partitions ARRAY(error_code INT16, partition_index INT32, leader_id INT32,
//                      leader_epoch INT32 (v7+), replica_nodes ARRAY(INT32),
//                      isr_nodes ARRAY(INT32), offline_replicas ARRAY(INT32) (v5+)),
//     topic_authorized_operations INT32 (v8+))
//   cluster_authorized_operations INT32                       (v8-v10)
//
// Authorized operations are not computed (no authorizer yet): INT32_MIN, Kafka's "omitted".

import { KafkaReader } from "../reader.ts";
import { KafkaWriter } from "../writer.ts";

export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
export const METADATA_FIRST_FLEXIBLE = 9;

export interface MetadataRequestTopic {
  /** Null when a v10+ client names the topic by id only. */
  name: string | null;
  topicId: Uint8Array | null;
}

export interface MetadataRequest {
  /** null: every topic. */
  topics: MetadataRequestTopic[] | null;
  allowAutoTopicCreation: boolean;
}

export interface MetadataBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface MetadataPartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}

export interface MetadataTopic {
  errorCode: number;
  name: string;
  topicId: Uint8Array;
  isInternal: boolean;
  partitions: MetadataPartition[];
}

export interface MetadataResponse {
  throttleTimeMs: number;
  brokers: MetadataBroker[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataTopic[];
}

export function decodeMetadataRequest(r: KafkaReader, version: number): MetadataRequest {
  const flexible = version >= METADATA_FIRST_FLEXIBLE;
  const topics = r.array(flexible, "topics", (r) => {
    const topicId = version >= 10 ? r.uuid("topic_id") : null;
    const name = version >= 10
      ? r.compactNullableString("name")
      : flexible
      ? r.compactString("name")
      : r.string("name");
    if (flexible) r.taggedFields();
    return { name, topicId };
  });
  const allowAutoTopicCreation = version >= 4 ? r.bool("allow_auto_topic_creation") : true;
  if (version >= 8 && version <= 10) r.bool("include_cluster_authorized_operations");
  if (version >= 8) r.bool("include_topic_authorized_operations");
  if (flexible) r.taggedFields();
  // v0 had no null: an empty list meant every topic.
  const all = topics === null || (version === 0 && topics.length === 0);
  return { topics: all ? null : topics, allowAutoTopicCreation };
}

export function encodeMetadataResponse(
  w: KafkaWriter,
  version: number,
  body: MetadataResponse,
): void {
  const flexible = version >= METADATA_FIRST_FLEXIBLE;
  if (version >= 3) w.int32(body.throttleTimeMs);
  w.array(flexible, body.brokers, (w, b) => {
    w.int32(b.nodeId).str(flexible, b.host).int32(b.port);
    if (version >= 1) w.str(flexible, b.rack);
    w.tags(flexible);
  });
  if (version >= 2) w.str(flexible, body.clusterId);
  if (version >= 1) w.int32(body.controllerId);
  w.array(flexible, body.topics, (w, t) => {
    w.int16(t.errorCode).str(flexible, t.name);
    if (version >= 10) w.uuid(t.topicId);
    if (version >= 1) w.bool(t.isInternal);
    w.array(flexible, t.partitions, (w, p) => writePartition(w, version, p));
    if (version >= 8) w.int32(AUTHORIZED_OPERATIONS_OMITTED);
    w.tags(flexible);
  });
  if (version >= 8 && version <= 10) w.int32(AUTHORIZED_OPERATIONS_OMITTED);
  w.tags(flexible);
}

function writePartition(w: KafkaWriter, version: number, p: MetadataPartition): void {
  const flexible = version >= METADATA_FIRST_FLEXIBLE;
  w.int16(p.errorCode).int32(p.partitionIndex).int32(p.leaderId);
  if (version >= 7) w.int32(p.leaderEpoch);
  w.array(flexible, p.replicaNodes, (w, n) => w.int32(n));
  w.array(flexible, p.isrNodes, (w, n) => w.int32(n));
  if (version >= 5) w.array(flexible, p.offlineReplicas, (w, n) => w.int32(n));
  w.tags(flexible);
}
