// A broker in cluster mode (BrokerOptions.cluster): the metadata comes from an injected writer
// and CommittedImage (here FakeClusterWriter), and the broker acts on committed deltas only. It
// hosts only the partitions whose replicas include it, serves produce and fetch only where it
// leads, and answers metadata for the whole cluster from the image.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Broker } from "../../src/broker/broker.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { eventually } from "../support/eventually.ts";
import { FakeClusterWriter } from "./fake-cluster-writer.ts";
import { batch, codeOf, readAll, type TestEnv, testEnv } from "./helpers.ts";

let env: TestEnv;
let writer: FakeClusterWriter;
let controller: number | null;
let roles: string[];

beforeEach(async () => {
  env = await testEnv();
  writer = new FakeClusterWriter();
  controller = 2;
  roles = [];
  writer.registerBrokers([
    { id: 1, port: 9001, httpPort: 8001, rack: "a" },
    { id: 2, port: 9002, rack: "b" },
    { id: 3, port: 9003, fenced: true },
  ]);
});
afterEach(async () => {
  await env.cleanup();
});

function openBroker(): Promise<Broker> {
  return env.open({
    cluster: {
      writer,
      committed: writer.committed,
      controllerId: () => controller,
      onRoleChange: (p) => roles.push(`${p.name} leader ${p.leader} epoch ${p.leaderEpoch}`),
    },
  });
}

async function partitionDirs(): Promise<string[]> {
  return (await env.rt.fs.list(env.dataDir))
    .filter((e) => e.isDirectory && e.name.startsWith("t-"))
    .map((e) => e.name)
    .sort();
}

const produce = (broker: Broker, partition: number, value: string) =>
  broker.produce({ topic: "t", partition, batches: batch([value]), acks: -1 });

async function fetchError(broker: Broker, partition: number) {
  const [r] = await broker.fetch({
    partitions: [{ topic: "t", partition, offset: 0, maxBytes: 1 << 20 }],
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
  });
  return { error: r.error, message: r.errorMessage };
}

