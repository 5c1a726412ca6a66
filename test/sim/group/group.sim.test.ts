// Seeded simulation of the consumer-group coordinator (see group-workload.ts for what happens,
// group-checks.ts for what is checked).
//
//   npx vitest run test/sim/group                      1000 seeds (SIM_SEEDS=N for more or fewer)
//   SIM_SEED=1234 npx vitest run test/sim/group        replay one seed, printing its trace
//   SIM_SEED_BASE=5000 npx vitest run test/sim/group   start the seed range elsewhere

import { describe, expect, it } from "vitest";
import { GroupWorkload } from "./group-workload.ts";

const STEPS_PER_SEED = 120;
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

function runSeed(seed: number, verbose: boolean): void {
  const trace: string[] = [];
  try {
    const workload = new GroupWorkload({
      seed,
      steps: STEPS_PER_SEED,
      trace: (line) => {
        trace.push(line);
        if (verbose) console.log(line);
      },
    });
    workload.run();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const tail = trace.slice(-TRACE_TAIL_LINES).join("\n  ");
    throw new Error(
      `group simulation seed ${seed} failed: ${message}\n` +
        `replay: SIM_SEED=${seed} npx vitest run test/sim/group\n` +
        `last operations:\n  ${tail}`,
      { cause: err },
    );
  }
}

describe("consumer group simulation", () => {
  const only = envInt("SIM_SEED");
  const count = envInt("SIM_SEEDS") ?? SEEDS_DEFAULT;
  const base = envInt("SIM_SEED_BASE") ?? 1;

  it(only !== undefined ? `seed ${only}` : `${count} seeds from ${base}`, () => {
    const seeds = only !== undefined ? [only] : Array.from({ length: count }, (_, i) => base + i);
    for (const seed of seeds) runSeed(seed, only !== undefined);
    expect(seeds.length).toBeGreaterThan(0);
  }, 600_000);
});
