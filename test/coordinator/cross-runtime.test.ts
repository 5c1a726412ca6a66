// The group coordinator, its protocol operations and HTTP routes under Deno and Bun: spawns
// support/groups-smoke.ts on each host (Node runs every other test in this folder).
import { describe, expect, it } from "vitest";
import { CHILD_TIMEOUT_MS, otherHosts, runOnHost } from "../support/other-hosts.ts";

describe("consumer groups on other runtimes", () => {
  for (const host of otherHosts("test/coordinator/support/groups-smoke.ts")) {
    it(`coordinates a group under ${host.name}`, async () => {
      const { code, output } = await runOnHost(host);
      expect(output).toContain(`GROUPS SMOKE OK ${host.name}`);
      expect(code).toBe(0);
    }, CHILD_TIMEOUT_MS + 5_000);
  }
});
