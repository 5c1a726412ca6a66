// Seed selection and failure reports shared by the seeded simulations under test/sim:
//
//   SIM_SEEDS=N       how many seeds to run (each suite has its own default)
//   SIM_SEED=S        replay one seed, printing its trace
//   SIM_SEED_BASE=B   start the seed range at B instead of 1
//
// A failing seed reports itself, the one-line command that replays it and the last operations.
// runWatchedSeed() also fails a seed in which any invariant was violated (src/model/invariant.ts),
// even one the code under test caught and carried on from.

import type { RunBounds } from "../../runtime/sim/scheduler.ts";
import type { SimWorld } from "../../runtime/sim/world.ts";
import { type InvariantViolation, watchInvariants } from "../../src/model/invariant.ts";

const TRACE_TAIL_LINES = 40;

export interface SeedNames {
  /** Names the simulation in the failure ("log simulation"). */
  simulation: string;
  /** What `npx vitest run` takes to replay the seed. */
  testPath: string;
  /** The replay command, where SIM_SEED does not pick the seed (a test with a fixed seed). */
  replay?: string;
}

export interface SeedPlan {
  seeds: number[];
  /** True when SIM_SEED picked one seed: its trace goes to the console as it runs. */
  replaying: boolean;
  /** A test title naming the seeds. */
  title: string;
}

function envInt(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${text}`);
  }
  return value;
}

export function simSeeds(countDefault: number): SeedPlan {
  const only = envInt("SIM_SEED");
  const count = envInt("SIM_SEEDS") ?? countDefault;
  const base = envInt("SIM_SEED_BASE") ?? 1;
  if (only !== undefined) return { seeds: [only], replaying: true, title: `seed ${only}` };
  const seeds = Array.from({ length: count }, (_, i) => base + i);
  return { seeds, replaying: false, title: `${count} seeds from ${base}` };
}

/** One seed's operations, kept for the failure report (and printed when replaying). */
export class SeedTrace {
  readonly #lines: string[] = [];
  readonly #verbose: boolean;

  constructor(verbose: boolean) {
    this.#verbose = verbose;
  }

  readonly line = (text: string): void => {
    this.#lines.push(text);
    if (this.#verbose) console.log(text);
  };

  /**
   * The error a failed seed throws. `simulation` names it ("log simulation"), `testPath` is
   * what `npx vitest run` takes to replay it.
   */
  failure(err: unknown, seed: number, names: SeedNames): Error {
    const message = err instanceof Error ? err.message : String(err);
    const tail = this.#lines.slice(-TRACE_TAIL_LINES).join("\n  ");
    const replay = names.replay ?? `SIM_SEED=${seed} npx vitest run ${names.testPath}`;
    return new Error(
      `${names.simulation} seed ${seed} failed: ${message}\n` +
        `replay: ${replay}\n` +
        `last operations:\n  ${tail}`,
      { cause: err },
    );
  }
}

/** Names for a test with one fixed seed: replaying it means running that test. */
export function fixedSeedNames(testPath: string, title: string): SeedNames {
  return {
    simulation: `"${title}"`,
    testPath,
    replay: `npx vitest run ${testPath} -t ${JSON.stringify(title)}`,
  };
}

/**
 * Runs one seed with every invariant violation watched: the seed fails when its body throws, and
 * also when an invariant failed during it although the body went on (some code caught the
 * violation). The failure carries the replay command; the first violation is its cause.
 */
export async function runWatchedSeed<T>(
  seed: number,
  names: SeedNames,
  body: () => Promise<T> | T,
  trace: SeedTrace = new SeedTrace(false),
): Promise<T> {
  let first: InvariantViolation | null = null;
  const unwatch = watchInvariants((violation) => (first ??= violation));
  try {
    let result: T;
    try {
      result = await body();
    } catch (err) {
      throw trace.failure(first === null ? err : raisedDuring(first, err), seed, names);
    }
    if (first !== null) throw trace.failure(raisedDuring(first), seed, names);
    return result;
  } finally {
    unwatch();
  }
}

/** world.run(body, bounds) as one watched seed: the form for a test with a fixed seed. */
export function runWatched<T>(
  world: SimWorld,
  names: SeedNames,
  body: () => Promise<T>,
  bounds: RunBounds,
): Promise<T> {
  return runWatchedSeed(world.seed, names, () => world.run(body, bounds));
}

/** The violation with where it was raised (a catch may have hidden it), then what followed. */
function raisedDuring(violation: InvariantViolation, after?: unknown): Error {
  const stack = (violation.stack ?? "").split("\n").slice(1, 8).join("\n");
  const then = after === undefined || after === violation
    ? ""
    : `\nthen the seed failed with: ${after instanceof Error ? after.message : String(after)}`;
  return new Error(`${violation.message} (raised during the seed)\n${stack}${then}`, {
    cause: violation,
  });
}
