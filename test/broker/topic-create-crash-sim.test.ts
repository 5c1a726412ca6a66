// Single node: createTopic under a power cut at a seeded file-system call, from before the
// metadata append to after the last partition directory. After the restart the topic is either
// absent with no directory left, or present with every partition open, empty and served: the
// local metadata log is the commit, and the catalog makes the directories of a committed topic
// at start when the crash came before it had.
import { beforeAll, describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import type { Runtime } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import { runWatchedSeed, simSeeds } from "../support/sim-seeds.ts";
import { dyingFs } from "./dying-fs.ts";
import { batch, readAll } from "./helpers.ts";

const SEEDS = simSeeds(24).seeds;
const names = {
  simulation: "topic creation crash simulation",
  testPath: "test/broker/topic-create-crash-sim.test.ts",
};
const bounds = { maxSteps: 200_000, maxVirtualMs: 60_000 };
const options = { nodeId: 1, dataDir: "/data", host: "127.0.0.1", port: 0 };
const PARTITIONS = 4;
const EARLY_CALLS = 6;

async function createAndCrash(world: SimWorld, rt: Runtime, opsRange: number | null) {
  let onDeath!: () => void;
  const died = new Promise<"died">((resolve) => (onDeath = () => resolve("died")));
  const dying = dyingFs(rt.fs, onDeath);
  await Broker.open({ ...rt, fs: dying.fs }, options).then((broker) => {
    // Half the seeds cut within the first calls: the metadata append is only a few of them.
    const ops = opsRange === null
      ? Number.POSITIVE_INFINITY
      : world.random.int(2) === 0
      ? world.random.int(EARLY_CALLS)
      : world.random.int(opsRange);
    dying.arm(ops);
    return Promise.race([
      died,
      broker.createTopic({ name: "t", partitions: PARTITIONS }).then(() => "created" as const),
    ]);
  }).then((outcome) => {
    world.crash("b1");
    outcomes.push(outcome);
  });
  return dying.calls();
}

async function restartAndCheck(rt: Runtime): Promise<"absent" | "present"> {
  const broker = await Broker.open(rt, options);
  const dirs = (await rt.fs.list("/data")).map((e) => e.name).filter((n) => n.startsWith("t-"));
  const present = broker.listTopics().some((t) => t.name === "t");
  if (!present) {
    expect(dirs).toEqual([]);
  } else {
    expect(dirs.sort()).toEqual(Array.from({ length: PARTITIONS }, (_, p) => `t-${p}`));
    const partitions = broker.describeTopic("t").partitions;
    expect(partitions.map((p) => [p.highWatermark, p.offlineReason])).toEqual(
      Array.from({ length: PARTITIONS }, () => [0, undefined]),
    );
    await broker.produce({ topic: "t", partition: 1, batches: batch(["after"]), acks: -1 });
    expect((await readAll(broker, "t", 1)).map((r) => r.value)).toEqual(["after"]);
  }
  await broker.close();
  return present ? "present" : "absent";
}

const outcomes: string[] = [];

describe("a crash while a topic is created on a single node", () => {
  const restarts: string[] = [];
  let opsRange = 0;
  beforeAll(async () => {
    // How many calls a whole creation takes; crash points range over a quarter beyond it.
    const world = new SimWorld({ seed: 0 });
    const calls = await world.run(() => createAndCrash(world, world.runtime("b1"), null), bounds);
    outcomes.length = 0;
    opsRange = Math.ceil(calls * 1.25);
  });
  for (const seed of SEEDS) {
    it(`leaves the topic absent or whole (seed ${seed})`, async () => {
      const world = new SimWorld({ seed });
      const rt = world.runtime("b1");
      await runWatchedSeed(seed, names, async () => {
        await world.run(() => createAndCrash(world, rt, opsRange), bounds);
        restarts.push(await world.run(() => restartAndCheck(rt), bounds));
      });
    });
  }
  it("covered crashes before the commit, after it, and after the whole creation", () => {
    if (SEEDS.length < 24) return; // a replayed single seed
    expect(new Set(restarts)).toEqual(new Set(["absent", "present"]));
    expect(new Set(outcomes)).toEqual(new Set(["died", "created"]));
  });
});