describe("a broker in cluster mode", () => {
  it("opens only its own replicas, and only once the topic is committed", async () => {
    const broker = await openBroker();
    writer.assignments.set("t", [[1, 2], [2, 3], [3, 1]]);
    const gate = writer.gate();
    const creating = broker.createTopic({ name: "t", partitions: 3, replicationFactor: 2 });
    // Asked, not committed: nothing on disk, nothing in the metadata.
    await gate.reached;
    expect(await partitionDirs()).toEqual([]);
    expect(broker.metadata().topics).toEqual([]);
    gate.release();
    const created = await creating;
    expect(await partitionDirs()).toEqual(["t-0", "t-2"]);
    expect(created.partitions.map((p) => [p.partition, p.leader, p.replicas, p.highWatermark]))
      .toEqual([[0, 1, [1, 2], 0], [1, 2, [2, 3], -1], [2, 3, [3, 1], 0]]);
  });

  it("answers createTopic once its own catalog applied the commit", async () => {
    const broker = await openBroker();
    writer.assignments.set("t", [[1], [1], [1], [1]]);
    await broker.createTopic({ name: "t", partitions: 4 });
    // The same turn: every partition of the topic is open and served.
    const results = await Promise.all([0, 1, 2, 3].map((p) => produce(broker, p, `v${p}`)));
    expect(results.map((r) => r.baseOffset)).toEqual([0, 0, 0, 0]);
    expect(broker.metadataOffset).toBe(writer.committed.committedOffset);
  });

  it("closes a topic deleted by a committed delta, answers its waiting fetches, removes its dirs", async () => {
    const broker = await openBroker();
    writer.assignments.set("t", [[1], [1, 2]]);
    await broker.createTopic({ name: "t", partitions: 2 });
    await produce(broker, 0, "a");
    const changes: Array<[string, number]> = [];
    broker.onTopicChange((topic, count) => changes.push([topic, count]));
    const waiting = broker.fetch({
      partitions: [{ topic: "t", partition: 0, offset: 1, maxBytes: 1 << 20 }],
      maxWaitMs: 30_000,
      minBytes: 1,
      maxBytes: 1 << 20,
    });
    await eventually(() => broker.waitingFetchCount === 1);
    // Deleted by the controller (another broker's request), not through this broker.
    const { offset } = writer.commit([{ type: "RemoveTopicRecord", name: "t" }]);
    await broker.waitForMetadataOffset(offset);
    expect(await partitionDirs()).toEqual([]);
    expect((await env.rt.fs.list(env.dataDir)).map((e) => e.name).filter((n) => n.includes("t-")))
      .toEqual([]);
    expect((await waiting).map((r) => r.records.length)).toEqual([0]);
    expect(changes).toEqual([["t", 0]]);
    expect(await codeOf(produce(broker, 0, "b"))).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(broker.metadata().topics).toEqual([]);
  });

  it("refuses produce, fetch and list offsets where it does not lead, and serves again once it leads", async () => {
    const broker = await openBroker();
    writer.assignments.set("t", [[1, 2]]);
    await broker.createTopic({ name: "t" });
    await produce(broker, 0, "a");
    await broker.waitForMetadataOffset(writer.moveLeader("t", 0, 2));
    const refused = await produce(broker, 0, "b").then(() => null, (err: unknown) => err);
    expect(refused).toBeInstanceOf(TributaryError);
    expect((refused as TributaryError).code).toBe("NOT_LEADER_OR_FOLLOWER");
    expect((refused as TributaryError).message).toContain("the leader is broker 2");
    const fetched = await fetchError(broker, 0);
    expect(fetched.error).toBe("NOT_LEADER_OR_FOLLOWER");
    expect(fetched.message).toContain("broker 2");
    expect(await codeOf(broker.listOffsets("t", 0, "latest"))).toBe("NOT_LEADER_OR_FOLLOWER");
    expect(broker.describeTopic("t").partitions[0]).toMatchObject({ leader: 2, leaderEpoch: 1 });

    await broker.waitForMetadataOffset(writer.moveLeader("t", 0, 1));
    expect((await produce(broker, 0, "c")).baseOffset).toBe(1);
    expect((await readAll(broker, "t")).map((r) => r.value)).toEqual(["a", "c"]);
    expect(broker.describeTopic("t").partitions[0]).toMatchObject({ leader: 1, leaderEpoch: 2 });
    expect(roles).toEqual([
      "t-0 leader 1 epoch 0",
      "t-0 leader 2 epoch 1",
      "t-0 leader 1 epoch 2",
    ]);
  });

  it("refuses a fetch for a leader epoch other than its image's (KIP-320), serves its own", async () => {
    // A leader cut off from the controller still believes it leads in its old epoch: a consumer
    // that saw a newer epoch must hear UNKNOWN_LEADER_EPOCH, not OFFSET_OUT_OF_RANGE for an
    // offset past this stale log (3-node simulation seed 11: the consumer reset to earliest).
    const broker = await openBroker();
    writer.assignments.set("t", [[1, 2]]);
    await broker.createTopic({ name: "t" });
    await produce(broker, 0, "a");
    await broker.waitForMetadataOffset(writer.moveLeader("t", 0, 2));
    await broker.waitForMetadataOffset(writer.moveLeader("t", 0, 1));
    const fetchAt = async (offset: number, currentLeaderEpoch?: number) => {
      const [r] = await broker.fetch({
        partitions: [{
          topic: "t",
          partition: 0,
          offset,
          maxBytes: 1 << 20,
          ...(currentLeaderEpoch === undefined ? {} : { currentLeaderEpoch }),
        }],
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
      });
      return r;
    };
    const ahead = await fetchAt(50, 3);
    expect(ahead.error).toBe("UNKNOWN_LEADER_EPOCH");
    expect(ahead.errorMessage).toContain("leader epoch 2");
    expect((await fetchAt(0, 1)).error).toBe("FENCED_LEADER_EPOCH");
    const own = await fetchAt(0, 2);
    expect(own.error).toBeUndefined();
    expect(own.records.byteLength).toBeGreaterThan(0);
    expect((await fetchAt(0, -1)).error).toBeUndefined();
    expect((await fetchAt(50)).error).toBe("OFFSET_OUT_OF_RANGE");
  });

  it("answers LEADER_NOT_AVAILABLE for a partition with no leader, UNKNOWN for what the image lacks", async () => {
    const broker = await openBroker();
    writer.assignments.set("t", [[1, 2]]);
    await broker.createTopic({ name: "t" });
    await broker.waitForMetadataOffset(writer.moveLeader("t", 0, -1, [1]));
    expect(await codeOf(produce(broker, 0, "a"))).toBe("LEADER_NOT_AVAILABLE");
    expect((await fetchError(broker, 0)).error).toBe("LEADER_NOT_AVAILABLE");
    expect(await codeOf(produce(broker, 1, "a"))).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect((await fetchError(broker, 1)).error).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(
      await codeOf(broker.produce({ topic: "nope", partition: 0, batches: batch(["x"]), acks: 1 })),
    ).toBe("UNKNOWN_TOPIC_OR_PARTITION");
  });

  it("answers metadata with every unfenced broker and every partition of the image", async () => {
    const broker = await openBroker();
    writer.assignments.set("t", [[2, 1], [2, 3]]);
    await broker.createTopic({ name: "t", partitions: 2 });
    const metadata = broker.metadata();
    expect(metadata.controllerId).toBe(2);
    expect(metadata.brokers).toEqual([
      { nodeId: 1, host: "10.0.0.1", port: 9001, httpPort: 8001, rack: "a" },
      { nodeId: 2, host: "10.0.0.2", port: 9002, rack: "b" },
    ]);
    expect(metadata.topics.map((t) => t.name)).toEqual(["t"]);
    expect(metadata.topics[0].partitions).toEqual([
      {
        partition: 0,
        leader: 2,
        leaderEpoch: 0,
        replicas: [2, 1],
        isr: [2, 1],
        logStartOffset: 0,
        highWatermark: 0,
        sizeBytes: 0,
      },
      {
        partition: 1,
        leader: 2,
        leaderEpoch: 0,
        replicas: [2, 3],
        isr: [2, 3],
        logStartOffset: -1,
        highWatermark: -1,
        sizeBytes: 0,
      },
    ]);
    controller = null;
    expect(broker.metadata().controllerId).toBe(-1);
  });
});
