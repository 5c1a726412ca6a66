// Stray replica directories (stray-dirs.ts): a replica moved off a broker while it was down
// leaves its directory behind; the restarted broker's catalog removes it once the image shows
// this incarnation unfenced (caught up), never before, and never a partition it still replicates.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { PartitionCatalog } from "../../src/broker/partition-catalog.ts";
import type { Logger } from "../../src/logging/logger.ts";
import { captureLogs } from "../support/log-capture.ts";
import { FakeClusterWriter } from "./fake-cluster-writer.ts";

const rt = createNodeRuntime();
let dataDir: string;
let writer: FakeClusterWriter;
const catalogs: PartitionCatalog[] = [];

beforeEach(async () => {
  dataDir = await rt.fs.makeTempDir("tributary-stray-");
  writer = new FakeClusterWriter();
  writer.registerBrokers([{ id: 1, port: 1 }, { id: 2, port: 2 }]);
});
afterEach(async () => {
  for (const c of catalogs.splice(0)) await c.close();
  await rt.fs.remove(dataDir, { recursive: true });
});

async function openCatalog(logger: Logger, incarnationId?: string): Promise<PartitionCatalog> {
  const catalog = await PartitionCatalog.open(rt, writer.committed, {
    dataDir,
    nodeId: 1,
    replicasOnly: true,
    defaultTopicConfigs: {},
    onReadable: () => undefined,
    logger,
    ...(incarnationId === undefined ? {} : { strayCheckIncarnationId: incarnationId }),
  });
  catalogs.push(catalog);
  return catalog;
}

const dirs = async () => (await rt.fs.list(dataDir)).map((e) => e.name).sort();

/** Moves t-<partition> to `replicas` (the first leads) in one committed change. */
function reassign(partition: number, replicas: number[]): number {
  const t = writer.committed.image.topic("t")!;
  return writer.commit([{
    type: "PartitionChangeRecord",
    topicId: t.topicId,
    partition,
    partitionEpoch: t.partitions[partition].partitionEpoch,
    leader: replicas[0],
    isr: replicas,
    replicas,
  }]).offset;
}

/** Broker 1 starts again: a new incarnation, registered fenced as Kafka does. */
function restartRegistration(incarnationId: string): void {
  writer.commit([{
    type: "RegisterBrokerRecord",
    brokerId: 1,
    incarnationId,
    endpoints: [{ listener: "cbor", host: "10.0.0.1", port: 1 }],
    rack: null,
    fenced: true,
  }]);
}

function unfence(incarnationId: string): number {
  return writer.commit([{
    type: "BrokerRegistrationChangeRecord",
    brokerId: 1,
    incarnationId,
    fenced: false,
  }]).offset;
}

describe("PartitionCatalog stray replica directories", () => {
  it("removes the directory of a replica dropped while the broker was down, once it is unfenced", async () => {
    const first = await openCatalog(captureLogs().logger);
    writer.assignments.set("t", [[1, 2], [1, 2]]);
    await first.waitForOffset((await writer.createTopic({ name: "t", partitions: 2 })).offset);
    expect(await dirs()).toEqual(["t-0", "t-1"]);
    catalogs.splice(0);
    await first.close();

    // While broker 1 is down, t-0 moves to broker 2 alone; t-1 stays on both.
    reassign(0, [2]);
    restartRegistration("incarnation-1b");
    const { logger, lines } = captureLogs();
    const catalog = await openCatalog(logger, "incarnation-1b");
    // Fenced: its image may not have caught up, so nothing is removed yet.
    expect(await dirs()).toEqual(["t-0", "t-1"]);
    expect(catalog.partition("t", 0)).toBeUndefined();

    await catalog.waitForOffset(unfence("incarnation-1b"));
    expect(await dirs()).toEqual(["t-1"]);
    expect(catalog.partition("t", 1)?.closed).toBe(false);
    const stray = lines.filter((l) => l.event === "replica.stray_removed");
    expect(stray).toMatchObject([{ dir: "t-0", topic: "t", partition: 0, level: "info" }]);

    // Unfenced again later (after a session timeout): no second sweep, the first was enough.
    writer.commit([{
      type: "BrokerRegistrationChangeRecord",
      brokerId: 1,
      incarnationId: "incarnation-1b",
      fenced: true,
    }]);
    await catalog.waitForOffset(unfence("incarnation-1b"));
    expect(lines.filter((l) => l.event === "replica.stray_removed")).toHaveLength(1);
  });

  it("keeps a directory an older image dropped but the caught-up one gives back", async () => {
    const first = await openCatalog(captureLogs().logger);
    writer.assignments.set("t", [[1, 2]]);
    await first.waitForOffset((await writer.createTopic({ name: "t" })).offset);
    catalogs.splice(0);
    await first.close();

    reassign(0, [2]);
    reassign(0, [2, 1]);
    restartRegistration("incarnation-1b");
    const { logger, lines } = captureLogs();
    const catalog = await openCatalog(logger, "incarnation-1b");
    await catalog.waitForOffset(unfence("incarnation-1b"));
    expect(await dirs()).toEqual(["t-0"]);
    expect(catalog.partition("t", 0)?.closed).toBe(false);
    expect(lines.filter((l) => l.event === "replica.stray_removed")).toEqual([]);
  });

  it("a previous incarnation's unfenced registration is no sign of catching up", async () => {
    const first = await openCatalog(captureLogs().logger);
    writer.assignments.set("t", [[1, 2]]);
    await first.waitForOffset((await writer.createTopic({ name: "t" })).offset);
    catalogs.splice(0);
    await first.close();
    reassign(0, [2]);
    // The image still has broker 1's previous life, unfenced: the new one has not registered.
    const catalog = await openCatalog(captureLogs().logger, "incarnation-1b");
    expect(await dirs()).toEqual(["t-0"]);
    restartRegistration("incarnation-1b");
    await catalog.waitForOffset(unfence("incarnation-1b"));
    expect(await dirs()).toEqual([]);
  });

  it("removeStrayDirs() on demand; a directory of another topic id is left alone", async () => {
    const first = await openCatalog(captureLogs().logger);
    writer.assignments.set("t", [[1, 2]]);
    await first.waitForOffset((await writer.createTopic({ name: "t" })).offset);
    catalogs.splice(0);
    await first.close();
    reassign(0, [2]);
    // A foreign directory that looks like a partition: no partition.metadata of this topic.
    await rt.fs.mkdirp(`${dataDir}/t-7`);
    const catalog = await openCatalog(captureLogs().logger);
    expect(await catalog.removeStrayDirs()).toEqual(["t-0"]);
    expect(await dirs()).toEqual(["t-7"]);
  });

  it("finishes a stray removal a crash interrupted at the next start", async () => {
    await rt.fs.mkdirp(`${dataDir}/t-0.0000000000004000800000000001-stray`);
    await openCatalog(captureLogs().logger);
    expect(await dirs()).toEqual([]);
  });
});
