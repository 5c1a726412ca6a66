// Seeded simulation of a whole Raft quorum (sim-cluster.ts): faults for a few virtual seconds,
// then a healed network in which a proposal must commit everywhere within a bound.
//
//   npx vitest run test/controller/raft/sim.test.ts             200 seeds each for 3 and 5 nodes
//   SIM_SEEDS=2000 npx vitest run test/controller/raft/sim.test.ts
//   SIM_SEED=1234 npx vitest run test/controller/raft/sim.test.ts -t "5 nodes"   replay one seed
import { describe, expect, it } from "vitest";
import { runWatchedSeed, SeedTrace, simSeeds } from "../../support/sim-seeds.ts";
import { SIM_RAFT_CONFIG, SimCluster } from "./sim-cluster.ts";

const SEEDS_DEFAULT = 200;
const FAULT_PHASE_MS = 8_000;
/** After healing: a few election rounds (each at most 2 election timeouts) plus replication. */
const LIVENESS_BOUND_MS = 10 * SIM_RAFT_CONFIG.electionTimeoutMs;
const TEST_PATH = "test/controller/raft/sim.test.ts";

for (const nodeCount of [3, 5]) {
  describe(`raft simulation, ${nodeCount} nodes`, () => {
    const plan = simSeeds(SEEDS_DEFAULT);

    it(plan.title, async () => {
      let livenessMsMax = 0;
      let committed = 0;
      let terms = 0;
      let installs = 0;
      for (const seed of plan.seeds) {
        const trace = new SeedTrace(plan.replaying);
        const names = {
          simulation: `raft simulation (${nodeCount} nodes)`,
          testPath: TEST_PATH,
          replay: `SIM_SEED=${seed} npx vitest run ${TEST_PATH} -t "${nodeCount} nodes"`,
        };
        const result = await runWatchedSeed(seed, names, () => {
          const cluster = new SimCluster({
            seed,
            nodeCount,
            faultPhaseMs: FAULT_PHASE_MS,
            livenessBoundMs: LIVENESS_BOUND_MS,
            trace: trace.line,
          });
          return cluster.run();
        }, trace);
        livenessMsMax = Math.max(livenessMsMax, result.livenessMs);
        committed += result.committed;
        terms += result.terms;
        installs += result.snapshotsInstalled;
      }
      if (plan.seeds.length >= 100) {
        console.log(
          `raft simulation ${nodeCount} nodes: ${plan.title}, ${committed} entries committed, ` +
            `${terms} terms with a leader, ${installs} snapshots installed, ` +
            `slowest recovery ${livenessMsMax}ms`,
        );
      }
      expect(committed).toBeGreaterThan(plan.seeds.length);
      if (plan.seeds.length >= 100) {
        // The faults must bite: leadership changes hands within a seed, on average, and
        // followers fall far enough behind to need a snapshot.
        expect(terms).toBeGreaterThan(2 * plan.seeds.length);
        expect(installs).toBeGreaterThan(0);
      }
    }, 1_200_000);
  });
}
