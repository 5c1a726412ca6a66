// One sample of every metadata record type and version, each pinned by a golden fixture in
// test/fixtures/metadata-records/<name>.hex (records-golden.test.ts).
import type { MetadataRecord } from "../../src/metadata/records.ts";

export const TOPIC_ID = "0f8e1c3a-0000-4000-8000-000000000001";
export const INCARNATION_ID = "6a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d";

export const RECORD_SAMPLES: { fixture: string; record: MetadataRecord }[] = [
  // Written before issue 11: these bytes are in existing data directories.
  {
    fixture: "topic-record",
    record: { type: "TopicRecord", name: "t", topicId: TOPIC_ID, internal: false },
  },
  {
    fixture: "partition-record-v0",
    record: {
      type: "PartitionRecord",
      topic: "t",
      partition: 2,
      replicas: [1],
      leader: 1,
      leaderEpoch: 0,
    },
  },
  {
    fixture: "config-record",
    record: { type: "ConfigRecord", topic: "t", name: "retention.ms", value: "1000" },
  },
  {
    fixture: "config-record-null",
    record: { type: "ConfigRecord", topic: "t", name: "retention.ms", value: null },
  },
  { fixture: "remove-topic-record", record: { type: "RemoveTopicRecord", name: "t" } },
  { fixture: "producer-ids-record", record: { type: "ProducerIdsRecord", nextBlockStart: 2000 } },
  // Issue 11.
  {
    fixture: "cluster-id-record",
    record: { type: "ClusterIdRecord", clusterId: "q1Sh-9_ITQe5mXqFUbDjXg" },
  },
  {
    fixture: "partition-record-v1",
    record: {
      type: "PartitionRecord",
      topic: "t",
      partition: 0,
      replicas: [1, 2, 3],
      leader: 2,
      leaderEpoch: 4,
      isr: [2, 3],
      partitionEpoch: 7,
    },
  },
  {
    fixture: "register-broker-record",
    record: {
      type: "RegisterBrokerRecord",
      brokerId: 2,
      incarnationId: INCARNATION_ID,
      endpoints: [
        { listener: "cbor", host: "127.0.0.1", port: 9092 },
        { listener: "http", host: "127.0.0.1", port: 8080 },
      ],
      rack: "rack-a",
      fenced: true,
    },
  },
  {
    fixture: "register-broker-record-no-rack",
    record: {
      type: "RegisterBrokerRecord",
      brokerId: 3,
      incarnationId: INCARNATION_ID,
      endpoints: [{ listener: "cbor", host: "localhost", port: 9093 }],
      rack: null,
      fenced: false,
    },
  },
  {
    fixture: "broker-registration-change-record",
    record: {
      type: "BrokerRegistrationChangeRecord",
      brokerId: 2,
      incarnationId: INCARNATION_ID,
      fenced: false,
    },
  },
  {
    fixture: "unregister-broker-record",
    record: { type: "UnregisterBrokerRecord", brokerId: 2, incarnationId: INCARNATION_ID },
  },
  {
    fixture: "partition-change-record",
    record: {
      type: "PartitionChangeRecord",
      topicId: TOPIC_ID,
      partition: 0,
      partitionEpoch: 7,
      leader: 3,
      isr: [3],
      replicas: [1, 2, 3],
    },
  },
  {
    fixture: "partition-change-record-isr-only",
    record: {
      type: "PartitionChangeRecord",
      topicId: TOPIC_ID,
      partition: 1,
      partitionEpoch: 0,
      isr: [1, 2],
    },
  },
  {
    fixture: "partition-change-record-no-leader",
    record: {
      type: "PartitionChangeRecord",
      topicId: TOPIC_ID,
      partition: 0,
      partitionEpoch: 8,
      leader: -1,
    },
  },
  {
    fixture: "partition-change-record-target",
    record: {
      type: "PartitionChangeRecord",
      topicId: TOPIC_ID,
      partition: 0,
      partitionEpoch: 9,
      isr: [1, 2, 3],
      replicas: [1, 2, 3, 4],
      targetReplicas: [2, 3, 4],
      addingReplicas: [4],
    },
  },
  {
    fixture: "partition-change-record-target-cleared",
    record: {
      type: "PartitionChangeRecord",
      topicId: TOPIC_ID,
      partition: 0,
      partitionEpoch: 10,
      leader: 2,
      isr: [2, 3, 4],
      replicas: [2, 3, 4],
      targetReplicas: null,
    },
  },
  {
    fixture: "partition-record-v2",
    record: {
      type: "PartitionRecord",
      topic: "orders",
      partition: 0,
      replicas: [1, 2, 3, 4],
      leader: 1,
      leaderEpoch: 3,
      isr: [1, 2, 3],
      partitionEpoch: 9,
      targetReplicas: [2, 3, 4],
      addingReplicas: [4],
    },
  },
];
