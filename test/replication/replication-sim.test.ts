// Seeded simulation of one partition's replication (sim/cluster.ts drives the real states;
// sim/checker.ts says what is checked after every event).
//
//   npx vitest run test/replication/replication-sim.test.ts        100 seeds (SIM_SEEDS=N)
//   SIM_SEED=1234 npx vitest run test/replication/replication-sim.test.ts   replay one, traced
import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../runtime/sim/prng.ts";
import { runWatchedSeed, SeedTrace, simSeeds } from "../support/sim-seeds.ts";
import { type ClusterStats, ReplicationCluster } from "./sim/cluster.ts";

const SEEDS_DEFAULT = 100;
const FAULTY_MS = 8_000;
const QUIET_MS = 2_000;
const names = {
  simulation: "replication simulation",
  testPath: "test/replication/replication-sim.test.ts",
};

async function runSeed(seed: number, verbose: boolean): Promise<ClusterStats> {
  const trace = new SeedTrace(verbose);
  return await runWatchedSeed(seed, names, () => {
    const cluster = new ReplicationCluster(new SeededRandom(seed), trace.line);
    cluster.run(FAULTY_MS, QUIET_MS);
    return cluster.stats;
  }, trace);
}

describe("replication simulation", () => {
  const plan = simSeeds(SEEDS_DEFAULT);

  it(plan.title, async () => {
    const total: Record<string, number> = {};
    for (const seed of plan.seeds) {
      const stats = await runSeed(seed, plan.replaying);
      for (const [name, n] of Object.entries(stats)) total[name] = (total[name] ?? 0) + n;
    }
    if (process.env.SIM_STATS === "1") {
      console.log(`replication simulation: ${JSON.stringify(total)}`);
    }
    expect(plan.seeds.length).toBeGreaterThan(0);
    // The default run must reach the paths it exists for.
    if (plan.seeds.length >= 100) {
      for (
        const path of [
          "acked",
          "elections",
          "shrinks",
          "expands",
          "truncations",
          "timedOut",
          "restarts",
          "afterAppend",
        ]
      ) {
        expect(total[path], path).toBeGreaterThan(0);
      }
    }
  }, 600_000);
});
