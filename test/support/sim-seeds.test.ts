import { afterEach, describe, expect, it } from "vitest";
import { SeedTrace, simSeeds } from "./sim-seeds.ts";

const NAMES = ["SIM_SEED", "SIM_SEEDS", "SIM_SEED_BASE"] as const;
const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));

function setEnv(values: Partial<Record<(typeof NAMES)[number], string>>): void {
  for (const name of NAMES) {
    if (values[name] === undefined) delete process.env[name];
    else process.env[name] = values[name];
  }
}

describe("simSeeds", () => {
  afterEach(() => setEnv(saved));

  it("runs the default count from seed 1", () => {
    setEnv({});
    expect(simSeeds(3)).toEqual({ seeds: [1, 2, 3], replaying: false, title: "3 seeds from 1" });
  });

  it("takes SIM_SEEDS and SIM_SEED_BASE", () => {
    setEnv({ SIM_SEEDS: "2", SIM_SEED_BASE: "5000" });
    expect(simSeeds(3)).toEqual({
      seeds: [5000, 5001],
      replaying: false,
      title: "2 seeds from 5000",
    });
  });

  it("replays the one seed SIM_SEED names", () => {
    setEnv({ SIM_SEED: "1234", SIM_SEEDS: "9" });
    expect(simSeeds(3)).toEqual({ seeds: [1234], replaying: true, title: "seed 1234" });
  });

  it("refuses values that are not non-negative integers", () => {
    setEnv({ SIM_SEEDS: "-1" });
    expect(() => simSeeds(3)).toThrow("SIM_SEEDS must be a non-negative integer, got -1");
    setEnv({ SIM_SEED_BASE: "1.5" });
    expect(() => simSeeds(3)).toThrow("SIM_SEED_BASE must be a non-negative integer, got 1.5");
  });
});

describe("SeedTrace", () => {
  it("reports the seed, the replay command and the last 40 operations", () => {
    const trace = new SeedTrace(false);
    for (let i = 0; i < 45; i++) trace.line(`op ${i}`);
    const cause = new Error("offsets went backwards");
    const err = trace.failure(cause, 77, {
      simulation: "log simulation",
      testPath: "test/sim/log",
    });
    const lines = err.message.split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "log simulation seed 77 failed: offsets went backwards",
      "replay: SIM_SEED=77 npx vitest run test/sim/log",
      "last operations:",
    ]);
    expect(lines.slice(3)).toEqual(Array.from({ length: 40 }, (_, i) => `  op ${i + 5}`));
    expect(err.cause).toBe(cause);
  });
});
