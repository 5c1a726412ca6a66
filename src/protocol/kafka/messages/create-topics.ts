// CreateTopics (key 19), versions 0-7; v5+ flexible (compact encodings, a TAG_BUFFER closing
// every struct). Requests v1-v7 share one layout; v4 only relaxed the rules (num_partitions and
// replication_factor may be -1, the broker's defaults, without assignments).
//
// Request:
//   topics ARRAY(name STRING, num_partitions INT32, replication_factor INT16,
//     assignments ARRAY(partition_index INT32, broker_ids ARRAY(INT32)),
//     configs ARRAY(name STRING, value NULLABLE_STRING))
//   timeout_ms INT32
//   validate_only BOOLEAN                                     (v1+)
// Response:
//   throttle_time_ms INT32                                    (v2+)
//   topics ARRAY(
//     name STRING, topic_id UUID (v7+), error_code INT16,
//     error_message NULLABLE_STRING                           (v1+)
//     topic_config_error_code INT16                           (v5+, tagged field 0)
//     num_partitions INT32, replication_factor INT16,         (v5+)
//     configs NULLABLE ARRAY(name STRING, value NULLABLE_STRING, read_only BOOLEAN,
//                            config_source INT8, is_sensitive BOOLEAN)   (v5+))

import type { KafkaReader } from "../reader.ts";
import type { KafkaWriter } from "../writer.ts";

export const CREATE_TOPICS_FIRST_FLEXIBLE = 5;

export interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }>;
  /** In request order; a null value asks for the default. */
  configs: Array<{ name: string; value: string | null }>;
}

export interface CreateTopicsRequest {
  topics: CreatableTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatedTopicConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
}

export interface CreatableTopicResult {
  name: string;
  topicId: Uint8Array;
  errorCode: number;
  errorMessage: string | null;
  numPartitions: number;
  replicationFactor: number;
  /** null: not returned (an error, or before v5). */
  configs: CreatedTopicConfig[] | null;
}

export interface CreateTopicsResponse {
  throttleTimeMs: number;
  topics: CreatableTopicResult[];
}

export function decodeCreateTopicsRequest(r: KafkaReader, version: number): CreateTopicsRequest {
  const flexible = version >= CREATE_TOPICS_FIRST_FLEXIBLE;
  const str = (field: string) => (flexible ? r.compactString(field) : r.string(field));
  const topics = r.array(flexible, "topics", (r) => {
    const name = str("name");
    const numPartitions = r.int32("num_partitions");
    const replicationFactor = r.int16("replication_factor");
    const assignments = r.array(flexible, "assignments", (r) => {
      const partitionIndex = r.int32("partition_index");
      const brokerIds = r.array(flexible, "broker_ids", (r) => r.int32("broker_id")) ?? [];
      if (flexible) r.taggedFields();
      return { partitionIndex, brokerIds };
    }) ?? [];
    const configs = r.array(flexible, "configs", (r) => {
      const configName = str("config name");
      const value = flexible ? r.compactNullableString("value") : r.nullableString("value");
      if (flexible) r.taggedFields();
      return { name: configName, value };
    }) ?? [];
    if (flexible) r.taggedFields();
    return { name, numPartitions, replicationFactor, assignments, configs };
  }) ?? [];
  const timeoutMs = r.int32("timeout_ms");
  const validateOnly = version >= 1 ? r.bool("validate_only") : false;
  if (flexible) r.taggedFields();
  return { topics, timeoutMs, validateOnly };
}

export function encodeCreateTopicsResponse(
  w: KafkaWriter,
  version: number,
  body: CreateTopicsResponse,
): void {
  const flexible = version >= CREATE_TOPICS_FIRST_FLEXIBLE;
  if (version >= 2) w.int32(body.throttleTimeMs);
  w.array(flexible, body.topics, (w, t) => {
    w.str(flexible, t.name);
    if (version >= 7) w.uuid(t.topicId);
    w.int16(t.errorCode);
    if (version >= 1) w.str(flexible, t.errorMessage);
    if (version >= 5) {
      w.int32(t.numPartitions).int16(t.replicationFactor);
      w.array(flexible, t.configs, (w, c) => {
        w.str(flexible, c.name).str(flexible, c.value).bool(c.readOnly).int8(c.configSource);
        w.bool(c.isSensitive).tags(flexible);
      });
    }
    w.tags(flexible);
  });
  w.tags(flexible);
}
