// Seeded simulation of log compaction: keyed appends, tombstones, cleaning passes and power cuts
// in the middle of them (see compaction-workload.ts; compaction-model.ts says what is checked).
//
//   npx vitest run test/sim/log/compaction                     500 seeds (SIM_SEEDS=N to change)
//   SIM_SEED=1234 npx vitest run test/sim/log/compaction       replay one seed, printing its trace
//   SIM_SEED_BASE=5000 npx vitest run test/sim/log/compaction  start the seed range elsewhere

import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { runWatchedSeed, SeedTrace, simSeeds } from "../../support/sim-seeds.ts";
import { type CompactionStats, CompactionWorkload } from "./compaction-workload.ts";

const STEPS_PER_SEED = 50;
const SEEDS_DEFAULT = 500;

async function runSeed(seed: number, verbose: boolean): Promise<CompactionStats> {
  const world = new SimWorld({ seed });
  const trace = new SeedTrace(verbose);
  const workload = new CompactionWorkload(world, { steps: STEPS_PER_SEED, trace: trace.line });
  const names = { simulation: "compaction simulation", testPath: "test/sim/log/compaction" };
  await runWatchedSeed(
    seed,
    names,
    () => world.run(() => workload.run(), { maxSteps: 200_000, maxVirtualMs: 30 * 24 * 3600_000 }),
    trace,
  );
  return workload.stats;
}

describe("log compaction simulation", () => {
  const plan = simSeeds(SEEDS_DEFAULT);

  it(plan.title, async () => {
    const seeds = plan.seeds;
    const total: Record<string, number> = {};
    for (const seed of seeds) {
      const stats = await runSeed(seed, plan.replaying);
      for (const [name, n] of Object.entries(stats)) total[name] = (total[name] ?? 0) + n;
    }
    if (process.env.SIM_STATS === "1") {
      console.log(`compaction simulation: ${JSON.stringify(total)}`);
    }
    expect(seeds.length).toBeGreaterThan(0);
    // The default run must reach the paths it exists for.
    if (seeds.length >= 100) {
      expect(total.cutsMidClean).toBeGreaterThan(0);
      expect(total.swapsFinishedAtOpen).toBeGreaterThan(0);
      expect(total.tombstonesGone).toBeGreaterThan(0);
    }
  }, 600_000);
});
