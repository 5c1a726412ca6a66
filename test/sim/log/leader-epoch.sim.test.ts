// The partition log simulation (log-workload.ts) with the leader-epoch cache on: batches carry a
// rising leader epoch, and after every step and every open (clean, after a power cut, after a
// cut during recovery) the cache must say what the batches say (leader-epoch-invariant.ts).
//
//   npx vitest run test/sim/log/leader-epoch.sim.test.ts              300 seeds (SIM_SEEDS=N)
//   SIM_SEED=1234 npx vitest run test/sim/log/leader-epoch.sim.test.ts  replay one seed

import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { runWatchedSeed, SeedTrace, simSeeds } from "../../support/sim-seeds.ts";
import { LogWorkload } from "./log-workload.ts";

const STEPS_PER_SEED = 60;
const SEEDS_DEFAULT = 300;

async function runSeed(seed: number, verbose: boolean): Promise<void> {
  const world = new SimWorld({ seed });
  const trace = new SeedTrace(verbose);
  const workload = new LogWorkload(world, {
    steps: STEPS_PER_SEED,
    trace: trace.line,
    leaderEpochs: true,
  });
  const names = {
    simulation: "log simulation with leader epochs",
    testPath: "test/sim/log/leader-epoch.sim.test.ts",
  };
  await runWatchedSeed(
    seed,
    names,
    () => world.run(() => workload.run(), { maxSteps: 100_000, maxVirtualMs: 30 * 24 * 3600_000 }),
    trace,
  );
}

describe("partition log simulation with leader epochs", () => {
  const plan = simSeeds(SEEDS_DEFAULT);

  it(plan.title, async () => {
    for (const seed of plan.seeds) await runSeed(seed, plan.replaying);
    expect(plan.seeds.length).toBeGreaterThan(0);
  }, 600_000);
});
