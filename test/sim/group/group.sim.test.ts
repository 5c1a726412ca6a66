// Seeded simulation of the consumer-group coordinator (see group-workload.ts for what happens,
// group-checks.ts for what is checked).
//
//   npx vitest run test/sim/group                      1000 seeds (SIM_SEEDS=N for more or fewer)
//   SIM_SEED=1234 npx vitest run test/sim/group        replay one seed, printing its trace
//   SIM_SEED_BASE=5000 npx vitest run test/sim/group   start the seed range elsewhere

import { describe, expect, it } from "vitest";
import { SeedTrace, simSeeds } from "../../support/sim-seeds.ts";
import { GroupWorkload } from "./group-workload.ts";

const STEPS_PER_SEED = 120;
const SEEDS_DEFAULT = 1000;

function runSeed(seed: number, verbose: boolean): void {
  const trace = new SeedTrace(verbose);
  try {
    const workload = new GroupWorkload({ seed, steps: STEPS_PER_SEED, trace: trace.line });
    workload.run();
  } catch (err) {
    throw trace.failure(err, seed, { simulation: "group simulation", testPath: "test/sim/group" });
  }
}

describe("consumer group simulation", () => {
  const plan = simSeeds(SEEDS_DEFAULT);

  it(plan.title, () => {
    for (const seed of plan.seeds) runSeed(seed, plan.replaying);
    expect(plan.seeds.length).toBeGreaterThan(0);
  }, 600_000);
});
