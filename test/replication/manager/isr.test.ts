// ISR upkeep by the replica manager: a cut-off follower leaves after replica.lag.time.max.ms and
// rejoins once it caught up; a crashed follower (unsynced writes lost) comes back and rejoins.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { fixedSeedNames, runWatched } from "../../support/sim-seeds.ts";
import { KEY, ReplicaCluster } from "./cluster.ts";
import { recordsOf, waitUntil } from "./support.ts";

const PATH = "test/replication/manager/isr.test.ts";
const bounds = { maxSteps: 2_000_000, maxVirtualMs: 120_000 };
const LAG_MS = 1_000;
const config = { replicaLagTimeMaxMs: LAG_MS, replicaFetchWaitMaxMs: 200 };

function simulate(title: string, body: (world: SimWorld) => Promise<void>) {
  it(title, async () => {
    const world = new SimWorld({ seed: 11 });
    await runWatched(world, fixedSeedNames(PATH, title), () => body(world), bounds);
  }, 60_000);
}

describe("ReplicaManager: ISR", () => {
  simulate("a follower cut off leaves the ISR after the lag time and rejoins", async (world) => {
    const cluster = await ReplicaCluster.open(world, { config });
    const rt = world.runtime("test");
    expect(await cluster.produce(["a"])).toMatchObject({ ok: true });
    cluster.cutOff(3);
    // A follower at the leader's log end is caught up however long ago it fetched (Kafka's
    // rule): it falls behind only once something new is written.
    const during = cluster.produce(["during"], { timeoutMs: 10_000 });
    const leftAfterMs = await waitUntil(
      rt,
      "3 leaves the ISR",
      () => !cluster.state.isr.includes(3),
      5_000,
    );
    // Not before the lag time, and within it plus one check interval (half of it) and slack.
    expect(leftAfterMs).toBeGreaterThanOrEqual(LAG_MS);
    expect(leftAfterMs).toBeLessThanOrEqual(LAG_MS * 1.5 + 200);
    expect(await during).toMatchObject({ ok: true, lastOffset: 1 });
    expect(cluster.leader!.manager.metrics()).toMatchObject({
      underReplicatedPartitions: 1,
      isrShrinks: 1,
    });
    for (let i = 0; i < 5; i++) {
      expect(await cluster.produce([`b${i}`])).toMatchObject({ ok: true });
    }
    cluster.heal(3);
    await waitUntil(rt, "3 rejoins the ISR", () => cluster.state.isr.includes(3), 5_000);
    await cluster.applied();
    expect(cluster.leader!.manager.metrics()).toMatchObject({
      underReplicatedPartitions: 0,
      isrExpands: 1,
    });
    const leaderRecords = await recordsOf(cluster.leader!.log);
    expect(leaderRecords.map((r) => r.value)).toEqual([
      "a",
      "during",
      "b0",
      "b1",
      "b2",
      "b3",
      "b4",
    ]);
    expect(await recordsOf(cluster.brokers.get(3)!.log)).toEqual(leaderRecords);
    await cluster.close();
  });

  simulate(
    "a follower that crashed (unsynced writes lost) comes back and rejoins",
    async (world) => {
      const cluster = await ReplicaCluster.open(world, { config });
      const rt = world.runtime("test");
      for (let i = 0; i < 5; i++) {
        expect(await cluster.produce([`a${i}`])).toMatchObject({
          ok: true,
        });
      }
      cluster.crash(3);
      expect(cluster.state.isr).toEqual([1, 2]);
      for (let i = 0; i < 5; i++) {
        expect(await cluster.produce([`b${i}`])).toMatchObject({
          ok: true,
        });
      }
      await cluster.restart(3);
      // Its appends were durable before it fetched on, so it kept at least every acked a_i.
      expect(cluster.brokers.get(3)!.log.logEndOffset).toBeGreaterThanOrEqual(5);
      await waitUntil(rt, "3 rejoins the ISR", () => cluster.state.isr.includes(3), 5_000);
      const leaderRecords = await recordsOf(cluster.leader!.log);
      expect(leaderRecords).toHaveLength(10);
      await waitUntil(
        rt,
        "3 catches up",
        () => cluster.brokers.get(3)!.log.logEndOffset === 10,
        2_000,
      );
      expect(await recordsOf(cluster.brokers.get(3)!.log)).toEqual(leaderRecords);
      expect(cluster.brokers.get(3)!.manager.roleOf(KEY)).toBe("follower");
      await cluster.close();
    },
  );
});
