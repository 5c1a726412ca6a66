// Tributary in the benchmark: `tributary serve` as a real process under node, deno or bun (free
// ports, a fresh data directory), driven by `tributary perf ... --json` under node (the e2e
// scenario: under E2E_CLIENT).

import { join } from "node:path";
import type { PerfSummary } from "../src/perf/summary.ts";
import { ROOT, run, type Server, startServer } from "./proc.ts";

export const HOSTS = ["node", "deno", "bun"] as const;
export type Host = (typeof HOSTS)[number];

const START_TIMEOUT_MS = 60_000;

/**
 * The runtime of the e2e load generator (BENCH_E2E_CLIENT, default deno): its p99 at 10,000
 * records/s was 2.6-5.0 ms where the same client under node had 5.5-7.6 ms (Node broker, same
 * machine, back to back; bench/notes.md). Only the client's runtime changes; every broker
 * runtime is still measured.
 */
export const E2E_CLIENT: Host = pickHost(process.env.BENCH_E2E_CLIENT, "deno");

function pickHost(value: string | undefined, fallback: Host): Host {
  if (value === undefined || value === "") return fallback;
  if (!(HOSTS as readonly string[]).includes(value)) {
    throw new Error(`BENCH_E2E_CLIENT must be one of ${HOSTS.join(", ")}, got ${value}`);
  }
  return value as Host;
}

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

/** Runs `tributary perf MODE ... --json` under client (default node) and returns its summary. */
export async function perf(
  mode: "produce" | "consume" | "e2e",
  flags: Record<string, string | number>,
  timeoutMs: number,
  client: Host = "node",
): Promise<PerfSummary> {
  const [cmd, ...args] = serveCommand(client);
  args.push("perf", mode, "--json");
  for (const [name, value] of Object.entries(flags)) args.push(`--${name}`, String(value));
  const r = await run(cmd, args, { timeoutMs });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.code !== 0 || !line.startsWith("{")) {
    throw new Error(
      `tributary perf ${mode} under ${client} failed (exit ${r.code}): ${
        r.stderr.trim().slice(-500)
      }`,
    );
  }
  return JSON.parse(line) as PerfSummary;
}
