// The Raft driver and its storage on the real disk and timers under Node, Deno and Bun: the same
// steps (driver-host-check.ts) must give the same commits, files and recovery under each.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { driverHostCheck, type DriverHostResult } from "./driver-host-check.ts";

const childTimeoutMs = 60_000;
const outputBytesMax = 1024 * 1024;

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

function runChild(command: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const collect = (chunk: Buffer) => {
      if (out.length < outputBytesMax) out += chunk.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => child.kill("SIGKILL"), childTimeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function lastLine(out: string): unknown {
  const lines = out.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

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
  }, childTimeoutMs + 5_000);

  it("under Bun", async () => {
    const { code, out } = await runChild("node_modules/.bin/bun", [
      "test/cluster/raft/driver-host-main.ts",
    ]);
    expect(code, out).toBe(0);
    expect(lastLine(out), out).toEqual(EXPECTED);
  }, childTimeoutMs + 5_000);
});
