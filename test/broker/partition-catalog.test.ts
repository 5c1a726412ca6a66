// PartitionCatalog on its own: it follows a CommittedImage, keeps each hosted Partition's
// leadership equal to the image, tells the role-change hook, and resolves waitForOffset only once
// the batch is applied, including when several batches commit while one is being applied.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { PartitionCatalog } from "../../src/broker/partition-catalog.ts";
import type { PartitionDelta } from "../../src/metadata/delta.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { FakeClusterWriter } from "./fake-cluster-writer.ts";
import { codeOf } from "./helpers.ts";

const rt = createNodeRuntime();
let dataDir: string;
let writer: FakeClusterWriter;
let roleChanges: Array<{ name: string; before: number | null; leader: number; epoch: number }>;
const catalogs: PartitionCatalog[] = [];

beforeEach(async () => {
  dataDir = await rt.fs.makeTempDir("tributary-catalog-");
  writer = new FakeClusterWriter();
  writer.registerBrokers([{ id: 1, port: 1 }, { id: 2, port: 2 }]);
  roleChanges = [];
});
afterEach(async () => {
  for (const c of catalogs.splice(0)) await c.close();
  await rt.fs.remove(dataDir, { recursive: true });
});

async function openCatalog(): Promise<PartitionCatalog> {
  const catalog = await PartitionCatalog.open(rt, writer.committed, {
    dataDir,
    nodeId: 1,
    replicasOnly: true,
    defaultTopicConfigs: {},
    onReadable: () => undefined,
    logger: silentLogger,
    hooks: {
      onRoleChange: (p, d: PartitionDelta) =>
        roleChanges.push({
          name: p.name,
          before: d.before?.leader ?? null,
          leader: p.leader,
          epoch: p.leaderEpoch,
        }),
    },
  });
  catalogs.push(catalog);
  return catalog;
}

describe("PartitionCatalog", () => {
  it("keeps each hosted partition's leader, epoch, replicas and ISR as the image says", async () => {
    const catalog = await openCatalog();
    writer.assignments.set("t", [[2, 1], [2]]);
    const { offset } = await writer.createTopic({ name: "t", partitions: 2 });
    await catalog.waitForOffset(offset);
    const p = catalog.partition("t", 0)!;
    expect(catalog.partition("t", 1)).toBeUndefined();
    expect([p.leader, p.leaderEpoch, p.replicas, p.isr]).toEqual([2, 0, [2, 1], [2, 1]]);
    await catalog.waitForOffset(writer.moveLeader("t", 0, 1, [1]));
    expect([p.leader, p.leaderEpoch, p.replicas, p.isr]).toEqual([1, 1, [2, 1], [1]]);
    expect(roleChanges).toEqual([
      { name: "t-0", before: null, leader: 2, epoch: 0 },
      { name: "t-0", before: 2, leader: 1, epoch: 1 },
    ]);
  });

  it("applies batches committed meanwhile in one step, and every waiter's offset resolves", async () => {
    const catalog = await openCatalog();
    writer.assignments.set("t", [[1, 2]]);
    const created = (await writer.createTopic({ name: "t" })).offset;
    // All three commit before the catalog has opened the partition of the first.
    const offsets = [created, writer.moveLeader("t", 0, 2), writer.moveLeader("t", 0, 1)];
    expect(catalog.appliedOffset).toBeLessThan(created);
    await Promise.all(offsets.map((o) => catalog.waitForOffset(o)));
    expect(catalog.appliedOffset).toBe(offsets[2]);
    const p = catalog.partition("t", 0)!;
    expect([p.leader, p.leaderEpoch]).toEqual([1, 2]);
    // The creation applied alone; the two moves committed meanwhile applied as one step.
    expect(roleChanges).toEqual([
      { name: "t-0", before: null, leader: 1, epoch: 0 },
      { name: "t-0", before: 1, leader: 1, epoch: 2 },
    ]);
    expect(catalog.describe("t").partitions[0]).toMatchObject({ leader: 1, leaderEpoch: 2 });
  });

  it("a replica moved off this broker is stopped, closed and its directory removed; moved back, it opens", async () => {
    const removed: string[] = [];
    const catalog = await PartitionCatalog.open(rt, writer.committed, {
      dataDir,
      nodeId: 1,
      replicasOnly: true,
      defaultTopicConfigs: {},
      onReadable: () => undefined,
      logger: silentLogger,
      hooks: { onPartitionsRemoved: (ps) => removed.push(...ps.map((p) => p.name)) },
    });
    catalogs.push(catalog);
    writer.assignments.set("t", [[1, 2]]);
    const { offset } = await writer.createTopic({ name: "t" });
    await catalog.waitForOffset(offset);
    const p = catalog.partition("t", 0)!;
    const dirs = async () => (await rt.fs.list(dataDir)).map((e) => e.name).sort();
    expect(await dirs()).toContain("t-0");
    const topicId = writer.committed.image.topic("t")!.topicId;
    const change = (fields: { leader: number; isr: number[]; replicas: number[] }) => {
      const at = writer.committed.image.topic("t")!.partitions[0];
      return writer.commit([{
        type: "PartitionChangeRecord",
        topicId,
        partition: 0,
        partitionEpoch: at.partitionEpoch,
        ...fields,
      }]).offset;
    };
    await catalog.waitForOffset(change({ leader: 2, isr: [2], replicas: [2] }));
    expect(removed).toEqual(["t-0"]);
    expect(p.closed).toBe(true);
    expect(catalog.partition("t", 0)).toBeUndefined();
    expect(await dirs()).not.toContain("t-0");
    expect((await dirs()).some((d) => d.startsWith("t-0."))).toBe(false);
    // The topic itself is untouched: still described, from the image.
    expect(catalog.describe("t").partitions[0]).toMatchObject({ replicas: [2], leader: 2 });
    await catalog.waitForOffset(change({ leader: 2, isr: [2], replicas: [2, 1] }));
    expect(catalog.partition("t", 0)?.closed).toBe(false);
    expect(await dirs()).toContain("t-0");
  });

  it("rejects waiters still waiting when it closes", async () => {
    const catalog = await openCatalog();
    const waiting = catalog.waitForOffset(writer.committed.committedOffset + 5);
    catalogs.splice(0);
    await catalog.close();
    expect(await codeOf(waiting)).toBe("BROKER_SHUTTING_DOWN");
  });
});
