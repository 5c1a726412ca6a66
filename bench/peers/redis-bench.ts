// Redis Streams at their best: redis-benchmark (Redis's own load generator, from redis-tools)
// issuing XADD with pipelining, against the same redis-server the client rows use. Its CSV line
// gives requests/s and latency percentiles per request (a pipelined request waits for its
// whole pipeline, as a windowed publish does); it reports no p99.9, shown as "-".

import type { PerfSummary } from "../../src/perf/summary.ts";
import { run, which } from "../proc.ts";

export interface RedisBenchOptions {
  port: number;
  records: number;
  recordSize: number;
  connections: number;
  /** Requests per pipeline (-P). */
  pipeline: number;
  timeoutMs: number;
}

export async function redisBenchmarkInstalled(): Promise<boolean> {
  return (await which("redis-benchmark")) !== null;
}

export async function redisBenchmarkXadd(o: RedisBenchOptions): Promise<PerfSummary> {
  const value = "a".repeat(o.recordSize);
  const args = [
    "-h",
    "127.0.0.1",
    "-p",
    String(o.port),
    "-n",
    String(o.records),
    "-c",
    String(o.connections),
    "-P",
    String(o.pipeline),
    "--csv",
    "XADD",
    "bench",
    "*",
    "v",
    value,
  ]; // deno-fmt-ignore
  const started = performance.now();
  const r = await run("redis-benchmark", args, { timeoutMs: o.timeoutMs });
  const elapsedMs = performance.now() - started;
  if (r.code !== 0) throw new Error(`redis-benchmark exit ${r.code}: ${r.stderr.slice(-300)}`);
  return parseRedisBenchmarkCsv(r.stdout, o.records, o.recordSize, elapsedMs);
}

/** The one data line of `redis-benchmark --csv` (Redis 7: rps, avg, min, p50, p95, p99, max). */
export function parseRedisBenchmarkCsv(
  csv: string,
  records: number,
  recordSize: number,
  elapsedMs: number,
): PerfSummary {
  const lines = csv.trim().split("\n").map((l) => l.trim()).filter((l) => l.startsWith('"'));
  const header = lines.find((l) => l.startsWith('"test"'));
  const data = lines.find((l) => !l.startsWith('"test"'));
  if (!header || !data) throw new Error(`no CSV result from redis-benchmark: ${csv.slice(-300)}`);
  const names = cells(header);
  const values = cells(data);
  const at = (name: string) => {
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`redis-benchmark CSV has no ${name} column`);
    return Number(values[i]);
  };
  const recordsPerSec = Math.round(at("rps"));
  return {
    recordsPerSec,
    mbPerSec: Math.round((recordsPerSec * recordSize / (1024 * 1024)) * 1000) / 1000,
    p50Ms: at("p50_latency_ms"),
    p95Ms: at("p95_latency_ms"),
    p99Ms: at("p99_latency_ms"),
    p999Ms: -1,
    maxMs: at("max_latency_ms"),
    records,
    bytes: records * recordSize,
    elapsedMs: Math.round(elapsedMs),
    errors: 0,
  };
}

function cells(line: string): string[] {
  return line.split('","').map((c) => c.replace(/^"|"$/g, ""));
}
