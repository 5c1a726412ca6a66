// A leader that leadership moves away from and that lives on as a follower (a controlled
// shutdown) answers its in-flight acks=all produces itself: success for what the new leader
// kept and committed, NOT_LEADER_OR_FOLLOWER for what the new leader never had (cluster.ts).
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { fixedSeedNames, runWatched } from "../../support/sim-seeds.ts";
import { KEY, ReplicaCluster } from "./cluster.ts";
import { recordsOf, waitUntil } from "./support.ts";

const PATH = "test/replication/manager/handover.test.ts";
const bounds = { maxSteps: 2_000_000, maxVirtualMs: 120_000 };
const LAG_MS = 1_000;
const config = { replicaLagTimeMaxMs: LAG_MS, replicaFetchWaitMaxMs: 200 };

function simulate(title: string, body: (world: SimWorld) => Promise<void>) {
  it(title, async () => {
    const world = new SimWorld({ seed: 11 });
    await runWatched(world, fixedSeedNames(PATH, title), () => body(world), bounds);
  }, 60_000);
}

describe("ReplicaManager: acks=all waiters survive a leader move", () => {
  simulate(
    "the old leader acknowledges an in-flight produce the new leader holds and commits",
    async (world) => {
      const cluster = await ReplicaCluster.open(world, { config });
      const rt = world.runtime("test");
      expect(await cluster.produce(["a"])).toMatchObject({ ok: true });
      // Broker 3 lags (cut off), so the HW cannot pass "b" while broker 2 already holds it.
      cluster.cutOff(3);
      cluster.fenced.add(3); // the move below picks broker 2
      const pending = cluster.produce(["b"], { brokerId: 1, timeoutMs: 20_000 });
      const b2 = cluster.brokers.get(2)!;
      await waitUntil(rt, "broker 2 fetched b", () => b2.log.logEndOffset === 2, 2_000);
      expect(cluster.moveLeader()).toBe(true);
      expect(cluster.state.leader).toBe(2);
      // Broker 2 commits "b" once the lagging broker 3 leaves its ISR; broker 1, its follower
      // now, learns that HW and answers the produce it took as leader.
      const outcome = await pending;
      expect(outcome).toMatchObject({ ok: true, baseOffset: 1, lastOffset: 1, leaderId: 1 });
      expect(cluster.brokers.get(1)!.manager.roleOf(KEY)).toBe("follower");
      expect(cluster.state.isr).not.toContain(3);
      const values = (await recordsOf(b2.log)).map((r) => r.value);
      expect(values).toEqual(["a", "b"]);
      expect(cluster.brokers.get(1)!.manager.metrics().acksWaiters).toBe(0);
      await cluster.close();
    },
  );

  simulate(
    "the old leader answers NOT_LEADER_OR_FOLLOWER for what the new leader never had",
    async (world) => {
      const cluster = await ReplicaCluster.open(world, { config });
      const rt = world.runtime("test");
      expect(await cluster.produce(["a"])).toMatchObject({ ok: true });
      cluster.cutOff(2);
      cluster.cutOff(3);
      cluster.fenced.add(3);
      const pending = cluster.produce(["lost"], { brokerId: 1, timeoutMs: 20_000 });
      const b1 = cluster.brokers.get(1)!;
      await waitUntil(rt, "broker 1 appended", () => b1.log.logEndOffset === 2, 2_000);
      expect(cluster.moveLeader()).toBe(true);
      cluster.heal(2);
      expect(await pending).toEqual({ ok: false, code: "NOT_LEADER_OR_FOLLOWER" });
      // Broker 1 cut "lost" away when it followed broker 2.
      expect(b1.log.logEndOffset).toBe(1);
      expect(b1.manager.metrics().acksWaiters).toBe(0);
      await cluster.close();
    },
  );

  simulate(
    "a closing manager answers handed-over waiters NOT_LEADER_OR_FOLLOWER",
    async (world) => {
      const cluster = await ReplicaCluster.open(world, { config });
      const rt = world.runtime("test");
      expect(await cluster.produce(["a"])).toMatchObject({ ok: true });
      cluster.cutOff(3);
      cluster.fenced.add(3);
      const pending = cluster.produce(["b"], { brokerId: 1, timeoutMs: 20_000 });
      const b1 = cluster.brokers.get(1)!;
      const b2 = cluster.brokers.get(2)!;
      await waitUntil(rt, "broker 2 fetched b", () => b2.log.logEndOffset === 2, 2_000);
      expect(cluster.moveLeader()).toBe(true);
      await waitUntil(rt, "broker 1 follows", () => b1.manager.roleOf(KEY) === "follower", 2_000);
      expect(b1.manager.metrics().acksWaiters).toBe(1);
      await b1.manager.close();
      expect(await pending).toEqual({ ok: false, code: "NOT_LEADER_OR_FOLLOWER" });
      await cluster.close();
    },
  );
});
