// Runs a host-check script under another runtime (deno, bun) and collects its output, bounded
// in time and bytes, for the tests that compare one piece of code across hosts.
import { spawn } from "node:child_process";

export const CHILD_TIMEOUT_MS = 60_000;
const OUTPUT_BYTES_MAX = 1024 * 1024;

export function runChild(
  command: string,
  args: string[],
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const collect = (chunk: Buffer) => {
      if (out.length < OUTPUT_BYTES_MAX) out += chunk.toString("utf8");
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
      resolve({ code, out });
    });
  });
}

/** The JSON object the host-check script printed last. */
export function lastLine(out: string): unknown {
  const lines = out.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}
