// Seeded simulation of the consumer-group coordinator (see group-workload.ts for what happens,
// group-checks.ts for what is checked).
//
//   npx vitest run test/sim/group                      1000 seeds (SIM_SEEDS=N for more or fewer)
//   SIM_SEED=1234 npx vitest run test/sim/group        replay one seed, printing its trace
//   SIM_SEED_BASE=5000 npx vitest run test/sim/group   start the seed range elsewhere

import { describe, expect, it } from "vitest";
import { runWatchedSeed, SeedTrace, simSeeds } from "../../support/sim-seeds.ts";
import { GroupWorkload } from "./group-workload.ts";

const STEPS_PER_SEED = 120;
const SEEDS_DEFAULT = 1000;

async function runSeed(seed: number, verbose: boolean): Promise<void> {
  const trace = new SeedTrace(verbose);
  const names = { simulation: "group simulation", testPath: "test/sim/group" };
  await runWatchedSeed(seed, names, () => {
    const workload = new GroupWorkload({ seed, steps: STEPS_PER_SEED, trace: trace.line });
    workload.run();
  }, trace);
}

describe("consumer group simulation", () => {
  const plan = simSeeds(SEEDS_DEFAULT);

  it(plan.title, async () => {
    for (const seed of plan.seeds) await runSeed(seed, plan.replaying);
    expect(plan.seeds.length).toBeGreaterThan(0);
  }, 600_000);
});
