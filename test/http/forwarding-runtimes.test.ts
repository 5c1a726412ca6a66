// HTTP forwarding under Deno and Bun: spawns forward-smoke.ts on each host (forwarding.test.ts
// covers Node in depth).
import { describe, expect, it } from "vitest";
import { CHILD_TIMEOUT_MS, otherHosts, runOnHost } from "../support/other-hosts.ts";

describe("HTTP forwarding on other runtimes", () => {
  for (const host of otherHosts("test/http/forward-smoke.ts")) {
    it(`forwards to the leader under ${host.name}`, async () => {
      const { code, output } = await runOnHost(host);
      expect(output).toContain(`forward smoke: ok ${host.name}`);
      expect(code).toBe(0);
    }, CHILD_TIMEOUT_MS + 5_000);
  }
});
