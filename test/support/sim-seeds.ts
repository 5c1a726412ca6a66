// Seed selection and failure reports shared by the seeded simulations under test/sim:
//
//   SIM_SEEDS=N       how many seeds to run (each suite has its own default)
//   SIM_SEED=S        replay one seed, printing its trace
//   SIM_SEED_BASE=B   start the seed range at B instead of 1
//
// A failing seed reports itself, the one-line command that replays it and the last operations.

const TRACE_TAIL_LINES = 40;

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
  failure(err: unknown, seed: number, names: { simulation: string; testPath: string }): Error {
    const message = err instanceof Error ? err.message : String(err);
    const tail = this.#lines.slice(-TRACE_TAIL_LINES).join("\n  ");
    return new Error(
      `${names.simulation} seed ${seed} failed: ${message}\n` +
        `replay: SIM_SEED=${seed} npx vitest run ${names.testPath}\n` +
        `last operations:\n  ${tail}`,
      { cause: err },
    );
  }
}
