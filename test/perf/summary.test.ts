import { describe, expect, it } from "vitest";
import { LogHistogram } from "../../src/perf/histogram.ts";
import { Pacer } from "../../src/perf/pacer.ts";
import { renderProgress } from "../../src/perf/progress.ts";
import { shareOf } from "../../src/perf/run-produce.ts";
import { formatSummary, summarize } from "../../src/perf/summary.ts";

describe("summarize", () => {
  it("computes rates and millisecond percentiles from microsecond samples", () => {
    const latencyUs = new LogHistogram();
    for (let i = 1; i <= 1000; i++) latencyUs.record(i * 10); // 10 µs .. 10 ms
    const s = summarize({
      records: 2_000_000,
      bytes: 200 * 1024 * 1024,
      elapsedMs: 4000,
      latencyUs,
    });
    expect(s.recordsPerSec).toBe(500_000);
    expect(s.mbPerSec).toBe(50);
    expect(s.p50Ms).toBeCloseTo(5, 1);
    expect(s.p95Ms).toBeCloseTo(9.5, 1);
    expect(s.p99Ms).toBeCloseTo(9.9, 1);
    expect(s.p999Ms).toBeCloseTo(10, 1);
    expect(s.maxMs).toBe(10);
    expect(s.errors).toBe(0);
  });

  it("has exactly the --json shape: the seven headline numbers and the totals", () => {
    const s = summarize({ records: 0, bytes: 0, elapsedMs: 0, latencyUs: new LogHistogram() });
    const json = JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(
      [
        "bytes",
        "elapsedMs",
        "errors",
        "maxMs",
        "mbPerSec",
        "p50Ms",
        "p95Ms",
        "p999Ms",
        "p99Ms",
        "records",
        "recordsPerSec",
      ],
    );
    for (const value of Object.values(json)) expect(typeof value).toBe("number");
    expect(s.recordsPerSec).toBe(0);
  });

  it("formats one line for people", () => {
    const latencyUs = new LogHistogram();
    latencyUs.record(1500);
    const line = formatSummary(
      summarize({ records: 1234, bytes: 1234, elapsedMs: 1000, errors: 2, latencyUs }),
    );
    expect(line).toContain("1,234 records in 1.00 s");
    expect(line).toContain("p99 1.5");
    expect(line).toContain("2 errors");
    expect(line).not.toContain("\n");
  });
});

describe("perf helpers", () => {
  it("splits records between connections evenly", () => {
    expect([0, 1, 2].map((i) => shareOf(10, 3, i))).toEqual([4, 3, 3]);
    expect([0, 1, 2, 3].map((i) => shareOf(2, 4, i))).toEqual([1, 1, 0, 0]);
  });

  it("renders a progress bar", () => {
    const line = renderProgress(500, 1000, 2000);
    expect(line.startsWith("\r[###############---------------]  50%")).toBe(true);
    expect(line).toContain("250 records/s");
  });

  it("paces to the rate: due times follow the schedule", async () => {
    let nowMs = 0;
    const sleeps: number[] = [];
    const pacer = new Pacer({
      clock: { monotonicMs: () => nowMs },
      timers: {
        sleep: (ms: number) => {
          sleeps.push(ms);
          nowMs += ms;
          return Promise.resolve();
        },
      },
    }, 1000);
    for (let i = 0; i < 10; i++) {
      const due = pacer.acquire();
      if (due) await due;
    }
    expect(nowMs).toBe(9); // ten records at 1000/s: the last is due at 9 ms
    expect(
      new Pacer({ clock: { monotonicMs: () => 0 }, timers: { sleep: () => Promise.resolve() } }, 0)
        .acquire(),
    ).toBeNull();
  });
});
