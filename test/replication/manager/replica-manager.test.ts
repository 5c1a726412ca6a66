// The replica manager over real logs on runtime/sim: three brokers, an in-test network and
// controller (cluster.ts).
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { fixedSeedNames, runWatched } from "../../support/sim-seeds.ts";
import { KEY, ReplicaCluster } from "./cluster.ts";
import { recordsOf, waitUntil } from "./support.ts";

const PATH = "test/replication/manager/replica-manager.test.ts";
const bounds = { maxSteps: 2_000_000, maxVirtualMs: 120_000 };
const LAG_MS = 1_000;
const config = { replicaLagTimeMaxMs: LAG_MS, replicaFetchWaitMaxMs: 200 };

function simulate(title: string, body: (world: SimWorld) => Promise<void>) {
  it(title, async () => {
    const world = new SimWorld({ seed: 7 });
    await runWatched(world, fixedSeedNames(PATH, title), () => body(world), bounds);
  }, 60_000);
}

describe("ReplicaManager: acks=all", () => {
  simulate("acks=all completes once every ISR member holds the batch", async (world) => {
    const cluster = await ReplicaCluster.open(world, { config });
    const rt = world.runtime("test");
    const result = await cluster.produce(["a", "b"]);
    expect(result).toMatchObject({ ok: true, baseOffset: 0, lastOffset: 1 });
    for (const broker of cluster.brokers.values()) {
      expect(broker.log.logEndOffset, `b${broker.id}`).toBe(2);
    }
    await waitUntil(
      rt,
      "followers learn the HW",
      () => [...cluster.brokers.values()].every((b) => b.replica.highWatermark === 2),
      2_000,
    );
    for (const broker of cluster.brokers.values()) {
      expect((await recordsOf(broker.log)).map((r) => r.value)).toEqual(["a", "b"]);
    }
    await cluster.close();
  });

  simulate("acks=all waits for a cut-off ISR member until the ISR drops it", async (world) => {
    const cluster = await ReplicaCluster.open(world, { config });
    const rt = world.runtime("test");
    expect(await cluster.produce(["first"])).toMatchObject({ ok: true });
    cluster.cutOff(3);
    const started = rt.clock.monotonicMs();
    const result = await cluster.produce(["second"], { timeoutMs: 10_000 });
    const tookMs = rt.clock.monotonicMs() - started;
    expect(result).toMatchObject({ ok: true, lastOffset: 1 });
    // Not before broker 3 left the ISR: the lag time had to pass first.
    expect(tookMs).toBeGreaterThanOrEqual(LAG_MS);
    expect(cluster.state.isr).toEqual([1, 2]);
    expect(cluster.brokers.get(2)!.log.logEndOffset).toBe(2);
    expect(cluster.brokers.get(3)!.log.logEndOffset).toBe(1);
    await cluster.close();
  });

  simulate("acks=all times out while the ISR cannot change", async (world) => {
    // Broker 3 is cut off and the lag time is longer than the produce timeout: the ISR still
    // holds 3 when the deadline passes.
    const cluster = await ReplicaCluster.open(world, { config });
    expect(await cluster.produce(["first"])).toMatchObject({ ok: true });
    cluster.cutOff(3);
    const result = await cluster.produce(["second"], { timeoutMs: 500 });
    expect(result).toEqual({ ok: false, code: "REQUEST_TIMED_OUT" });
    await cluster.close();
  });

  simulate("acks=all is refused before writing when the ISR is below min.insync", async (world) => {
    const cluster = await ReplicaCluster.open(world, { config });
    const rt = world.runtime("test");
    cluster.cutOff(2);
    cluster.cutOff(3);
    await waitUntil(
      rt,
      "the ISR shrinks to the leader",
      () => cluster.state.isr.length === 1,
      5_000,
    );
    await waitUntil(
      rt,
      "the leader applies it",
      () => cluster.leader!.manager.isrOf(KEY)?.length === 1,
      1_000,
    );
    const result = await cluster.produce(["x"], { minInsync: 2 });
    expect(result).toEqual({ ok: false, code: "NOT_ENOUGH_REPLICAS" });
    expect(cluster.leader!.log.logEndOffset).toBe(0);
    expect(await cluster.produce(["y"], { minInsync: 1 })).toMatchObject({ ok: true });
    await cluster.close();
  });
});

describe("ReplicaManager: leader changes and lossy networks", () => {
  simulate(
    "after a clean leader move the new leader acknowledges and the old one follows",
    async (world) => {
      const cluster = await ReplicaCluster.open(world, { config });
      for (let i = 0; i < 3; i++) {
        expect(await cluster.produce([`a${i}`])).toMatchObject({
          ok: true,
        });
      }
      const before = cluster.state.leader;
      expect(cluster.moveLeader()).toBe(true);
      await cluster.applied();
      const after = cluster.leader!;
      expect(after.id).not.toBe(before);
      expect(after.manager.leaderEpochOf(KEY)).toBe(1);
      expect(cluster.brokers.get(before)!.manager.roleOf(KEY)).toBe("follower");
      expect(await cluster.produce(["b"])).toMatchObject({
        ok: true,
        baseOffset: 3,
        leaderEpoch: 1,
      });
      const records = await recordsOf(after.log);
      expect(records.map((r) => `${r.value}@${r.epoch}`)).toEqual(["a0@0", "a1@0", "a2@0", "b@1"]);
      for (const broker of cluster.brokers.values()) {
        expect(await recordsOf(broker.log), `b${broker.id}`).toEqual(records);
        expect(broker.log.truncations, `b${broker.id} truncations`).toBe(0);
      }
      await cluster.close();
    },
  );

  simulate("followers keep fetching when a third of all messages are lost", async (world) => {
    const cluster = await ReplicaCluster.open(world, {
      lossRate: 0.3,
      config: { ...config, requestTimeoutMs: 200, replicaLagTimeMaxMs: 60_000 },
    });
    for (let i = 0; i < 10; i++) {
      expect(await cluster.produce([`v${i}`], { timeoutMs: 30_000 })).toMatchObject({
        ok: true,
        baseOffset: i,
      });
    }
    // Nobody left the ISR: every acknowledgement waited for all three.
    expect(cluster.state.isr).toEqual([1, 2, 3]);
    const records = await recordsOf(cluster.leader!.log);
    for (const broker of cluster.brokers.values()) {
      expect(await recordsOf(broker.log), `b${broker.id}`).toEqual(records);
    }
    await cluster.close();
  });
});
