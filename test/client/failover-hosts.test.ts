// Client failover under Deno and Bun: spawns support/failover-smoke.ts on each host (Node runs
// the same scenarios in failover.test.ts).
import { describe, expect, it } from "vitest";
import { CHILD_TIMEOUT_MS, otherHosts, runOnHost } from "../support/other-hosts.ts";

describe("client failover on other runtimes", () => {
  for (const host of otherHosts("test/client/support/failover-smoke.ts")) {
    it(`carries on through a leader move under ${host.name}`, async () => {
      const { code, output } = await runOnHost(host);
      expect(output).toContain(`CLIENT FAILOVER OK ${host.name}`);
      expect(code).toBe(0);
    }, CHILD_TIMEOUT_MS + 5_000);
  }
});
