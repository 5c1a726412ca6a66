// The end-of-run summary of `tributary perf`: throughput and latency percentiles, as one object
// (printed as JSON with --json) and as one human line. Latencies are recorded in microseconds
// and reported in milliseconds.

import type { LogHistogram } from "./histogram.ts";

export interface PerfSummary {
  recordsPerSec: number;
  mbPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Records counted (acknowledged, consumed or received end to end). */
  records: number;
  /** Value bytes of those records. */
  bytes: number;
  elapsedMs: number;
  /** Records that failed (produce errors); they are not in `records`. */
  errors: number;
}

export interface RunTotals {
  records: number;
  bytes: number;
  elapsedMs: number;
  errors?: number;
  /** Latency samples in microseconds. */
  latencyUs: LogHistogram;
}

const MB = 1024 * 1024;

export function summarize(totals: RunTotals): PerfSummary {
  const seconds = totals.elapsedMs / 1000;
  const ms = (us: number) => round3(us / 1000);
  const h = totals.latencyUs;
  return {
    recordsPerSec: seconds > 0 ? Math.round(totals.records / seconds) : 0,
    mbPerSec: seconds > 0 ? round3(totals.bytes / MB / seconds) : 0,
    p50Ms: ms(h.quantile(0.5)),
    p95Ms: ms(h.quantile(0.95)),
    p99Ms: ms(h.quantile(0.99)),
    p999Ms: ms(h.quantile(0.999)),
    maxMs: ms(h.max),
    records: totals.records,
    bytes: totals.bytes,
    elapsedMs: round3(totals.elapsedMs),
    errors: totals.errors ?? 0,
  };
}

/** One line for people, Kafka perf tool style. */
export function formatSummary(s: PerfSummary): string {
  const n = (x: number) => x.toLocaleString("en-US");
  return `${n(s.records)} records in ${(s.elapsedMs / 1000).toFixed(2)} s: ` +
    `${n(s.recordsPerSec)} records/s, ${s.mbPerSec.toFixed(2)} MiB/s; latency ms ` +
    `p50 ${s.p50Ms} p95 ${s.p95Ms} p99 ${s.p99Ms} p99.9 ${s.p999Ms} max ${s.maxMs}` +
    (s.errors > 0 ? `; ${n(s.errors)} errors` : "");
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
