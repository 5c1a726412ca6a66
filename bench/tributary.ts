// Tributary in the benchmark: `tributary serve` as a real process under node, deno or bun (free
// ports, a fresh data directory), driven by `tributary perf ... --json` under node.

import { join } from "node:path";
import type { PerfSummary } from "../src/perf/summary.ts";
import { ROOT, run, type Server, startServer } from "./proc.ts";

export const HOSTS = ["node", "deno", "bun"] as const;
export type Host = (typeof HOSTS)[number];

const START_TIMEOUT_MS = 60_000;

export function serveCommand(host: Host): string[] {
  if (host === "node") return [process.execPath, join(ROOT, "dist/main.js")];
  const bin = join(ROOT, `node_modules/.bin/${host}`);
  if (host === "deno") return [bin, "run", "-A", "--quiet", join(ROOT, "src/main.ts")];
  return [bin, "run", join(ROOT, "src/main.ts")];
}

export interface RunningTributary {
  host: Host;
  bootstrap: string;
  httpUrl: string;
  server: Server;
}

export async function startTributary(
  host: Host,
  dataDir: string,
  extraArgs: string[] = [],
): Promise<RunningTributary> {
  const [cmd, ...args] = serveCommand(host);
  const server = await startServer(
    cmd,
    [...args, "serve", "--data-dir", dataDir, "--port", "0", "--http-port", "0", ...extraArgs],
    /bootstrap=(\S+) http=(\S+)/,
    { timeoutMs: START_TIMEOUT_MS, what: `tributary under ${host}` },
  );
  return { host, bootstrap: server.match[1], httpUrl: server.match[2], server };
}

/** Runs `tributary perf MODE ... --json` under node and returns its summary. */
export async function perf(
  mode: "produce" | "consume" | "e2e",
  flags: Record<string, string | number>,
  timeoutMs: number,
): Promise<PerfSummary> {
  const args = [join(ROOT, "dist/main.js"), "perf", mode, "--json"];
  for (const [name, value] of Object.entries(flags)) args.push(`--${name}`, String(value));
  const r = await run(process.execPath, args, { timeoutMs });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.code !== 0 || !line.startsWith("{")) {
    throw new Error(
      `tributary perf ${mode} failed (exit ${r.code}): ${r.stderr.trim().slice(-500)}`,
    );
  }
  return JSON.parse(line) as PerfSummary;
}
