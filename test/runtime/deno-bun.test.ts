// Runs the runtime conformance suite under Deno and Bun as child processes, so `npm test`
// covers all three hosts. Each child must exit 0 and report every case as passed.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { conformanceCases } from "../../runtime/conformance/mod.ts";

const childTimeoutMs = 180_000;
const outputBytesMax = 4 * 1024 * 1024;

interface ChildResult {
  code: number | null;
  signal: string | null;
  output: string;
}

function runChild(command: string, args: readonly string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      if (output.length < outputBytesMax) output += chunk.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => {
      output += `\n[killed after ${childTimeoutMs} ms]`;
      child.kill("SIGKILL");
    }, childTimeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

function count(output: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(output);
  return match === null ? undefined : Number(match[1]);
}

const expected = conformanceCases.length;

describe("runtime conformance on other hosts", () => {
  it("passes every case under deno test", async () => {
    const result = await runChild("node_modules/.bin/deno", [
      "test",
      "-A",
      "runtime/conformance/deno_test.ts",
    ]);
    // Deno closes with e.g. "ok | 30 passed | 0 failed (1s)".
    const passed = count(result.output, /\|\s*(\d+) passed\b/);
    const failed = count(result.output, /\|\s*(\d+) failed\b/);
    const report = `deno test exited ${result.code} (${result.signal})\n${result.output}`;
    expect(result.code, report).toBe(0);
    expect({ passed, failed }, report).toEqual({ passed: expected, failed: 0 });
  }, childTimeoutMs + 10_000);

  it("passes every case under bun test", async () => {
    const result = await runChild("node_modules/.bin/bun", [
      "test",
      "./runtime/conformance/bun_conformance.ts",
    ]);
    // Bun closes with " 30 pass" and " 0 fail" on lines of their own.
    const passed = count(result.output, /^\s*(\d+) pass$/m);
    const failed = count(result.output, /^\s*(\d+) fail$/m);
    const report = `bun test exited ${result.code} (${result.signal})\n${result.output}`;
    expect(result.code, report).toBe(0);
    expect({ passed, failed }, report).toEqual({ passed: expected, failed: 0 });
  }, childTimeoutMs + 10_000);
});
