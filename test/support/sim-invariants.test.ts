// The sim harness itself: a seed in which an invariant fails fails, even when the code under
// test caught the violation and finished normally, and the failure carries the replay command.
// The workload violates on purpose.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import { assert } from "../../src/model/errors.ts";
import { runWatched, runWatchedSeed, SeedTrace } from "./sim-seeds.ts";

const bounds = { maxSteps: 10_000, maxVirtualMs: 60_000 };
const names = { simulation: "harness simulation", testPath: "test/support/sim-invariants" };

/** Ticks a counter on the virtual clock; at `violateAt` an invariant fails and is swallowed. */
async function workload(world: SimWorld, trace: SeedTrace, violateAt: number): Promise<number> {
  const rt = world.runtime("n1");
  let ticks = 0;
  for (let i = 0; i < 10; i++) {
    await rt.timers.sleep(100);
    trace.line(`tick ${i}`);
    try {
      assert(i !== violateAt, `tick ${i} must not come`);
    } catch {
      // The kind of catch-all the harness exists to see through.
    }
    ticks++;
  }
  return ticks;
}

async function failureOf(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => null, (e: unknown) => e);
  if (!(err instanceof Error)) throw new Error("the seed did not fail");
  return err;
}

describe("runWatchedSeed", () => {
  it("fails a seed whose violation was caught, with the replay command and the trace", async () => {
    const world = new SimWorld({ seed: 42 });
    const trace = new SeedTrace(false);
    const err = await failureOf(
      runWatchedSeed(42, names, () => world.run(() => workload(world, trace, 3), bounds), trace),
    );
    expect(err.message).toContain("harness simulation seed 42 failed: invariant violated: tick 3");
    expect(err.message).toContain("replay: SIM_SEED=42 npx vitest run test/support/sim-invariants");
    expect(err.message).toMatch(/last operations:\n {2}tick 0\n {2}tick 1\n/);
    expect(err.message).toContain("sim-invariants.test.ts"); // where it was raised
  });

  it("passes a seed without violations and returns its result", async () => {
    const world = new SimWorld({ seed: 7 });
    const trace = new SeedTrace(false);
    const ticks = await runWatchedSeed(
      7,
      names,
      () => world.run(() => workload(world, trace, -1), bounds),
      trace,
    );
    expect(ticks).toBe(10);
  });

  it("prefers the violation over the error it led to", async () => {
    const err = await failureOf(runWatchedSeed(5, names, () => {
      try {
        assert(false, "root cause");
      } catch {
        // swallowed
      }
      throw new Error("symptom");
    }));
    expect(err.message).toMatch(/seed 5 failed: invariant violated: root cause[^]*symptom/);
  });

  it("watches one seed only: a violation after it does not fail it", async () => {
    await runWatchedSeed(1, names, () => undefined);
    try {
      assert(false, "outside any seed");
    } catch {
      // not part of a seed
    }
    await expect(runWatchedSeed(2, names, () => "ok")).resolves.toBe("ok");
  });

  it("runWatched names a fixed-seed test's replay command", async () => {
    const world = new SimWorld({ seed: 9 });
    const trace = new SeedTrace(false);
    const err = await failureOf(runWatched(
      world,
      {
        ...names,
        replay: 'npx vitest run test/support/sim-invariants -t "fixed"',
      },
      () => workload(world, trace, 0),
      bounds,
    ));
    expect(err.message).toContain('replay: npx vitest run test/support/sim-invariants -t "fixed"');
  });
});
