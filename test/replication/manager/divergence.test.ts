// Leader changes with divergent follower tails (KIP-101, KIP-279): a follower cuts exactly the
// suffix where its log departs from the new leader's, found by OffsetForLeaderEpoch, never to
// its (possibly lagging) HW; and cuts below its HW, with a warning, when the leader lost records
// this follower had learnt committed (a power cut of the last in-sync replica).
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import type { PartitionLog } from "../../../src/log/partition-log.ts";
import { encodeBatch } from "../../../src/log/record-batch.ts";
import { InvariantViolation, uncontainedInvariantIn } from "../../../src/model/invariant.ts";
import { captureLogs } from "../../support/log-capture.ts";
import { fixedSeedNames, runWatched } from "../../support/sim-seeds.ts";
import { type ClusterOptions, KEY, ReplicaCluster } from "./cluster.ts";
import { recordsOf, waitUntil } from "./support.ts";

const PATH = "test/replication/manager/divergence.test.ts";
const bounds = { maxSteps: 2_000_000, maxVirtualMs: 120_000 };
const config = { replicaLagTimeMaxMs: 1_000, replicaFetchWaitMaxMs: 200 };

/** Epoch and values of each batch (one record per value, one batch per value). */
type History = [epoch: number, values: string[]][];

async function write(log: PartitionLog, history: History): Promise<void> {
  for (const [epoch, values] of history) {
    for (const value of values) {
      const bytes = encodeBatch({
        records: [{ key: null, value: new TextEncoder().encode(value), timestamp: 1 }],
      });
      await log.append(bytes, { leaderEpoch: epoch, durable: true });
    }
  }
}

function simulate(title: string, body: (world: SimWorld) => Promise<void>) {
  it(title, async () => {
    const world = new SimWorld({ seed: 3 });
    await runWatched(world, fixedSeedNames(PATH, title), () => body(world), bounds);
  }, 60_000);
}

function openWith(
  world: SimWorld,
  histories: Record<number, History>,
  options: ClusterOptions,
): Promise<ReplicaCluster> {
  return ReplicaCluster.open(world, {
    config,
    ...options,
    prepare: (id, log) => write(log, histories[id] ?? []),
  });
}

describe("ReplicaManager: divergent tails", () => {
  simulate(
    "KIP-101: a follower with a lagging HW truncates only its divergent suffix, not to its HW",
    async (world) => {
      const { logger, lines } = captureLogs();
      const committed: History = [[0, ["a0", "a1", "a2", "a3", "a4"]]];
      const cluster = await openWith(world, {
        1: committed,
        2: [...committed, [0, ["x5", "x6"]]],
        3: committed,
      }, {
        logger,
        initial: { leader: 1, leaderEpoch: 1 },
        // Broker 2 restarted and read a stale HW checkpoint: 2, below the committed a2..a4.
        initialHighWatermark: (id) => (id === 2 ? 2 : 5),
      });
      expect(await cluster.produce(["n5", "n6"])).toMatchObject({ ok: true, lastOffset: 6 });
      const follower = cluster.brokers.get(2)!;
      const cuts = lines.filter((l) => l.event === "replica.truncated" && l.brokerId === 2);
      expect(cuts.map((l) => [l.from, l.to])).toEqual([[7, 5]]);
      expect(follower.log.truncations).toBe(1);
      const leaderRecords = await recordsOf(cluster.leader!.log);
      expect(leaderRecords.map((r) => `${r.value}@${r.epoch}`)).toEqual([
        "a0@0",
        "a1@0",
        "a2@0",
        "a3@0",
        "a4@0",
        "n5@1",
        "n6@1",
      ]);
      expect(await recordsOf(follower.log)).toEqual(leaderRecords);
      expect(follower.log.leaderEpochs!.entries()).toEqual(
        cluster.leader!.log.leaderEpochs!.entries(),
      );
      await cluster.close();
    },
  );

  simulate(
    "KIP-279: a follower whose latest epoch the leader never had truncates over rounds",
    async (world) => {
      const { logger, lines } = captureLogs();
      const shared: History = [[0, ["a0", "a1", "a2"]]];
      // Leader 1 holds epochs 0, 1 and 3; broker 2 wrote in epoch 2, which 1 never saw.
      const leaderLog: History = [...shared, [1, ["b3", "b4"]], [3, ["c5", "c6", "c7"]]];
      const cluster = await openWith(world, {
        1: leaderLog,
        2: [...shared, [2, ["d3", "d4", "d5"]]],
        3: leaderLog,
      }, { logger, initial: { leader: 1, leaderEpoch: 4 } });
      expect(await cluster.produce(["n8"])).toMatchObject({ ok: true, lastOffset: 8 });
      const follower = cluster.brokers.get(2)!;
      // Asked about epoch 2, the leader answers epoch 1 (ending at 5), which 2 lacks: 2 cuts
      // from its epoch after 0 (offset 3) and asks about epoch 0, which ends at 3 on both.
      const cuts = lines.filter((l) => l.event === "replica.truncated" && l.brokerId === 2);
      expect(cuts.map((l) => [l.from, l.to])).toEqual([[6, 3]]);
      const leaderRecords = await recordsOf(cluster.leader!.log);
      expect(leaderRecords.map((r) => r.value)).toEqual([
        "a0",
        "a1",
        "a2",
        "b3",
        "b4",
        "c5",
        "c6",
        "c7",
        "n8",
      ]);
      expect(await recordsOf(follower.log)).toEqual(leaderRecords);
      expect(follower.log.leaderEpochs!.entries()).toEqual([
        { epoch: 0, startOffset: 0 },
        { epoch: 1, startOffset: 3 },
        { epoch: 3, startOffset: 5 },
        { epoch: 4, startOffset: 8 },
      ]);
      await cluster.close();
    },
  );

  simulate(
    "a follower whose HW is above the leader's epoch end truncates below it, loudly, and rejoins",
    async (world) => {
      const { logger, lines } = captureLogs();
      const cluster = await openWith(world, {
        1: [[0, ["a0", "a1", "a2"]]],
        2: [[0, ["a0", "a1", "a2", "a3", "a4"]]],
        3: [[0, ["a0", "a1", "a2"]]],
      }, {
        logger,
        // 2 had learnt HW 5 from a leader whose last in-sync copy (1) lost 3-4 in a power cut.
        initial: { leader: 1, leaderEpoch: 1, isr: [1, 3] },
        initialHighWatermark: (id) => (id === 2 ? 5 : 3),
      });
      const rt = world.runtime("test");
      const follower = cluster.brokers.get(2)!;
      await waitUntil(rt, "2 back in the ISR", () => cluster.state.isr.includes(2), 5_000);
      const cuts = lines.filter((l) => l.event === "replica.truncated_below_hw");
      expect(cuts).toHaveLength(1);
      expect(cuts[0]).toMatchObject({
        level: "warn",
        brokerId: 2,
        topic: KEY.topic,
        partition: KEY.partition,
        from: 5,
        to: 3,
        highWatermark: 5,
        leaderEpoch: 1,
      });
      expect(lines.filter((l) => l.event === "partition.offline")).toEqual([]);
      expect(follower.manager.roleOf(KEY)).toBe("follower");
      expect(follower.manager.metrics()).toMatchObject({
        offlinePartitions: 0,
        truncationsBelowHighWatermark: 1,
      });
      expect(await cluster.produce(["n3"])).toMatchObject({ ok: true, lastOffset: 3 });
      await waitUntil(rt, "2 holds n3", () => follower.log.logEndOffset === 4, 5_000);
      expect(await recordsOf(follower.log)).toEqual(await recordsOf(cluster.leader!.log));
      await cluster.close();
    },
  );
});

