// Seeded runs of three ReplicaManagers over real logs (cluster.ts): random produces, message
// loss and delay, cut-off brokers, power cuts (unsynced writes lost) with restarts, and clean
// leader moves; then the faults stop and the cluster must converge. Checked:
// - every acks=all-acknowledged record is at its offset on the final leader with its bytes;
// - replicas agree below the HW (sampled during the run, and at the end on every broker);
// - the HW each broker reports never goes back (per incarnation: a restart starts it at 0).
//
//   npx vitest run test/replication/manager/replica-manager-sim.test.ts     30 seeds (SIM_SEEDS=N)
//   SIM_SEED=12 npx vitest run test/replication/manager/replica-manager-sim.test.ts   one, traced
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { createLogger } from "../../../src/logging/logger.ts";
import { runWatchedSeed, SeedTrace, simSeeds } from "../../support/sim-seeds.ts";
import { type Broker, KEY, ReplicaCluster } from "./cluster.ts";
import { recordsOf, type StoredRecord, waitUntil } from "./support.ts";

const SEEDS_DEFAULT = 30;
const FAULTY_MS = 6_000;
const IN_FLIGHT_MAX = 4;
const names = {
  simulation: "replica manager simulation",
  testPath: "test/replication/manager/replica-manager-sim.test.ts",
};
const bounds = { maxSteps: 5_000_000, maxVirtualMs: 300_000 };

interface Stats {
  acked: number;
  refused: number;
  moves: number;
  crashes: number;
  cuts: number;
  shrinks: number;
  expands: number;
  truncations: number;
}

async function runSeed(seed: number, trace: SeedTrace): Promise<Stats> {
  const world = new SimWorld({ seed, latencyMs: [1, 5] });
  const random = world.random;
  const lagMs = 300 + random.int(900);
  const cluster = await world.run(() =>
    ReplicaCluster.open(world, {
      lossRate: random.int(4) === 0 ? 0 : random.float() * 0.05,
      latencyMs: [1, 1 + random.int(15)],
      config: {
        replicaLagTimeMaxMs: lagMs,
        replicaFetchWaitMaxMs: 50 + random.int(250),
        // A lost message is noticed by this timeout alone (no connection to break).
        requestTimeoutMs: 300 + random.int(1_000),
      },
      trace: trace.line,
      logger: createLogger({
        level: "debug",
        format: "text",
        nowMs: () => world.scheduler.clock.monotonicMs(),
        write: (line) => trace.line(line.trimEnd()),
      }),
    }), bounds);
  const stats: Stats = {
    acked: 0,
    refused: 0,
    moves: 0,
    crashes: 0,
    cuts: 0,
    shrinks: 0,
    expands: 0,
    truncations: 0,
  };
  const acked = new Map<number, string>();
  let inFlight = 0;
  let seq = 0;
  const produceOne = async (): Promise<boolean> => {
    const value = `v${seq++}`;
    inFlight++;
    try {
      const outcome = await cluster.produce([value], { timeoutMs: 1_000 + random.int(2_000) });
      if (outcome.ok) {
        stats.acked++;
        expect(acked.has(outcome.baseOffset), `offset ${outcome.baseOffset} acked twice`).toBe(
          false,
        );
        acked.set(outcome.baseOffset, value);
        cluster.trace(`acked ${value}@${outcome.baseOffset} by ${outcome.leaderId}`);
      } else {
        stats.refused++;
        cluster.trace(`refused ${value}: ${outcome.code}`);
      }
      return outcome.ok;
    } finally {
      inFlight--;
    }
  };

  await world.run(async () => {
    const rt = world.runtime("test");
    const down = new Set<number>();
    const start = rt.clock.monotonicMs();
    let steps = 0;
    while (rt.clock.monotonicMs() - start < FAULTY_MS) {
      await rt.timers.sleep(10 + random.int(150));
      steps++;
      const ids = [...cluster.brokers.keys()];
      const pick = ids[random.int(ids.length)];
      const roll = random.int(100);
      if (roll < 55) {
        if (inFlight < IN_FLIGHT_MAX) void produceOne();
      } else if (roll < 65) {
        if (cluster.cut.size === 0 && !down.has(pick)) {
          cluster.cutOff(pick);
          stats.cuts++;
        } else {
          for (const id of [...cluster.cut]) cluster.heal(id);
        }
      } else if (roll < 72) {
        if (down.size === 0) {
          cluster.crash(pick);
          down.add(pick);
          stats.crashes++;
        } else {
          for (const id of [...down]) await cluster.restart(id);
          down.clear();
        }
      } else if (roll < 78) {
        if (cluster.moveLeader()) stats.moves++;
      }
      if (steps % 8 === 0) await checkAgreeBelowHw(cluster);
    }
    // Quiet: every fault ends; a last produce must be acknowledged and every replica converge.
    for (const id of [...cluster.cut]) cluster.heal(id);
    for (const id of down) await cluster.restart(id);
    await waitUntil(rt, "in-flight produces end", () => inFlight === 0, 10_000);
    let lastAcked = false;
    for (let attempt = 0; attempt < 100 && !lastAcked; attempt++) {
      lastAcked = await produceOne();
      if (!lastAcked) await rt.timers.sleep(100);
    }
    expect(lastAcked, "a produce is acknowledged once the faults stop").toBe(true);
    await waitUntil(rt, "every replica converges", () => converged(cluster), 20_000);
    await checkFinal(cluster, acked);
    for (const broker of cluster.brokers.values()) {
      const m = broker.manager.metrics();
      stats.shrinks += m.isrShrinks;
      stats.expands += m.isrExpands;
      stats.truncations += broker.log.truncations;
      expect(m.offlinePartitions, `b${broker.id} offline`).toBe(0);
    }
    await cluster.close();
  }, bounds);
  return stats;
}

