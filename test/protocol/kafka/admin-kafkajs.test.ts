// kafkajs 2.2.4 (unmodified) against an embedded broker's Kafka listener: its admin client
// creates, lists, describes, reconfigures and deletes topics and deletes records; an
// idempotent producer gets a producer id and its batches are stored once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigResourceTypes, Kafka, logLevel } from "kafkajs";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { type RunningBroker, startBroker } from "../../../src/server/start-broker.ts";

let node: RunningBroker;
let kafka: Kafka;

beforeAll(async () => {
  node = await startBroker(createNodeRuntime(), {
    storage: "memory",
    port: 0,
    httpPort: null,
    kafkaPort: 0,
  });
  kafka = new Kafka({
    clientId: "kadmin-test",
    brokers: [`127.0.0.1:${node.kafkaPort}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 200 },
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
  });
});

afterAll(async () => {
  await node?.close();
});

describe("kafkajs admin", () => {
  it("creates, lists, describes configs of, alters and deletes topics", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(
        await admin.createTopics({
          topics: [{
            topic: "kj",
            numPartitions: 3,
            configEntries: [{ name: "retention.ms", value: "120000" }],
          }],
          waitForLeaders: true,
        }),
      ).toBe(true);
      expect(await admin.listTopics()).toContain("kj");
      const meta = await admin.fetchTopicMetadata({ topics: ["kj"] });
      expect(meta.topics[0].partitions).toHaveLength(3);
      // Already there: createTopics answers false rather than failing.
      expect(await admin.createTopics({ topics: [{ topic: "kj" }] })).toBe(false);

      const described = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: "kj" }],
        includeSynonyms: false,
      });
      const entries = described.resources[0].configEntries;
      expect(entries.find((e) => e.configName === "retention.ms")).toMatchObject({
        configValue: "120000",
        isDefault: false,
      });

      await admin.alterConfigs({
        validateOnly: false,
        resources: [{
          type: ConfigResourceTypes.TOPIC,
          name: "kj",
          configEntries: [{ name: "cleanup.policy", value: "compact" }],
        }],
      });
      expect(node.broker.describeTopic("kj").configs).toMatchObject({
        "cleanup.policy": "compact",
        "retention.ms": "604800000",
      });

      await admin.deleteTopics({ topics: ["kj"], timeout: 5_000 });
      expect(await admin.listTopics()).not.toContain("kj");
    } finally {
      await admin.disconnect();
    }
  });

  it("deletes records up to an offset", async () => {
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    try {
      await admin.createTopics({ topics: [{ topic: "kj-trim" }], waitForLeaders: true });
      await producer.send({
        topic: "kj-trim",
        messages: Array.from({ length: 5 }, (_, i) => ({ value: `v${i}`, partition: 0 })),
      });
      // kafkajs looks the leader up in the metadata it has cached before anything else.
      await admin.fetchTopicMetadata({ topics: ["kj-trim"] });
      await admin.deleteTopicRecords({
        topic: "kj-trim",
        partitions: [{ partition: 0, offset: "3" }],
      });
      const offsets = await admin.fetchTopicOffsets("kj-trim");
      expect(offsets[0]).toMatchObject({ partition: 0, low: "3", high: "5" });
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});

describe("kafkajs idempotent producer", () => {
  it("initialises a producer id and its batches carry it", async () => {
    await node.broker.createTopic({ name: "kj-idem" });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let i = 0; i < 3; i++) {
        await producer.send({
          topic: "kj-idem",
          acks: -1,
          messages: [{ key: `k${i}`, value: `v${i}`, partition: 0 }],
        });
      }
    } finally {
      await producer.disconnect();
    }
    const end = await node.broker.listOffsets("kj-idem", 0, "latest");
    expect(end.offset).toBe(3);
    const [fetched] = await node.broker.fetch({
      partitions: [{ topic: "kj-idem", partition: 0, offset: 0, maxBytes: 1 << 20 }],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
    });
    // Batch v2 header: the producer id (bytes 43-50) is the one InitProducerId handed out.
    const view = new DataView(fetched.records.buffer, fetched.records.byteOffset);
    expect(Number(view.getBigInt64(43))).toBeGreaterThanOrEqual(0);
  });
});
