// `npm run bench`: every scenario of issue #5 against Tributary under node, deno and bun and
// against NATS JetStream and Redis Streams, in one run on this machine. Writes
// bench/results/latest.json and renders docs/benchmarks.md (+ docs/benchmarks.svg) from it.
//
// Environment: BENCH_QUICK=1 (small record counts, for iterating), BENCH_HOSTS=node,deno,bun,
// BENCH_PEERS=nats,redis, BENCH_SCENARIOS=produce,durable,consume,e2e,http-produce,http-consume
// (a subset), BENCH_OUT=path.json (results file; default bench/results/latest.json).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
    const results: BenchResults = {
      quick,
      machine,
      diskWriteMBps,
      durationS: Math.round((performance.now() - started) / 1000),
      rows,
    };
    const out = process.env.BENCH_OUT ?? join(ROOT, "bench/results/latest.json");
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
