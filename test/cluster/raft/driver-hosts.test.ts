// The Raft driver and its storage on the real disk and timers under Node, Deno and Bun: the same
// steps (driver-host-check.ts) must give the same commits, files and recovery under each.
import { describe, expect, it } from "vitest";
import { CHILD_TIMEOUT_MS, lastLine, runChild } from "../../support/run-child.ts";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { driverHostCheck, type DriverHostResult } from "./driver-host-check.ts";


const EXPECTED: DriverHostResult = {
  acks: [{ index: 2, term: 1 }, { index: 3, term: 1 }, { index: 4, term: 1 }, {
    index: 5,
    term: 1,
  }],
  // Snapshots were taken at 3 (every 3 applied entries); the restart starts from it.
  redelivered: ["snapshot 3@1 image@3", "4@1 c", "5@1 d", "6@2 noop", "7@2 e"],
  files: ["log", "quorum-state", "snapshot"],
  events: ["raft.log.truncated"],
};

describe("raft driver on every host's disk and timers", () => {
  it("under Node", async () => {
    expect(await driverHostCheck(createNodeRuntime())).toEqual(EXPECTED);
  });

  it("under Deno", async () => {
    const { code, out } = await runChild("node_modules/.bin/deno", [
      "run",
      "-A",
      "test/cluster/raft/driver-host-main.ts",
    ]);
    expect(code, out).toBe(0);
    expect(lastLine(out), out).toEqual(EXPECTED);
  }, CHILD_TIMEOUT_MS + 5_000);

  it("under Bun", async () => {
    const { code, out } = await runChild("node_modules/.bin/bun", [
      "test/cluster/raft/driver-host-main.ts",
    ]);
    expect(code, out).toBe(0);
    expect(lastLine(out), out).toEqual(EXPECTED);
  }, CHILD_TIMEOUT_MS + 5_000);
});
