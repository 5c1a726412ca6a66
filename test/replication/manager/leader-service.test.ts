// The leader's side of the replica manager, called directly: fencing of fetches and
// OffsetForLeaderEpoch, the long poll at the log end (woken by a local append, bounded in
// number), and the ends of acks=all waiters (resignation, close, too few replicas).
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { encodeBatch } from "../../../src/log/record-batch.ts";
import type { ReplicaFetchRequest } from "../../../src/model/cluster.ts";
import { fixedSeedNames, runWatched } from "../../support/sim-seeds.ts";
import { type Broker, type ClusterOptions, KEY, ReplicaCluster } from "./cluster.ts";
import { waitUntil } from "./support.ts";

const PATH = "test/replication/manager/leader-service.test.ts";
const bounds = { maxSteps: 2_000_000, maxVirtualMs: 120_000 };
const config = { replicaLagTimeMaxMs: 1_000, replicaFetchWaitMaxMs: 200 };

function simulate(
  title: string,
  options: ClusterOptions,
  body: (cluster: ReplicaCluster, world: SimWorld) => Promise<void>,
) {
  it(title, async () => {
    const world = new SimWorld({ seed: 5 });
    await runWatched(world, fixedSeedNames(PATH, title), async () => {
      const cluster = await ReplicaCluster.open(world, { config, ...options });
      await body(cluster, world);
      await cluster.close();
    }, bounds);
  }, 60_000);
}

function fetchAs(
  replicaId: number,
  partition: { currentLeaderEpoch: number; fetchOffset: number; topic?: string },
  maxWaitMs = 0,
): ReplicaFetchRequest {
  return {
    replicaId,
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    partitions: [{ topic: partition.topic ?? KEY.topic, partition: 0, ...partition }],
  };
}

async function appendOnLeader(leader: Broker, value: string): Promise<void> {
  const bytes = encodeBatch({
    records: [{ key: null, value: new TextEncoder().encode(value), timestamp: 1 }],
  });
  await leader.log.append(bytes, { leaderEpoch: leader.manager.leaderEpochOf(KEY) });
  leader.manager.onLocalAppend(KEY, leader.log.logEndOffset);
}

