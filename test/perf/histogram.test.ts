import { describe, expect, it } from "vitest";
import { HISTOGRAM_VALUE_MAX, LogHistogram } from "../../src/perf/histogram.ts";

/** Nearest-rank percentile of sorted data: the ceil(q * n)-th smallest. */
function exact(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

// A small deterministic generator, so a failure replays exactly.
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const QUANTILES = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1];

describe("LogHistogram", () => {
  it("is exact below 2^precisionBits", () => {
    const h = new LogHistogram();
    const data = Array.from({ length: 1000 }, (_, i) => (i * 37) % 256);
    for (const v of data) h.record(v);
    const sorted = [...data].sort((a, b) => a - b);
    for (const q of QUANTILES) expect(h.quantile(q)).toBe(exact(sorted, q));
    expect(h.count).toBe(1000);
    expect(h.min).toBe(0);
    expect(h.max).toBe(255);
  });

  it("stays within its relative error on wide, skewed data", () => {
    const next = lcg(42);
    const h = new LogHistogram({ precisionBits: 8 });
    const data: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      // Log-uniform from 1 µs to ~17 minutes: every bucket range gets exercised.
      const v = Math.round(Math.exp(next() * Math.log(1e9)));
      data.push(v);
      h.record(v);
    }
    const sorted = data.sort((a, b) => a - b);
    const tolerance = 2 ** -(h.precisionBits - 1);
    for (const q of QUANTILES) {
      const want = exact(sorted, q);
      const got = h.quantile(q);
      expect(Math.abs(got - want)).toBeLessThanOrEqual(want * tolerance + 0.5);
    }
    expect(h.max).toBe(sorted[sorted.length - 1]);
    expect(h.min).toBe(sorted[0]);
  });

  it("finds the outlier at p99.9 and max", () => {
    const h = new LogHistogram();
    for (let i = 0; i < 9990; i++) h.record(1000);
    for (let i = 0; i < 10; i++) h.record(50_000);
    expect(h.quantile(0.5)).toBeCloseTo(1000, -1);
    expect(h.quantile(0.999)).toBeCloseTo(1000, -1);
    expect(h.quantile(0.9991)).toBeGreaterThan(49_000);
    expect(h.max).toBe(50_000);
  });

  it("keeps memory fixed whatever it records", () => {
    const h = new LogHistogram();
    const buckets = h.bucketCount;
    expect(buckets).toBeLessThan(10_000);
    for (let i = 0; i < 100_000; i++) h.record(i * 1_000_003);
    expect(h.bucketCount).toBe(buckets);
    h.record(HISTOGRAM_VALUE_MAX * 10);
    expect(h.max).toBe(HISTOGRAM_VALUE_MAX);
  });

  it("maps every value into a bucket whose middle is within tolerance", () => {
    const h = new LogHistogram({ precisionBits: 4 });
    for (let v = 0; v < 5000; v++) {
      const one = new LogHistogram({ precisionBits: 4 });
      one.record(v);
      one.record(v + 10_000_000); // widen min/max so clamping does not hide the bucket middle
      const got = one.quantile(0.5);
      expect(Math.abs(got - v)).toBeLessThanOrEqual(v * 2 ** -3 + 0.5);
    }
    expect(h.count).toBe(0);
    expect(h.quantile(0.99)).toBe(0);
  });

  it("merges histograms as if all samples went into one", () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    const both = new LogHistogram();
    const next = lcg(7);
    for (let i = 0; i < 5000; i++) {
      const v = Math.round(next() * 1e6);
      (i % 2 === 0 ? a : b).record(v);
      both.record(v);
    }
    a.merge(b);
    for (const q of QUANTILES) expect(a.quantile(q)).toBe(both.quantile(q));
    expect(a.count).toBe(5000);
    expect(a.mean).toBeCloseTo(both.mean, 6);
  });

  it("counts negative and NaN samples as zero", () => {
    const h = new LogHistogram();
    h.record(-5);
    h.record(Number.NaN);
    expect(h.count).toBe(2);
    expect(h.max).toBe(0);
  });
});
