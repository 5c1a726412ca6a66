// The runtime conformance suite, run against a simulated node inside the virtual-time driver.
// Cases that talk to the runtime's HTTP server through the host's fetch() cannot run here; the
// simulation's own HTTP tests (network.test.ts) cover serving through SimHttp.fetch instead.
import { describe, expect, it } from "vitest";
import { conformanceCases, runConformanceCase } from "../../runtime/conformance/mod.ts";
import { SimWorld } from "../../runtime/sim/mod.ts";

const seed = 20240601;
const bounds = { maxSteps: 200_000, maxVirtualMs: 600_000 };

describe("conformance on the simulation runtime", () => {
  it("has cases to run", () => {
    expect(conformanceCases.filter((c) => c.requiresHostFetch !== true).length).toBeGreaterThan(20);
  });

  // Host-fetch cases are left out, not skipped: network.test.ts covers SimHttp serving instead.
  for (const conformanceCase of conformanceCases.filter((c) => c.requiresHostFetch !== true)) {
    it(conformanceCase.name, async () => {
      const world = new SimWorld({ seed });
      const rt = world.runtime("node-1");
      await world.run(() => runConformanceCase(rt, conformanceCase), bounds);
      // The runner removed its scratch directory; nothing else was left behind.
      expect(await rt.fs.list("/tmp")).toEqual([]);
      expect(world.net.openEnds("node-1")).toBe(0);
    });
  }
});
