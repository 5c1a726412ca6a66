// `npm run bench`: every scenario of issue #5 against Tributary under node, deno and bun and
// against NATS JetStream and Redis Streams, in one run on this machine. Writes
// bench/results/latest.json and renders docs/benchmarks.md (+ docs/benchmarks.svg) from it.
//
// Environment: BENCH_QUICK=1 (small record counts, for iterating), BENCH_HOSTS=node,deno,bun,
// BENCH_PEERS=nats,redis, BENCH_SCENARIOS=produce,durable,consume,e2e,http-produce,http-consume
// (a subset), BENCH_OUT=path.json (results file; default bench/results/latest.json),
// BENCH_MERGE=1 (the rows of this run replace the same scenarios, systems and runtimes in the
// existing results file; the rest, machine and disk stay, and the page says what was re-run),
// BENCH_E2E_CLIENT=node|deno|bun (runtime of the e2e load generator; default deno).

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeMachine, measureDiskWrite } from "./machine.ts";
import { killAll, ROOT } from "./proc.ts";
import { renderAll } from "./render.ts";
import { type BenchResults, type BenchRow, SCENARIOS } from "./results.ts";
import { runPeers } from "./peer-runs.ts";
import { type Host, HOSTS } from "./tributary.ts";
import { runTributary } from "./tributary-runs.ts";
import { plan } from "./plan.ts";

const quick = process.env.BENCH_QUICK === "1";
const list = (name: string, all: readonly string[]) =>
  (process.env[name]?.split(",").map((s) => s.trim()).filter(Boolean) ?? [...all]).filter((s) =>
    all.includes(s)
  );

async function main(): Promise<void> {
  const started = performance.now();
  const hosts = list("BENCH_HOSTS", HOSTS) as Host[];
  const peers = list("BENCH_PEERS", ["nats", "redis"]) as Array<"nats" | "redis">;
  const scenarios = new Set(list("BENCH_SCENARIOS", SCENARIOS));
  const p = plan(quick);
  const scratch = mkdtempSync(join(tmpdir(), "tributary-bench-"));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const rows: BenchRow[] = [];
  try {
    const machine = await describeMachine();
    log(
      `machine: ${machine.cores} cores, ${machine.memoryGiB} GiB, ${
        JSON.stringify(machine.versions)
      }`,
    );
    const diskWriteMBps = await measureDiskWrite(scratch, p.ddMebibytes);
    log(`disk: ${diskWriteMBps} MiB/s sequential (dd conv=fdatasync)`);
    for (const host of hosts) rows.push(...await runTributary(host, p, scenarios, scratch, log));
    rows.push(...await runPeers(peers, p, scenarios, scratch, log));
    const out = process.env.BENCH_OUT ?? join(ROOT, "bench/results/latest.json");
    const fresh: BenchResults = {
      quick,
      machine,
      diskWriteMBps,
      durationS: Math.round((performance.now() - started) / 1000),
      rows,
    };
    const results = process.env.BENCH_MERGE === "1" && existsSync(out)
      ? mergeInto(JSON.parse(readFileSync(out, "utf8")) as BenchResults, fresh, [...scenarios])
      : fresh;
    mkdirSync(join(out, ".."), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    log(`results: ${out}`);
    if (process.env.BENCH_OUT === undefined) {
      renderAll(results, join(ROOT, "docs"));
      log("rendered docs/benchmarks.md and docs/benchmarks.svg");
    }
  } finally {
    killAll();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** old with the rows fresh measured in place of old's rows for the same runs. */
function mergeInto(old: BenchResults, fresh: BenchResults, scenarios: string[]): BenchResults {
  if (old.quick !== fresh.quick) throw new Error("BENCH_MERGE: quick and full results do not mix");
  // A peer has two rows per shape: its official client and its best path.
  const key = (r: BenchRow) =>
    [r.scenario, r.system, r.runtime, r.recordSize, r.partitions, r.connections, r.path ?? "client"]
      .join("/");
  const replaced = new Set(fresh.rows.map(key));
  const rows = old.rows.map((r) => fresh.rows.find((f) => key(f) === key(r)) ?? r);
  for (const f of fresh.rows) if (!old.rows.some((r) => key(r) === key(f))) rows.push(f);
  const merged = { date: fresh.machine.date, scenarios, durationS: fresh.durationS };
  process.stderr.write(`merged ${replaced.size} rows into the existing results\n`);
  // An earlier merge of the same scenarios was replaced whole: only the latest one is news.
  const earlier = (old.merged ?? []).filter((m) =>
    !m.scenarios.every((s) => scenarios.includes(s))
  );
  return { ...old, rows, merged: [...earlier, merged] };
}

process.on("SIGINT", () => {
  killAll();
  process.exit(130);
});

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    killAll();
    process.exit(1);
  },
);
