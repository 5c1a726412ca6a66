// Seeded simulation of the partition log: random workloads with power cuts on a MemoryFileSystem
// (see log-workload.ts for what happens, log-model.ts for what is checked).
//
//   npx vitest run test/sim/log                      1000 seeds (SIM_SEEDS=N for more or fewer)
//   SIM_SEED=1234 npx vitest run test/sim/log        replay one seed, printing its trace
//   SIM_SEED_BASE=5000 npx vitest run test/sim/log   start the seed range elsewhere

import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { runWatchedSeed, SeedTrace, simSeeds } from "../../support/sim-seeds.ts";
import { LogWorkload } from "./log-workload.ts";

const STEPS_PER_SEED = 60;
const SEEDS_DEFAULT = 1000;

async function runSeed(seed: number, verbose: boolean): Promise<void> {
  const world = new SimWorld({ seed });
  const trace = new SeedTrace(verbose);
  const workload = new LogWorkload(world, { steps: STEPS_PER_SEED, trace: trace.line });
  const names = { simulation: "log simulation", testPath: "test/sim/log" };
  await runWatchedSeed(
    seed,
    names,
    () => world.run(() => workload.run(), { maxSteps: 100_000, maxVirtualMs: 30 * 24 * 3600_000 }),
    trace,
  );
}

describe("partition log simulation", () => {
  const plan = simSeeds(SEEDS_DEFAULT);

  it(plan.title, async () => {
    for (const seed of plan.seeds) await runSeed(seed, plan.replaying);
    expect(plan.seeds.length).toBeGreaterThan(0);
  }, 600_000);
});
