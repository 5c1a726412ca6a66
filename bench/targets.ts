// Issue #5's targets, evaluated from one results file: each says what was measured, against
// what, and whether it is met.

import type { BenchResults, BenchRow, Scenario, System } from "./results.ts";

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

function ok(rows: BenchRow[]): Array<BenchRow & { summary: NonNullable<BenchRow["summary"]> }> {
  return rows.filter((r): r is BenchRow & { summary: NonNullable<BenchRow["summary"]> } =>
    r.summary !== null
  );
}

/** The best records/s row of a system (any runtime or a given one) in a scenario and size. */
export function best(
  results: BenchResults,
  scenario: Scenario,
  system: System,
  size: number,
  runtime?: string,
) {
  const rows = ok(results.rows).filter((r) =>
    r.scenario === scenario && r.system === system && r.recordSize === size &&
    (runtime === undefined || r.runtime === runtime)
  );
  rows.sort((a, b) => b.summary.recordsPerSec - a.summary.recordsPerSec);
  return rows[0];
}

function versusPeers(results: BenchResults, scenario: Scenario, label: string): TargetCheck {
  const t = best(results, scenario, "tributary", 100);
  const parts: string[] = [];
  let met: boolean | null = t === undefined ? null : true;
  for (const peer of ["nats", "redis"] as const) {
    const p = best(results, scenario, peer, 100);
    if (!t || !p) {
      parts.push(`${peer}: no result`);
      met = null;
      continue;
    }
    const ratio = t.summary.recordsPerSec / p.summary.recordsPerSec;
    const caveat = p.durability.includes("NOT durable") ? ", not fsynced per write" : "";
    const path = p.path === "best" ? (p.driver ?? "best path").split(" (")[0] : "official client";
    parts.push(
      `${ratio.toFixed(2)}x ${peer} (${fmt(p.summary.recordsPerSec)}/s, ${path}${caveat})`,
    );
    if (met !== null && ratio < 5) met = false;
  }
  const head = t
    ? `${
      fmt(t.summary.recordsPerSec)
    } records/s (${t.runtime}, p=${t.partitions}, c=${t.connections}): `
    : "";
  return { target: label, measured: head + parts.join(", "), met };
}

export function checkTargets(results: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  checks.push(
    versusPeers(
      results,
      "produce",
      "produce 100 B, acks=1: >= 5x NATS JetStream and 5x Redis Streams",
    ),
  );
  checks.push(
    versusPeers(results, "durable", "produce durable 100 B: >= 5x both peers (durable settings)"),
  );
  const kb = best(results, "produce", "tributary", 1024);
  const half = results.diskWriteMBps / 2;
  checks.push({
    target: `produce 1 KB: >= half the disk's sequential write bandwidth (${
      half.toFixed(0)
    } MiB/s)`,
    measured: kb
      ? `${
        kb.summary.mbPerSec.toFixed(1)
      } MiB/s (${kb.runtime}); disk ${results.diskWriteMBps} MiB/s`
      : "no result",
    met: kb ? kb.summary.mbPerSec >= half : null,
  });
  const c = best(results, "consume", "tributary", 100);
  checks.push({
    target: "consume 100 B from one partition: >= 1,000,000 records/s",
    measured: c ? `${fmt(c.summary.recordsPerSec)} records/s (${c.runtime})` : "no result",
    met: c ? c.summary.recordsPerSec >= 1_000_000 : null,
  });
  const e2e =
    ok(results.rows).filter((r) =>
      r.scenario === "e2e" && r.system === "tributary" && r.recordSize === 100
    )
      .sort((a, b) => a.summary.p99Ms - b.summary.p99Ms)[0];
  checks.push({
    target: "end-to-end p99 at 10,000 records/s, durable: <= 5 ms",
    measured: e2e
      ? `p99 ${e2e.summary.p99Ms} ms (${e2e.runtime} broker, client under ${
        e2e.client ?? "node"
      }, 100 B)`
      : "no result",
    met: e2e ? e2e.summary.p99Ms <= 5 : null,
  });
  checks.push(runtimeSpread(results));
  return checks;
}

/** Slowest runtime within 2x of the fastest, on the best configuration of each scenario. */
function runtimeSpread(results: BenchResults): TargetCheck {
  const parts: string[] = [];
  let met: boolean | null = true;
  for (const scenario of ["produce", "durable", "consume"] as const) {
    const perRuntime = ["node", "deno", "bun"].map((rt) =>
      best(results, scenario, "tributary", 100, rt)
    )
      .filter((r) => r !== undefined);
    if (perRuntime.length < 2) {
      met = null;
      continue;
    }
    const rates = perRuntime.map((r) => r.summary.recordsPerSec);
    const spread = Math.max(...rates) / Math.min(...rates);
    const slowest = perRuntime[rates.indexOf(Math.min(...rates))].runtime;
    const fastest = perRuntime[rates.indexOf(Math.max(...rates))].runtime;
    parts.push(`${scenario} ${spread.toFixed(2)}x (${fastest} / ${slowest})`);
    if (met !== null && spread > 2) met = false;
  }
  return {
    target: "slowest runtime within 2x of the fastest (100 B)",
    measured: parts.join(", ") || "no result",
    met,
  };
}
