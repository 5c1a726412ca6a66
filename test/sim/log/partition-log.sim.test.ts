// Seeded simulation of the partition log: random workloads with power cuts on a MemoryFileSystem
// (see log-workload.ts for what happens, log-model.ts for what is checked).
//
//   npx vitest run test/sim/log                      1000 seeds (SIM_SEEDS=N for more or fewer)
//   SIM_SEED=1234 npx vitest run test/sim/log        replay one seed, printing its trace
//   SIM_SEED_BASE=5000 npx vitest run test/sim/log   start the seed range elsewhere

import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { LogWorkload } from "./log-workload.ts";

const STEPS_PER_SEED = 60;
const TRACE_TAIL_LINES = 40;
const SEEDS_DEFAULT = 1000;

function envInt(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${text}`);
  }
  return value;
}

async function runSeed(seed: number, verbose: boolean): Promise<void> {
  const world = new SimWorld({ seed });
  const trace: string[] = [];
  const workload = new LogWorkload(world, {
    steps: STEPS_PER_SEED,
    trace: (line) => {
      trace.push(line);
      if (verbose) console.log(line);
    },
  });
  try {
    await world.run(() => workload.run(), { maxSteps: 100_000, maxVirtualMs: 30 * 24 * 3600_000 });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const tail = trace.slice(-TRACE_TAIL_LINES).join("\n  ");
    throw new Error(
      `log simulation seed ${seed} failed: ${message}\n` +
        `replay: SIM_SEED=${seed} npx vitest run test/sim/log\n` +
        `last operations:\n  ${tail}`,
      { cause: err },
    );
  }
}

describe("partition log simulation", () => {
  const only = envInt("SIM_SEED");
  const count = envInt("SIM_SEEDS") ?? SEEDS_DEFAULT;
  const base = envInt("SIM_SEED_BASE") ?? 1;

  it(only !== undefined ? `seed ${only}` : `${count} seeds from ${base}`, async () => {
    const seeds = only !== undefined ? [only] : Array.from({ length: count }, (_, i) => base + i);
    for (const seed of seeds) await runSeed(seed, only !== undefined);
    expect(seeds.length).toBeGreaterThan(0);
  }, 600_000);
});
