// The whole-cluster deterministic simulation as a vitest suite (issue 11 §5): 3 or 5 real
// cluster nodes with producers and a consumer under crashes, partitions, loss, latency and
// fsync failures, then healed; the invariants of cluster-checker.ts hold and the cluster makes
// progress again. CI's seeds are spread over the thin cluster-sim-*.test.ts files, one range of
// one node count each, so vitest's workers run them side by side.
//
// Each file reads the environment (test/support/sim-seeds.ts):
//   SIM_SEED=S        replay seed S, printing its trace and result
//   SIM_SEEDS=N       run N seeds instead of the file's own count
//   SIM_SEED_BASE=B   start at seed B instead of the file's own first seed
//   SIM_NODES=3|5     simulate that many nodes instead of the file's own count
//   SIM_KEEP_GOING=1  run every seed after a failure, failing at the end (npm run sim)
//   SIM_SUMMARY=1     print totals and one SIM_FAILED line per failed seed (npm run sim)
import { describe, expect, it } from "vitest";
import { runWatchedSeed, type SeedPlan, SeedTrace, simSeeds } from "../../support/sim-seeds.ts";
import { runScenario } from "./scenario.ts";

const FAULT_MS = 20_000;
/** Real time one seed may take on a loaded machine (they take 1 to 5 s). */
const SEED_MS_MAX = 30_000;
const TIMEOUT_MS_MIN = 170_000;
/** Marks the line npm run sim (scripts/sim.mjs) collects for each failed seed. */
export const FAILED_MARK = "SIM_FAILED ";

export interface ClusterSimSuite {
  /** The test file, as `npx vitest run` takes it: the replay command names it. */
  testPath: string;
  nodeCount: 3 | 5;
  /** First seed and how many seeds this file runs in CI. */
  base: number;
  count: number;
  /**
   * Seeds of the range left out of CI, each with why (a failure that is reported, not fixed).
   * They still run with SIM_SEED or an explicit SIM_SEEDS range.
   */
  skipped?: Readonly<Record<number, string>>;
}

function nodeCountOf(suite: ClusterSimSuite): number {
  const only = process.env.SIM_NODES;
  if (only === undefined || only === "") return suite.nodeCount;
  if (only !== "3" && only !== "5") throw new Error(`SIM_NODES must be 3 or 5, got ${only}`);
  return Number(only);
}

/** simSeeds(), with this file's own range when SIM_SEEDS and SIM_SEED_BASE do not set one. */
function seedPlan(suite: ClusterSimSuite): SeedPlan {
  const plan = simSeeds(suite.count);
  const env = (name: string) => (process.env[name] ?? "") !== "";
  if (plan.replaying || env("SIM_SEEDS") || env("SIM_SEED_BASE")) return plan;
  const skipped = suite.skipped ?? {};
  const seeds = plan.seeds.map((s) => s - 1 + suite.base).filter((s) => !(s in skipped));
  const last = suite.base + suite.count - 1;
  const left = suite.count - seeds.length;
  const title = `seeds ${suite.base}-${last}${left > 0 ? ` but ${left} listed` : ""}`;
  return { ...plan, seeds, title };
}

interface Totals {
  seeds: number;
  acked: number;
  consumed: number;
  crashes: number;
  virtualMs: number;
}

export function defineClusterSimSuite(suite: ClusterSimSuite): void {
  const nodeCount = nodeCountOf(suite);
  const plan = seedPlan(suite);
  const keepGoing = process.env.SIM_KEEP_GOING === "1";
  const summary = process.env.SIM_SUMMARY === "1";
  describe(`cluster simulation, ${nodeCount} nodes`, () => {
    it(`keeps its invariants and makes progress after healing (${plan.title})`, async () => {
      const totals: Totals = { seeds: 0, acked: 0, consumed: 0, crashes: 0, virtualMs: 0 };
      const failures: Error[] = [];
      for (const seed of plan.seeds) {
        const replay = `SIM_SEED=${seed} SIM_NODES=${nodeCount} npx vitest run ${suite.testPath}`;
        const run = runSeed(seed, nodeCount, suite.testPath, replay, plan.replaying);
        const result = keepGoing
          ? await run.catch((err: Error) => {
            failures.push(err);
            if (summary) console.log(failedLine(seed, nodeCount, replay, err));
          })
          : await run;
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
      if (summary) console.log(`${nodeCount} nodes: passed ${JSON.stringify(totals)}`);
      if (failures.length > 0) throw failures[0];
    }, Math.max(TIMEOUT_MS_MIN, plan.seeds.length * SEED_MS_MAX));
  });
}

function runSeed(
  seed: number,
  nodeCount: number,
  testPath: string,
  replay: string,
  replaying: boolean,
): ReturnType<typeof runScenario> {
  const trace = new SeedTrace(replaying);
  const names = { simulation: `cluster simulation (${nodeCount} nodes)`, testPath, replay };
  return runWatchedSeed(seed, names, async () => {
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
}

/** One line per failed seed: what failed first and the command that replays it. */
function failedLine(seed: number, nodeCount: number, replay: string, err: Error): string {
  const first = err.message.split("\n")[0];
  return FAILED_MARK + JSON.stringify({ seed, nodeCount, first, replay });
}
