// The leader-epoch checkpoint on the real disk under Node, Deno and Bun: the same steps
// (leader-epoch-host-check.ts) must leave the same files under each.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { hostCheck, type HostCheckResult } from "./leader-epoch-host-check.ts";

const childTimeoutMs = 60_000;
const outputBytesMax = 1024 * 1024;

const EXPECTED: HostCheckResult = {
  afterAppends: "0\n3\n0 0\n3 4\n5 8\n",
  afterTruncate: "0\n2\n0 0\n3 4\n",
  reopened: JSON.stringify([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 4 }]),
  rebuiltFrom: "missing",
  rebuilt: "0\n2\n0 0\n3 4\n",
  names: [".clean-shutdown", "leader-epoch-checkpoint", "log.checkpoint"],
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
  }, childTimeoutMs + 5_000);

  it("under Bun", async () => {
    const { code, out } = await runChild("node_modules/.bin/bun", [
      "test/log/leader-epoch-host-main.ts",
    ]);
    expect(code, out).toBe(0);
    expect(lastLine(out), out).toEqual(EXPECTED);
  }, childTimeoutMs + 5_000);
});
