// The protocol server and client under Deno and Bun: spawns support/cross-runtime-smoke.ts on
// each host (Node is covered by the other tests in this folder, which run on Node's Runtime).
import { describe, expect, it } from "vitest";
import { CHILD_TIMEOUT_MS, otherHosts, runOnHost } from "../../support/other-hosts.ts";

describe("protocol on other runtimes", () => {
  for (const host of otherHosts("test/protocol/cbor/support/cross-runtime-smoke.ts")) {
    it(`serves and speaks the protocol under ${host.name}`, async () => {
      const { code, output } = await runOnHost(host);
      expect(output).toContain(`PROTOCOL SMOKE OK ${host.name}`);
      expect(code).toBe(0);
    }, CHILD_TIMEOUT_MS + 5_000);
  }
});
