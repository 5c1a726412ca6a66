// A crash between a topic's commit and its directories: the committed metadata lives with the
// quorum (here a FakeClusterWriter's CommittedImage), the directories on the broker's disk. The
// broker dies at a seeded file-system operation while its catalog opens the new topic's
// partitions (from before the first mkdir to after the last), its disk keeps what a power cut
// leaves, and on restart it recovers exactly its own replicas of the committed topic, empty and
// served, and nothing else.
import { beforeAll, describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import type { Runtime } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import { CommittedImage } from "../../src/metadata/committed-image.ts";
import { runWatchedSeed, simSeeds } from "../support/sim-seeds.ts";
import { dyingFs } from "./dying-fs.ts";
import { FakeClusterWriter } from "./fake-cluster-writer.ts";
import { batch, readAll } from "./helpers.ts";

const SEEDS = simSeeds(24).seeds;
const names = {
  simulation: "cluster catalog crash simulation",
  testPath: "test/broker/cluster-crash-sim.test.ts",
};
const bounds = { maxSteps: 200_000, maxVirtualMs: 60_000 };
/** Broker 1 holds partitions 0, 1, 3 and 4 (it leads 0 and 3); broker 2 alone holds 2 and 5. */
const ASSIGNMENT = [[1, 2], [2, 1], [2], [1, 2], [2, 1], [2]];
const HOSTED = ["t-0", "t-1", "t-3", "t-4"];

function clusterOptions(writer: FakeClusterWriter) {
  return {
    nodeId: 1,
    dataDir: "/data",
    host: "127.0.0.1",
    port: 0,
    cluster: { writer, committed: writer.committed, controllerId: () => 2 },
  };
}

/** Dies at a seeded call among the first `opsRange` after the commit (never, when null). */
async function commitAndCrash(
  world: SimWorld,
  rt: Runtime,
  writer: FakeClusterWriter,
  opsRange: number | null,
) {
  let onDeath!: () => void;
  const died = new Promise<"died">((resolve) => (onDeath = () => resolve("died")));
  const dying = dyingFs(rt.fs, onDeath);
  const broker = await Broker.open({ ...rt, fs: dying.fs }, clusterOptions(writer));
  writer.assignments.set("t", ASSIGNMENT);
  const opsBeforeDeath = opsRange === null ? Number.POSITIVE_INFINITY : world.random.int(opsRange);
  dying.arm(opsBeforeDeath);
  const { offset } = await writer.createTopic({ name: "t", partitions: ASSIGNMENT.length });
  const outcome = await Promise.race([
    died,
    broker.waitForMetadataOffset(offset).then(() => "applied" as const),
  ]);
  world.crash("b1");
  return { outcome, opsBeforeDeath, calls: dying.calls() };
}

async function restartAndCheck(rt: Runtime, before: FakeClusterWriter): Promise<void> {
  // The restarted broker follows the same committed metadata from the quorum.
  const committed = new CommittedImage({
    image: before.committed.image,
    offset: before.committed.committedOffset,
    epoch: before.committed.committedEpoch,
  });
  const broker = await Broker.open(rt, clusterOptions(new FakeClusterWriter(committed)));
  const dirs = (await rt.fs.list("/data")).filter((e) => e.name.startsWith("t-")).map((e) =>
    e.name
  );
  expect(dirs.sort()).toEqual(HOSTED);
  const described = broker.describeTopic("t").partitions;
  expect(described.map((p) => p.highWatermark)).toEqual([0, 0, -1, 0, 0, -1]);
  expect(described.filter((p) => p.offlineReason !== undefined)).toEqual([]);
  for (const partition of [0, 3]) {
    const bytes = batch([`after-${partition}`]);
    await broker.produce({ topic: "t", partition, batches: bytes, acks: -1 });
    expect((await readAll(broker, "t", partition)).map((r) => r.value)).toEqual([
      `after-${partition}`,
    ]);
  }
  await broker.close();
}

describe("a crash between a topic's commit and its directories", () => {
  const outcomes: string[] = [];
  let opsRange = 0;
  beforeAll(async () => {
    // How many calls applying the topic takes; crash points range over a quarter beyond it.
    const world = new SimWorld({ seed: 0 });
    const writer = new FakeClusterWriter();
    writer.registerBrokers([{ id: 1, port: 9001 }, { id: 2, port: 9002 }]);
    const run = await world.run(
      () => commitAndCrash(world, world.runtime("b1"), writer, null),
      bounds,
    );
    expect(run.outcome).toBe("applied");
    opsRange = Math.ceil(run.calls * 1.25);
  });
  for (const seed of SEEDS) {
    it(`recovers this broker's partitions at start (seed ${seed})`, async () => {
      const world = new SimWorld({ seed });
      const rt = world.runtime("b1");
      const writer = new FakeClusterWriter();
      writer.registerBrokers([{ id: 1, port: 9001 }, { id: 2, port: 9002 }]);
      await runWatchedSeed(seed, names, async () => {
        const { outcome, opsBeforeDeath } = await world.run(
          () => commitAndCrash(world, rt, writer, opsRange),
          bounds,
        );
        outcomes.push(opsBeforeDeath === 0 ? "before any directory" : outcome);
        await world.run(() => restartAndCheck(rt, writer), bounds);
      });
    });
  }
  it("covered crashes before, during and after the directories were made", () => {
    if (SEEDS.length < 24) return; // a replayed single seed
    expect(new Set(outcomes)).toEqual(new Set(["before any directory", "died", "applied"]));
  });
});
