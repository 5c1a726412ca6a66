// The runtime conformance suite, run against a simulated node inside the virtual-time driver.
// Cases that talk to the runtime's HTTP server through the host's fetch() cannot run here.
import { describe, expect, it } from "vitest";
import type { ConformanceCase } from "../../runtime/conformance/case.ts";
import { fsCases } from "../../runtime/conformance/fs-cases.ts";
import { netCases } from "../../runtime/conformance/net-cases.ts";
import { SimWorld } from "../../runtime/sim/mod.ts";

const cases: readonly ConformanceCase[] = [...fsCases, ...netCases];
const seed = 20240601;

describe("conformance on the simulation runtime", () => {
  it("has cases to run", () => {
    expect(cases.filter((c) => c.requiresHostFetch !== true).length).toBeGreaterThan(10);
  });

  for (const conformanceCase of cases) {
    const test = conformanceCase.requiresHostFetch === true ? it.skip : it;
    test(conformanceCase.name, async () => {
      const world = new SimWorld({ seed });
      const rt = world.runtime("node-1");
      const scratch = await rt.fs.makeTempDir("conformance-");
      await world.run(() => conformanceCase.run(rt, scratch), {
        maxSteps: 200_000,
        maxVirtualMs: 600_000,
      });
      await rt.fs.remove(scratch, { recursive: true });
      expect(await rt.fs.exists(scratch)).toBe(false);
    });
  }
});
