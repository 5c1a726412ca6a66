// Committed offsets under simulated power cuts (SimWorld, in-memory disk that keeps only what
// was synced): every commit acknowledged before the crash is there after the broker and the
// coordinator restart on the same disk, and so is every acknowledged join.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import type { Runtime } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import { GroupService } from "../../src/coordinator/group-service.ts";
import { runWatchedSeed, simSeeds } from "../support/sim-seeds.ts";

const GROUPS = ["g0", "g1", "g2", "g3", "g4"];
const COMMITS_PER_GROUP = 12;
const SEEDS = simSeeds(16).seeds;
const names = {
  simulation: "coordinator crash simulation",
  testPath: "test/coordinator/crash-sim.test.ts",
};
const bounds = { maxSteps: 400_000, maxVirtualMs: 120_000 };
const brokerOptions = { nodeId: 1, dataDir: "/data", host: "127.0.0.1", port: 0 };

interface Phase1 {
  /** Highest acknowledged offset per group (commits of one group go up one by one). */
  acked: Map<string, number>;
  memberId: string;
  errors: unknown[];
}

async function start(rt: Runtime) {
  const broker = await Broker.open(rt, brokerOptions);
  const groups = await GroupService.start(rt, broker, { offsetsTopicPartitions: 2 });
  return { broker, groups };
}

async function commitUntilCrash(world: SimWorld, rt: Runtime): Promise<Phase1> {
  const { broker, groups } = await start(rt);
  await broker.createTopic({ name: "t", partitions: 2 });
  const joined = await groups.heartbeat({
    groupId: "members",
    memberId: "",
    memberEpoch: 0,
    subscribedTopics: ["t"],
    sessionTimeoutMs: 60_000,
  });
  const crashAfterAcks = world.random.int(GROUPS.length * COMMITS_PER_GROUP);
  const acked = new Map<string, number>();
  const errors: unknown[] = [];
  let acks = 0;
  let crashed = false;
  let onCrash!: () => void;
  const crash = new Promise<void>((resolve) => (onCrash = resolve));
  // Groups commit concurrently (several share an offsets partition); each one in sequence.
  const writers = GROUPS.map(async (groupId) => {
    for (let offset = 1; offset <= COMMITS_PER_GROUP && !crashed; offset++) {
      try {
        await groups.commitOffsets({
          groupId,
          memberId: "",
          memberEpoch: -1,
          offsets: [{ topic: "t", partition: offset % 2, offset }],
        });
      } catch (err) {
        if (!crashed) errors.push(err);
        return;
      }
      if (crashed) return;
      acked.set(groupId, offset);
      if (++acks > crashAfterAcks) {
        crashed = true;
        world.crash("b1");
        onCrash();
      }
    }
  });
  await Promise.race([Promise.all(writers), crash]);
  if (!crashed) world.crash("b1");
  return { acked, memberId: joined.memberId, errors };
}

async function reopenAndCheck(rt: Runtime, phase1: Phase1): Promise<void> {
  const { broker, groups } = await start(rt);
  for (const [groupId, offset] of phase1.acked) {
    const committed = await groups.fetchOffsets({ groupId });
    // The latest commit of each partition: the acknowledged one or a later one that made it.
    const latest = Math.max(...committed.map((c) => c.offset ?? -1));
    expect(latest, `${groupId} acknowledged ${offset}`).toBeGreaterThanOrEqual(offset);
    expect(latest).toBeLessThanOrEqual(COMMITS_PER_GROUP);
  }
  const members = groups.describeGroup("members").members.map((m) => m.memberId);
  expect(members).toEqual([phase1.memberId]);
  await groups.close();
  await broker.close();
}

describe("committed offsets across simulated crashes", () => {
  for (const seed of SEEDS) {
    it(`keeps every acknowledged commit (seed ${seed})`, async () => {
      const world = new SimWorld({ seed });
      const rt = world.runtime("b1");
      await runWatchedSeed(seed, names, async () => {
        const phase1 = await world.run(() => commitUntilCrash(world, rt), bounds);
        expect(phase1.errors).toEqual([]);
        await world.run(() => reopenAndCheck(rt, phase1), bounds);
      });
    });
  }
});
