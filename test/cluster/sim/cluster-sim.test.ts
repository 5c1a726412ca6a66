// The whole-cluster deterministic simulation (issue 11 §5): 3 and 5 real cluster nodes with
// producers and a consumer under crashes, partitions, loss, latency and fsync failures, then
// healed; the invariants of cluster-checker.ts hold and the cluster makes progress again.
//
//   SIM_SEEDS=N SIM_SEED_BASE=B SIM_NODES=3|5 npx vitest run test/cluster/sim/cluster-sim.test.ts
//   SIM_SEED=S SIM_NODES=5 npx vitest run test/cluster/sim/cluster-sim.test.ts   (replay one)
//   npm run sim -- --seeds N --nodes 5                                           (more seeds)
import { describe, expect, it } from "vitest";
import { runWatchedSeed, type SeedPlan, SeedTrace, simSeeds } from "../../support/sim-seeds.ts";
import { runScenario } from "./scenario.ts";

const TEST_PATH = "test/cluster/sim/cluster-sim.test.ts";
const FAULT_MS = 20_000;
/**
 * Seeds per node count in CI, and where they start: the largest counts that keep this file
 * under about 3 minutes on the 2-core CI machine (docs/cluster-simulation.md). Seeds 7 and 23
 * of 3 nodes found the duplicate and the rewind fixed in src/client/sender.ts and
 * fetch-loop.ts: they stay in the range.
 */
const CI_SEEDS = { 3: { count: 45, base: 1 }, 5: { count: 16, base: 1 } } as const;
const TIMEOUT_MS = 170_000;
/** Real time one seed may take on a loaded machine (they take 2 to 5 s). */
const SEED_MS_MAX = 30_000;

function nodeCounts(): number[] {
  const only = process.env.SIM_NODES;
  return only === undefined || only === "" ? [3, 5] : [Number(only)];
}

/** simSeeds(), with this file's own first seed when SIM_SEED_BASE does not set one. */
function seedPlan(nodeCount: number): SeedPlan {
  const ci = nodeCount === 3 ? CI_SEEDS[3] : CI_SEEDS[5];
  const plan = simSeeds(ci.count);
  if (plan.replaying || (process.env.SIM_SEED_BASE ?? "") !== "") return plan;
  const seeds = plan.seeds.map((s) => s - 1 + ci.base);
  return { ...plan, seeds, title: `${seeds.length} seeds from ${ci.base}` };
}

for (const nodeCount of nodeCounts()) {
  const plan = seedPlan(nodeCount);
  describe(`cluster simulation, ${nodeCount} nodes`, () => {
    it(`keeps its invariants and makes progress after healing (${plan.title})`, async () => {
      const totals = { seeds: 0, acked: 0, consumed: 0, crashes: 0, virtualMs: 0 };
      const keepGoing = process.env.SIM_KEEP_GOING === "1";
      const failures: unknown[] = [];
      for (const seed of plan.seeds) {
        const trace = new SeedTrace(plan.replaying);
        const names = {
          simulation: `cluster simulation (${nodeCount} nodes)`,
          testPath: TEST_PATH,
          replay: `SIM_SEED=${seed} SIM_NODES=${nodeCount} npx vitest run ${TEST_PATH}`,
        };
        const run = runWatchedSeed(seed, names, async () => {
          const r = await runScenario({
            seed,
            nodeCount,
            faultMs: FAULT_MS,
            onLog: (line) => {
              if (/ (WARN|ERROR) |^\d+ fault|^start /.test(line)) trace.line(line);
            },
          });
          if (r.violations.length > 0) throw new Error(r.violations.join("\n"));
          return r;
        }, trace);
        // SIM_KEEP_GOING: every seed runs and all failures are reported at the end (npm run sim).
        const result = keepGoing ? await run.catch((err) => void failures.push(err)) : await run;
        if (result === undefined) continue;
        if (plan.replaying) console.log(JSON.stringify(result));
        totals.seeds++;
        totals.acked += result.stats.ackedAll;
        totals.consumed += result.stats.consumed;
        totals.crashes += result.faults.crashes;
        totals.virtualMs += result.virtualMs;
        // The run did real work: records were acknowledged and read, invariants were checked.
        expect(result.stats.ackedAll).toBeGreaterThan(0);
        expect(result.checks.replicaReads).toBeGreaterThan(0);
        expect(result.checks.metadata).toBeGreaterThan(0);
      }
      const failed = failures.map((f) => (f instanceof Error ? f.message.split("\n")[0] : f));
      if (process.env.SIM_SUMMARY) {
        console.log(`${nodeCount} nodes: passed ${JSON.stringify(totals)}`);
        console.log(`${nodeCount} nodes: ${failed.length} failed\n${failed.join("\n")}`);
      }
      if (failures.length > 0) throw failures[0];
    }, Math.max(TIMEOUT_MS, plan.seeds.length * SEED_MS_MAX));
  });
}
