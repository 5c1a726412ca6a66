// The leader-epoch checkpoint on the real disk under Node, Deno and Bun: the same steps
// (leader-epoch-host-check.ts) must leave the same files under each.
import { describe, expect, it } from "vitest";
import { CHILD_TIMEOUT_MS, lastLine, runChild } from "../support/run-child.ts";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { hostCheck, type HostCheckResult } from "./leader-epoch-host-check.ts";


const EXPECTED: HostCheckResult = {
  afterAppends: "0\n3\n0 0\n3 4\n5 8\n",
  afterTruncate: "0\n2\n0 0\n3 4\n",
  reopened: JSON.stringify([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 4 }]),
  rebuiltFrom: "missing",
  rebuilt: "0\n2\n0 0\n3 4\n",
  names: [".clean-shutdown", "leader-epoch-checkpoint", "log.checkpoint"],
};

describe("leader-epoch checkpoint on every host's disk", () => {
  it("under Node", async () => {
    expect(await hostCheck(createNodeRuntime())).toEqual(EXPECTED);
  });

  it("under Deno", async () => {
    const { code, out } = await runChild("node_modules/.bin/deno", [
      "run",
      "-A",
      "test/log/leader-epoch-host-main.ts",
    ]);
    expect(code, out).toBe(0);
    expect(lastLine(out), out).toEqual(EXPECTED);
  }, CHILD_TIMEOUT_MS + 5_000);

  it("under Bun", async () => {
    const { code, out } = await runChild("node_modules/.bin/bun", [
      "test/log/leader-epoch-host-main.ts",
    ]);
    expect(code, out).toBe(0);
    expect(lastLine(out), out).toEqual(EXPECTED);
  }, CHILD_TIMEOUT_MS + 5_000);
});
