// The group coordinator, its protocol operations and HTTP routes under Deno and Bun: spawns
// support/groups-smoke.ts on each host (Node runs every other test in this folder).
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

const childTimeoutMs = 60_000;
const outputBytesMax = 1024 * 1024;
const script = "test/coordinator/support/groups-smoke.ts";

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Uint8Array) => {
      if (output.length < outputBytesMax) output += new TextDecoder().decode(chunk);
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
      resolve({ code, output });
    });
  });
}

describe("consumer groups on other runtimes", () => {
  const hosts: Array<[string, string, string[]]> = [
    ["deno", "node_modules/.bin/deno", ["run", "-A", script]],
    ["bun", "node_modules/.bin/bun", ["run", script]],
  ];
  for (const [name, command, args] of hosts) {
    it(`coordinates a group under ${name}`, async () => {
      const { code, output } = await run(command, args);
      expect(output).toContain(`GROUPS SMOKE OK ${name}`);
      expect(code).toBe(0);
    }, childTimeoutMs + 5_000);
  }
});
