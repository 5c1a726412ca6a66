// Seeded simulation of log compaction: keyed appends, tombstones, cleaning passes and power cuts
// in the middle of them (see compaction-workload.ts; compaction-model.ts says what is checked).
//
//   npx vitest run test/sim/log/compaction                     500 seeds (SIM_SEEDS=N to change)
//   SIM_SEED=1234 npx vitest run test/sim/log/compaction       replay one seed, printing its trace
//   SIM_SEED_BASE=5000 npx vitest run test/sim/log/compaction  start the seed range elsewhere

import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { type CompactionStats, CompactionWorkload } from "./compaction-workload.ts";

const STEPS_PER_SEED = 50;
const TRACE_TAIL_LINES = 40;
const SEEDS_DEFAULT = 500;

function envInt(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${text}`);
  }
  return value;
}

async function runSeed(seed: number, verbose: boolean): Promise<CompactionStats> {
  const world = new SimWorld({ seed });
  const trace: string[] = [];
  const workload = new CompactionWorkload(world, {
    steps: STEPS_PER_SEED,
    trace: (line) => {
      trace.push(line);
      if (verbose) console.log(line);
    },
  });
  try {
    await world.run(() => workload.run(), { maxSteps: 200_000, maxVirtualMs: 30 * 24 * 3600_000 });
    return workload.stats;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const tail = trace.slice(-TRACE_TAIL_LINES).join("\n  ");
    throw new Error(
      `compaction simulation seed ${seed} failed: ${message}\n` +
        `replay: SIM_SEED=${seed} npx vitest run test/sim/log/compaction\n` +
        `last operations:\n  ${tail}`,
      { cause: err },
    );
  }
}

describe("log compaction simulation", () => {
  const only = envInt("SIM_SEED");
  const count = envInt("SIM_SEEDS") ?? SEEDS_DEFAULT;
  const base = envInt("SIM_SEED_BASE") ?? 1;

  it(only !== undefined ? `seed ${only}` : `${count} seeds from ${base}`, async () => {
    const seeds = only !== undefined ? [only] : Array.from({ length: count }, (_, i) => base + i);
    const total: Record<string, number> = {};
    for (const seed of seeds) {
      const stats = await runSeed(seed, only !== undefined);
      for (const [name, n] of Object.entries(stats)) total[name] = (total[name] ?? 0) + n;
    }
    if (process.env.SIM_STATS === "1") {
      console.log(`compaction simulation: ${JSON.stringify(total)}`);
    }
    expect(seeds.length).toBeGreaterThan(0);
    // The default run must reach the paths it exists for.
    if (seeds.length >= 100) {
      expect(total.cutsMidClean).toBeGreaterThan(0);
      expect(total.swapsFinishedAtOpen).toBeGreaterThan(0);
      expect(total.tombstonesGone).toBeGreaterThan(0);
    }
  }, 600_000);
});
