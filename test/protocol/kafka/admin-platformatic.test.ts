// @platformatic/kafka (unmodified; it speaks only the flexible, Kafka 3.5+ versions) against an
// embedded broker's Kafka listener: its admin client creates topics (CreateTopics v7, with the
// topic id), describes and incrementally alters configs, deletes records and topics; its
// idempotent producer initialises a producer id (InitProducerId v4+) and writes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Admin,
  ConfigResourceTypes,
  IncrementalAlterConfigOperationTypes,
  Producer,
  stringSerializers,
} from "@platformatic/kafka";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { type RunningBroker, startBroker } from "../../../src/server/start-broker.ts";

const Op = IncrementalAlterConfigOperationTypes;
let node: RunningBroker;
let admin: Admin;

beforeAll(async () => {
  node = await startBroker(createNodeRuntime(), {
    storage: "memory",
    port: 0,
    httpPort: null,
    kafkaPort: 0,
  });
  admin = new Admin({
    clientId: "kadmin-platformatic",
    bootstrapBrokers: [`127.0.0.1:${node.kafkaPort}`],
    retries: 1,
    timeout: 5_000,
  });
});

afterAll(async () => {
  await admin?.close();
  await node?.close();
});

describe("@platformatic/kafka admin", () => {
  it("creates topics and hears their ids, counts and configs", async () => {
    const [created] = await admin.createTopics({
      topics: ["pk"],
      partitions: 2,
      replicas: 1,
      configs: [{ name: "retention.ms", value: "90000" }],
    });
    expect(created).toMatchObject({ name: "pk", partitions: 2, replicas: 1 });
    expect(created.id).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(created.configuration["retention.ms"]).toBe("90000");
    expect(await admin.listTopics()).toContain("pk");
  });

  it("describes and incrementally alters topic configs", async () => {
    await admin.incrementalAlterConfigs({
      resources: [{
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: "pk",
        configs: [
          { name: "cleanup.policy", configOperation: Op.APPEND, value: "compact" },
          { name: "retention.ms", configOperation: Op.DELETE },
        ],
      }],
    });
    const [described] = await admin.describeConfigs({
      resources: [{
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: "pk",
        configurationKeys: ["cleanup.policy", "retention.ms"],
      }],
      includeSynonyms: true,
      includeDocumentation: true,
    });
    const byName = new Map(described.configs.map((c) => [c.name, c]));
    expect(byName.get("cleanup.policy")).toMatchObject({
      value: "compact,delete",
      configSource: 1,
    });
    expect(byName.get("retention.ms")).toMatchObject({ value: "604800000", configSource: 5 });
    expect(byName.get("retention.ms")?.documentation).toMatch(/kept/);
  });

  it("writes with an idempotent producer, deletes records, then deletes the topic", async () => {
    const producer = new Producer({
      clientId: "kadmin-platformatic-producer",
      bootstrapBrokers: [`127.0.0.1:${node.kafkaPort}`],
      serializers: stringSerializers,
      idempotent: true,
      retries: 1,
      timeout: 5_000,
    });
    try {
      await producer.send({
        messages: [0, 1, 2, 3].map((i) => ({
          topic: "pk",
          key: `k${i}`,
          value: `v${i}`,
          partition: 0,
        })),
      });
    } finally {
      await producer.close();
    }
    const [fetched] = await node.broker.fetch({
      partitions: [{ topic: "pk", partition: 0, offset: 0, maxBytes: 1 << 20 }],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
    });
    const view = new DataView(fetched.records.buffer, fetched.records.byteOffset);
    expect(Number(view.getBigInt64(43))).toBeGreaterThanOrEqual(0); // the batch's producer id

    const [trimmed] = await admin.deleteRecords({
      topics: [{ name: "pk", partitions: [{ partition: 0, offset: 2n }] }],
    });
    expect(trimmed.partitions[0]).toEqual({ partition: 0, lowWatermark: 2n });

    await admin.deleteTopics({ topics: ["pk"] });
    expect(await admin.listTopics()).not.toContain("pk");
  });
});