describe("ReplicaManager: the leader's service", () => {
  simulate(
    "fetches are fenced by leader epoch, and refused off the leader",
    { initial: { leaderEpoch: 5 } },
    async (cluster) => {
      const leader = cluster.leader!.manager;
      const code = async (manager = leader, epoch = 5, fetchOffset = 0, topic = KEY.topic) =>
        (await manager.replicaFetch(fetchAs(2, { currentLeaderEpoch: epoch, fetchOffset, topic })))
          .partitions[0].error?.code ?? null;
      expect(await code(leader, 4)).toBe("FENCED_LEADER_EPOCH");
      expect(await code(leader, 6)).toBe("UNKNOWN_LEADER_EPOCH");
      expect(await code(leader, 5, 99)).toBe("OFFSET_OUT_OF_RANGE");
      expect(await code(leader, 5, 0, "other")).toBe("NOT_LEADER_OR_FOLLOWER");
      expect(await code(cluster.brokers.get(2)!.manager)).toBe("NOT_LEADER_OR_FOLLOWER");
      expect(await code(leader)).toBe(null);
      const ends = await leader.epochEnd({
        replicaId: 2,
        partitions: [
          { topic: KEY.topic, partition: 0, currentLeaderEpoch: 4, leaderEpoch: 3 },
          { topic: KEY.topic, partition: 0, currentLeaderEpoch: 5, leaderEpoch: 5 },
        ],
      });
      expect(ends.partitions.map((p) => p.error?.code ?? null)).toEqual([
        "FENCED_LEADER_EPOCH",
        null,
      ]);
      expect(ends.partitions[1]).toMatchObject({ leaderEpoch: 5, endOffset: 0 });
    },
  );

  simulate(
    "a fetch at the log end waits until a local append wakes it",
    {},
    async (cluster, world) => {
      const rt = world.runtime("test");
      cluster.cutOff(2); // its own fetcher stays out of the way
      const leader = cluster.leader!;
      const start = rt.clock.monotonicMs();
      const parked = leader.manager.replicaFetch(
        fetchAs(2, { currentLeaderEpoch: 0, fetchOffset: 0 }, 5_000),
      );
      await rt.timers.sleep(100);
      await appendOnLeader(leader, "wake");
      const reply = await parked;
      const tookMs = rt.clock.monotonicMs() - start;
      expect(tookMs).toBeGreaterThanOrEqual(100);
      expect(tookMs).toBeLessThan(1_000);
      expect(reply.partitions[0].error).toBe(null);
      expect(reply.partitions[0].records.length).toBeGreaterThan(0);
      expect(reply.partitions[0].logEndOffset).toBe(1);
    },
  );

  simulate("with nothing new a fetch answers empty after maxWaitMs", {}, async (cluster, world) => {
    const rt = world.runtime("test");
    cluster.cutOff(2);
    const start = rt.clock.monotonicMs();
    const reply = await cluster.leader!.manager.replicaFetch(
      fetchAs(2, { currentLeaderEpoch: 0, fetchOffset: 0 }, 300),
    );
    expect(rt.clock.monotonicMs() - start).toBeGreaterThanOrEqual(300);
    expect(reply.partitions[0]).toMatchObject({ error: null, highWatermark: 0 });
    expect(reply.partitions[0].records.length).toBe(0);
  });

  simulate(
    "parked fetches are bounded: past the bound a fetch is answered at once",
    { config: { ...config, parkedFetchesMax: 1 } },
    async (cluster, world) => {
      const rt = world.runtime("test");
      cluster.cutOff(2);
      cluster.cutOff(3);
      const leader = cluster.leader!.manager;
      await waitUntil(
        rt,
        "the followers' own parked fetches end",
        () => leader.metrics().fetchesParkedNow === 0,
        2_000,
      );
      const first = leader.replicaFetch(
        fetchAs(2, { currentLeaderEpoch: 0, fetchOffset: 0 }, 5_000),
      );
      await waitUntil(
        rt,
        "the first fetch parks",
        () => leader.metrics().fetchesParkedNow === 1,
        100,
      );
      const start = rt.clock.monotonicMs();
      await leader.replicaFetch(fetchAs(3, { currentLeaderEpoch: 0, fetchOffset: 0 }, 5_000));
      expect(rt.clock.monotonicMs() - start).toBe(0);
      await appendOnLeader(cluster.leader!, "x");
      expect((await first).partitions[0].records.length).toBeGreaterThan(0);
    },
  );

  // The old leader follows the new one and answers the produce itself (handover.test.ts).
  simulate("a waiting acks=all produce outlives a leadership move", {}, async (cluster, world) => {
    const rt = world.runtime("test");
    cluster.cutOff(3);
    const waiting = cluster.produce(["x"], { timeoutMs: 10_000 });
    await waitUntil(
      rt,
      "the produce waits",
      () => cluster.leader!.manager.metrics().acksWaiters === 1,
      1_000,
    );
    expect(cluster.moveLeader()).toBe(true);
    expect(cluster.state.leader).toBe(2); // seeded: broker 2 holds x, broker 3 is cut off
    expect(await waiting).toMatchObject({ ok: true, baseOffset: 0, leaderId: 1 });
  });

  simulate(
    "close fails waiting acks=all produces and ends promptly",
    {},
    async (cluster, world) => {
      const rt = world.runtime("test");
      cluster.cutOff(2);
      cluster.cutOff(3);
      const waiting = cluster.produce(["x"], { timeoutMs: 10_000 });
      await waitUntil(
        rt,
        "the produce waits",
        () => cluster.leader!.manager.metrics().acksWaiters === 1,
        1_000,
      );
      const start = rt.clock.monotonicMs();
      for (const broker of cluster.brokers.values()) {
        await broker.manager.close();
      }
      expect(rt.clock.monotonicMs() - start).toBeLessThan(10);
      expect(await waiting).toEqual({ ok: false, code: "NOT_LEADER_OR_FOLLOWER" });
    },
  );

  simulate(
    "NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR fell below min.insync before the HW passed",
    {},
    async (cluster) => {
      cluster.cutOff(3);
      const result = await cluster.produce(["x"], { minInsync: 3, timeoutMs: 10_000 });
      expect(result).toEqual({ ok: false, code: "NOT_ENOUGH_REPLICAS_AFTER_APPEND" });
      expect(cluster.state.isr).toEqual([1, 2]);
      expect(cluster.brokers.get(2)!.log.logEndOffset).toBe(1);
    },
  );

  simulate(
    "AlterPartition is sent again until the controller's answer arrives",
    { dropAlterPartitions: 2 },
    async (cluster, world) => {
      const rt = world.runtime("test");
      cluster.cutOff(3);
      const waiting = cluster.produce(["x"], { minInsync: 1, timeoutMs: 20_000 });
      await waitUntil(
        rt,
        "the ISR drops 3",
        () => cluster.leader!.manager.isrOf(KEY)?.length === 2,
        15_000,
      );
      expect(await waiting).toMatchObject({ ok: true });
      // The two dropped, then the one that committed.
      expect(cluster.leader!.manager.metrics().alterPartitionSends).toBe(3);
      expect(cluster.alterCommits).toBe(1);
    },
  );
});