describe("ReplicaManager: a follower below the leader's log start", () => {
  simulate("starts over at the leader's log start and fetches from there", async (world) => {
    const { logger, lines } = captureLogs();
    const cluster = await ReplicaCluster.open(world, {
      config,
      logger,
      prepare: async (id, log) => {
        if (id !== 1) return;
        await write(log, [[0, ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"]]]);
        await log.deleteRecordsBefore(6);
      },
      // Out of the ISR, and so far behind that the leader no longer has what they need.
      initial: { isr: [1] },
      initialHighWatermark: (id) => (id === 1 ? 8 : 0),
    });
    expect(await cluster.produce(["n8"], { minInsync: 1 })).toMatchObject({
      ok: true,
      lastOffset: 8,
    });
    const rt = world.runtime("test");
    await waitUntil(rt, "2 and 3 join the ISR", () => cluster.state.isr.length === 3, 5_000);
    const resets = lines.filter((l) => l.event === "replica.reset");
    expect(resets.map((l) => [l.brokerId, l.logStartOffset]).sort()).toEqual([[2, 6], [3, 6]]);
    const leaderRecords = await recordsOf(cluster.leader!.log);
    expect(leaderRecords.map((r) => r.value)).toEqual(["a6", "a7", "n8"]);
    for (const id of [2, 3]) {
      const log = cluster.brokers.get(id)!.log;
      expect(log.logStartOffset).toBe(6);
      expect(await recordsOf(log)).toEqual(leaderRecords);
    }
    await cluster.close();
  });
});

describe("ReplicaManager: invariants", () => {
  it("an invariant failing in a follower's log work takes that replica offline, only", async () => {
    // Not a watched seed: the violation is raised on purpose, and contained.
    const world = new SimWorld({ seed: 4 });
    const { logger, lines } = captureLogs();
    await world.run(async () => {
      const cluster = await ReplicaCluster.open(world, { config, logger });
      const follower = cluster.brokers.get(2)!;
      const violation = new InvariantViolation("test: a broken append");
      follower.replica.appendReplicated = () => {
        throw violation;
      };
      expect(await cluster.produce(["a"], { timeoutMs: 10_000 })).toMatchObject({ ok: true });
      expect(follower.manager.roleOf(KEY)).toBe("offline");
      const violated = lines.filter((l) => l.event === "invariant.violated");
      expect(violated).toHaveLength(1);
      expect(violated[0]).toMatchObject({ brokerId: 2, invariant: "test: a broken append" });
      expect(uncontainedInvariantIn(violation)).toBe(false);
      expect(cluster.brokers.get(3)!.log.logEndOffset).toBe(1);
      await cluster.close();
    }, bounds);
  }, 60_000);
});
