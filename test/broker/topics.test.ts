import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { batch, codeOf, readAll, type TestEnv, testEnv } from "./helpers.ts";

let env: TestEnv;
beforeEach(async () => {
  env = await testEnv();
});
afterEach(async () => {
  await env.cleanup();
});

describe("topics", () => {
  it("creates, lists, describes and deletes topics", async () => {
    const broker = await env.open();
    const created = await broker.createTopic({
      name: "orders",
      partitions: 3,
      configs: { "retention.ms": "60000" },
    });
    expect(created.name).toBe("orders");
    expect(created.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(created.partitions[1]).toMatchObject({
      leader: 1,
      leaderEpoch: 0,
      replicas: [1],
      isr: [1],
      logStartOffset: 0,
      highWatermark: 0,
    });
    expect(created.configs["retention.ms"]).toBe("60000");
    expect(created.configs["max.message.bytes"]).toBe("1048588");
    await broker.createTopic({ name: "audit" });
    expect(broker.listTopics().map((t) => t.name).sort()).toEqual(["audit", "orders"]);
    expect(broker.listTopics().find((t) => t.name === "audit")).toEqual({
      name: "audit",
      partitions: 1,
      replicationFactor: 1,
      internal: false,
    });
    expect(broker.describeTopic("orders")).toEqual(created);
    await broker.deleteTopic("orders");
    expect(broker.listTopics().map((t) => t.name)).toEqual(["audit"]);
    expect(await codeOf(() => broker.describeTopic("orders"))).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(await codeOf(broker.deleteTopic("orders"))).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(await env.rt.fs.exists(`${env.dataDir}/orders-0`)).toBe(false);
  });

  it("refuses bad requests with the right codes", async () => {
    const broker = await env.open();
    await broker.createTopic({ name: "a.b" });
    const cases: Array<[Parameters<typeof broker.createTopic>[0], string]> = [
      [{ name: "a.b" }, "TOPIC_ALREADY_EXISTS"],
      [{ name: "a_b" }, "INVALID_TOPIC_EXCEPTION"],
      [{ name: "bad name" }, "INVALID_TOPIC_EXCEPTION"],
      [{ name: ".." }, "INVALID_TOPIC_EXCEPTION"],
      [{ name: "x".repeat(250) }, "INVALID_TOPIC_EXCEPTION"],
      [{ name: "t", partitions: 0 }, "INVALID_PARTITIONS"],
      [{ name: "t", partitions: 1.5 }, "INVALID_PARTITIONS"],
      [{ name: "t", partitions: 100_000 }, "INVALID_PARTITIONS"],
      [{ name: "t", replicationFactor: 3 }, "INVALID_REPLICATION_FACTOR"],
      [{ name: "t", configs: { "retention.ms": "soon" } }, "INVALID_CONFIG"],
      [{ name: "t", configs: { "unknown.thing": "1" } }, "INVALID_CONFIG"],
    ];
    for (const [request, code] of cases) {
      expect(await codeOf(broker.createTopic(request)), JSON.stringify(request).slice(0, 60)).toBe(
        code,
      );
    }
    expect(broker.listTopics().map((t) => t.name)).toEqual(["a.b"]);
  });

  it("keeps topics, partitions and configs across restarts", async () => {
    let broker = await env.open();
    await broker.createTopic({
      name: "keep",
      partitions: 2,
      configs: { "cleanup.policy": "compact" },
    });
    await broker.createTopic({ name: "gone" });
    await broker.produce({ topic: "keep", partition: 1, batches: batch(["x", "y"]), acks: 1 });
    await broker.deleteTopic("gone");
    await broker.close();
    broker = await env.open();
    expect(broker.listTopics().map((t) => t.name)).toEqual(["keep"]);
    const keep = broker.describeTopic("keep");
    expect(keep.configs["cleanup.policy"]).toBe("compact");
    expect(keep.partitions.map((p) => p.highWatermark)).toEqual([0, 2]);
    expect((await readAll(broker, "keep", 1)).map((r) => r.value)).toEqual(["x", "y"]);
  });

  it("re-creating a deleted topic starts empty", async () => {
    const broker = await env.open();
    await broker.createTopic({ name: "t", partitions: 2 });
    await broker.produce({ topic: "t", partition: 0, batches: batch(["old"]), acks: 1 });
    await broker.deleteTopic("t");
    const again = await broker.createTopic({ name: "t", partitions: 1 });
    expect(again.partitions).toHaveLength(1);
    expect(again.partitions[0].highWatermark).toBe(0);
    await broker.produce({ topic: "t", partition: 0, batches: batch(["new"]), acks: 1 });
    expect((await readAll(broker, "t")).map((r) => r.value)).toEqual(["new"]);
  });

  it("removes leftovers of interrupted deletes and orphan partition dirs at start", async () => {
    let broker = await env.open();
    await broker.createTopic({ name: "t" });
    await broker.close();
    const { fs } = env.rt;
    // An orphan: looks like a partition of ours (has partition.metadata) but no topic owns it.
    await fs.mkdirp(`${env.dataDir}/ghost-0`);
    const meta = await fs.readFile(`${env.dataDir}/t-0/partition.metadata`);
    const file = await fs.open(`${env.dataDir}/ghost-0/partition.metadata`, {
      create: true,
      write: true,
    });
    await file.writeAt(meta, 0);
    await file.close();
    await fs.mkdirp(`${env.dataDir}/t-3.0123abcd-delete`);
    await fs.mkdirp(`${env.dataDir}/not-ours`);
    broker = await env.open();
    expect(await fs.exists(`${env.dataDir}/ghost-0`)).toBe(false);
    expect(await fs.exists(`${env.dataDir}/t-3.0123abcd-delete`)).toBe(false);
    expect(await fs.exists(`${env.dataDir}/not-ours`)).toBe(true);
    expect(await fs.exists(`${env.dataDir}/t-0`)).toBe(true);
    expect(broker.listTopics().map((t) => t.name)).toEqual(["t"]);
  });

  it("auto-creates unknown topics only when enabled", async () => {
    let broker = await env.open();
    expect(await codeOf(broker.partitionCount("auto"))).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(
      await codeOf(broker.produce({ topic: "auto", partition: 0, batches: batch(["a"]), acks: 1 })),
    ).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    expect(broker.metadata(["auto"]).topics).toEqual([]);
    await broker.close();
    broker = await env.open({ autoCreateTopics: true, defaultPartitions: 3 });
    const [r1, r2] = await Promise.all([
      broker.produce({ topic: "auto", partition: 2, batches: batch(["a"]), acks: 1 }),
      broker.produce({ topic: "auto", partition: 2, batches: batch(["b"]), acks: 1 }),
    ]);
    expect([r1.baseOffset, r2.baseOffset]).toEqual([0, 1]);
    expect(await broker.partitionCount("auto")).toBe(3);
    expect(await broker.partitionCount("other")).toBe(3);
    expect(await codeOf(broker.partitionCount("bad name"))).toBe("INVALID_TOPIC_EXCEPTION");
    broker.metadata(["third"]);
    // metadata() starts the creation; it lands shortly after.
    for (let i = 0; i < 100 && broker.metadata(["third"]).topics.length === 0; i++) {
      await env.rt.timers.sleep(5);
    }
    expect(broker.metadata(["third"]).topics.map((t) => t.name)).toEqual(["third"]);
  });

  it("reports metadata with the advertised endpoint and a stable cluster id", async () => {
    let broker = await env.open();
    broker.advertise({ port: 19093, httpPort: 18080 });
    await broker.createTopic({ name: "m", partitions: 2 });
    const md = broker.metadata();
    expect(md.brokers).toEqual([{ nodeId: 1, host: "127.0.0.1", port: 19093, httpPort: 18080 }]);
    expect(md.controllerId).toBe(1);
    expect(md.topics.map((t) => t.name)).toEqual(["m"]);
    const clusterId = md.clusterId;
    expect(clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await broker.close();
    broker = await env.open();
    expect(broker.metadata().clusterId).toBe(clusterId);
    await broker.close();
    expect(await codeOf(env.open({ nodeId: 2 }))).toBe("INVALID_CONFIG");
    expect(await codeOf(env.open({ clusterId: "another" }))).toBe("INVALID_CONFIG");
  });

  it("refuses requests after close", async () => {
    const broker = await env.open();
    await broker.createTopic({ name: "t" });
    await broker.close();
    expect(await codeOf(() => broker.listTopics())).toBe("BROKER_SHUTTING_DOWN");
    expect(
      await codeOf(broker.produce({ topic: "t", partition: 0, batches: batch(["a"]), acks: 1 })),
    ).toBe(
      "BROKER_SHUTTING_DOWN",
    );
    await broker.close(); // idempotent
  });
});
