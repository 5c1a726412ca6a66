// The benchmark report is generated from JSON: targets are computed from the rows, tables and
// the SVG chart carry the numbers. Synthetic results, no measurement.
import { describe, expect, it } from "vitest";
import { renderMarkdown, renderSvg } from "../../bench/render.ts";
import type { BenchResults, BenchRow } from "../../bench/results.ts";
import { checkTargets } from "../../bench/targets.ts";
import type { PerfSummary } from "../../src/perf/summary.ts";

function summary(recordsPerSec: number, extra: Partial<PerfSummary> = {}): PerfSummary {
  return {
    recordsPerSec,
    mbPerSec: (recordsPerSec * 100) / 2 ** 20,
    p50Ms: 1,
    p95Ms: 2,
    p99Ms: 3,
    p999Ms: 4,
    maxMs: 5,
    records: 1000,
    bytes: 100_000,
    elapsedMs: 1000,
    errors: 0,
    ...extra,
  };
}

function row(partial: Partial<BenchRow> & Pick<BenchRow, "scenario" | "system">): BenchRow {
  return {
    runtime: null,
    recordSize: 100,
    partitions: 1,
    connections: 1,
    acks: "1",
    rate: 0,
    records: 1000,
    durability: "test",
    summary: null,
    ...partial,
  };
}

const results: BenchResults = {
  quick: true,
  machine: {
    date: "2026-01-02T03:04:05.000Z",
    cpuModel: "test cpu",
    cores: 2,
    memoryGiB: 8,
    kernel: "Linux 6",
    versions: { node: "v20" },
  },
  diskWriteMBps: 400,
  durationS: 60,
  rows: [
    row({ scenario: "produce", system: "tributary", runtime: "node", summary: summary(600_000) }),
    row({ scenario: "produce", system: "tributary", runtime: "bun", summary: summary(400_000) }),
    row({ scenario: "produce", system: "nats", summary: summary(100_000) }),
    row({ scenario: "produce", system: "redis", summary: summary(150_000) }),
    row({ scenario: "durable", system: "tributary", runtime: "node", summary: summary(100_000) }),
    row({ scenario: "durable", system: "nats", summary: null, note: "skipped: not installed" }),
    row({
      scenario: "produce",
      system: "tributary",
      runtime: "node",
      recordSize: 1024,
      summary: summary(200_000, { mbPerSec: 250 }),
    }),
    row({ scenario: "consume", system: "tributary", runtime: "node", summary: summary(1_200_000) }),
    row({
      scenario: "e2e",
      system: "tributary",
      runtime: "node",
      rate: 10_000,
      summary: summary(10_000, { p99Ms: 7.5 }),
    }),
  ],
};

describe("benchmark targets", () => {
  it("computes each target from the best rows", () => {
    const checks = checkTargets(results);
    const byStart = (s: string) => checks.find((c) => c.target.startsWith(s));
    // 600k vs 100k (6x) and 150k (4x): not both peers at 5x.
    expect(byStart("produce 100 B")?.met).toBe(false);
    expect(byStart("produce 100 B")?.measured).toContain("4.00x redis");
    // A skipped peer leaves the durable target undecided.
    expect(byStart("produce durable")?.met).toBeNull();
    expect(byStart("produce 1 KB")?.met).toBe(true);
    expect(byStart("consume")?.met).toBe(true);
    expect(byStart("end-to-end")?.met).toBe(false);
    expect(byStart("slowest runtime")?.measured).toContain("produce 1.50x (node / bun)");
  });
});

describe("peers at their best path", () => {
  const withBest: BenchResults = {
    ...results,
    rows: [
      ...results.rows,
      row({
        scenario: "produce",
        system: "redis",
        path: "best",
        driver: "redis-benchmark XADD, -P 64 (tried -P 16: 90k/s, -P 64: 200k/s)",
        summary: summary(200_000, { p999Ms: -1 }),
      }),
    ],
  };

  it("compares against the faster of the official client and the best path, and says which", () => {
    const produce = checkTargets(withBest).find((c) => c.target.startsWith("produce 100 B"));
    expect(produce?.measured).toContain("3.00x redis (200,000/s, redis-benchmark XADD, -P 64)");
    expect(produce?.measured).toContain("6.00x nats (100,000/s, official client)");
  });

  it("shows both rows with their driver, and no p99.9 where the tool reports none", () => {
    const md = renderMarkdown(withBest, "");
    const lines = md.split("\n").filter((l) => l.startsWith("| Redis Streams"));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("| official client |");
    expect(lines[1]).toContain("| redis-benchmark XADD, -P 64 (tried");
    expect(lines[1]).toMatch(/\| 3\.00 \| - \| 5\.00 \|/);
  });
});

describe("rendering", () => {
  it("writes the machine, the targets and one table per scenario", () => {
    const md = renderMarkdown(results, "## Notes\n\nhand-written");
    expect(md).toContain("2 cores (test cpu), 8 GiB memory");
    expect(md).toContain("Disk: 400 MiB/s");
    expect(md).toContain("**not met**");
    expect(md).toContain("## 1. Produce, acks=1");
    expect(md).toContain("**600,000**");
    expect(md).toContain("skipped: not installed");
    expect(md).toContain("hand-written");
    expect(md).not.toContain("## 5a."); // no HTTP rows, no HTTP table
  });

  it("draws one bar per runtime and peer, scaled to the largest", () => {
    const svg = renderSvg(results);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("600,000 rec/s");
    expect(svg).toContain("Redis Streams");
    const widths = [...svg.matchAll(/<rect x="150" y="\d+" width="(\d+)"/g)].map((m) =>
      Number(m[1])
    );
    expect(Math.max(...widths)).toBe(470);
  });
});
