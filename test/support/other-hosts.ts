// Runs a script of this repository under Deno and under Bun as a child process, for the suites
// that check on those hosts what the rest of their folder checks on Node.
import { spawn } from "node:child_process";

export const CHILD_TIMEOUT_MS = 60_000;
const OUTPUT_BYTES_MAX = 1024 * 1024;

export interface OtherHost {
  name: "deno" | "bun";
  command: string;
  args: string[];
}

/** The command lines that run script (a path from the repository root) under Deno and Bun. */
export function otherHosts(script: string): OtherHost[] {
  return [
    { name: "deno", command: "node_modules/.bin/deno", args: ["run", "-A", script] },
    { name: "bun", command: "node_modules/.bin/bun", args: ["run", script] },
  ];
}

/**
 * Runs host's command to its end, killing it after CHILD_TIMEOUT_MS; output is stdout and
 * stderr together, cut after about OUTPUT_BYTES_MAX characters.
 */
export function runOnHost(host: OtherHost): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(host.command, host.args, {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Uint8Array) => {
      if (output.length < OUTPUT_BYTES_MAX) output += new TextDecoder().decode(chunk);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
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
