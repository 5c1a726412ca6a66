// npm run sim -- --seeds N [--nodes 3|5] [--base B] [--seed S]
// Runs the whole-cluster simulation (test/cluster/sim/cluster-sim.test.ts) for more seeds than
// CI does, every seed even after a failure (all failures listed at the end), through vitest with the seed plan in the environment (test/support/sim-seeds.ts).
import { spawnSync } from "node:child_process";

const TEST = "test/cluster/sim/cluster-sim.test.ts";
const flags = { seeds: "SIM_SEEDS", nodes: "SIM_NODES", base: "SIM_SEED_BASE", seed: "SIM_SEED" };
const env = { ...process.env, SIM_SUMMARY: "1", SIM_KEEP_GOING: "1" };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const name = args[i].replace(/^--/, "");
  const value = args[i + 1];
  if (!(name in flags) || value === undefined || !/^\d+$/.test(value)) {
    console.error(`usage: npm run sim -- --seeds N [--nodes 3|5] [--base B] [--seed S]`);
    process.exit(2);
  }
  env[flags[name]] = value;
  i++;
}
const run = spawnSync("npx", ["vitest", "run", TEST], { stdio: "inherit", env });
process.exit(run.status ?? 1);