function converged(cluster: ReplicaCluster): boolean {
  const leader = cluster.leader;
  if (leader === null || leader.manager.roleOf(KEY) !== "leader") return false;
  if (cluster.state.isr.length !== cluster.state.replicas.length) return false;
  return [...cluster.brokers.values()].every((b) =>
    b.alive && b.log.logEndOffset === leader.log.logEndOffset &&
    b.replica.highWatermark === leader.replica.highWatermark
  );
}

/** Every pair of live brokers holds the same records below the smaller of their HWs. */
async function checkAgreeBelowHw(cluster: ReplicaCluster): Promise<void> {
  const live = [...cluster.brokers.values()].filter((b) => b.alive);
  const prefixes = await Promise.all(live.map(async (b) => ({ b, records: await below(b) })));
  for (let i = 0; i < prefixes.length; i++) {
    for (let j = i + 1; j < prefixes.length; j++) {
      const n = Math.min(prefixes[i].records.length, prefixes[j].records.length);
      expect(
        prefixes[j].records.slice(0, n),
        `b${prefixes[i].b.id} and b${prefixes[j].b.id} below their HWs`,
      ).toEqual(prefixes[i].records.slice(0, n));
    }
  }
}

async function below(broker: Broker): Promise<StoredRecord[]> {
  const hw = broker.replica.highWatermark;
  return (await recordsOf(broker.log)).filter((r) => r.offset < hw);
}

async function checkFinal(cluster: ReplicaCluster, acked: Map<number, string>): Promise<void> {
  const leader = cluster.leader!;
  const final = await recordsOf(leader.log);
  const byOffset = new Map(final.map((r) => [r.offset, r.value]));
  for (const [offset, value] of acked) {
    expect(byOffset.get(offset), `acked ${value} at ${offset} on the final leader`).toBe(value);
  }
  for (const broker of cluster.brokers.values()) {
    expect(await recordsOf(broker.log), `b${broker.id} holds the leader's log`).toEqual(final);
    const hws = broker.highWatermarks;
    for (let i = 1; i < hws.length; i++) {
      expect(hws[i], `b${broker.id} HW went back`).toBeGreaterThanOrEqual(hws[i - 1]);
    }
  }
}

describe("replica manager simulation", () => {
  const plan = simSeeds(SEEDS_DEFAULT);

  it(plan.title, async () => {
    const total: Record<string, number> = {};
    for (const seed of plan.seeds) {
      const trace = new SeedTrace(plan.replaying);
      const stats = await runWatchedSeed(seed, names, () => runSeed(seed, trace), trace);
      for (const [name, n] of Object.entries(stats)) total[name] = (total[name] ?? 0) + n;
    }
    if (process.env.SIM_STATS === "1") console.log(`replica manager sim: ${JSON.stringify(total)}`);
    expect(plan.seeds.length).toBeGreaterThan(0);
    if (plan.seeds.length >= SEEDS_DEFAULT) {
      // The default run must reach the paths it exists for.
      for (
        const path of ["acked", "moves", "crashes", "cuts", "shrinks", "expands", "truncations"]
      ) {
        expect(total[path], path).toBeGreaterThan(0);
      }
    }
  }, 600_000);
});
