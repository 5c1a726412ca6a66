import { describe, expect, it } from "vitest";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { InvariantViolation } from "../../src/model/errors.ts";

describe("MetricsRegistry", () => {
  it("renders a small registry exactly", () => {
    const registry = new MetricsRegistry();
    const produced = registry.counter("records_total", "Records produced.", ["topic"]);
    produced.inc({ topic: "a" });
    produced.inc({ topic: "a" }, 2);
    produced.inc({ topic: 'b"\\\n' }, 0.5);
    const up = registry.gauge("up", "Is it up?\nYes \\ no.");
    up.set(undefined, 1);
    const latency = registry.histogram("latency_seconds", "Latency.", ["op"], [0.1, 1]);
    latency.observe({ op: "fetch" }, 0.05);
    latency.observe({ op: "fetch" }, 0.1);
    latency.observe({ op: "fetch" }, 3);
    registry.gauge("log_size_bytes", "Log size.", ["partition"], () => [
      { labels: { partition: "0" }, value: 1024 },
      { labels: { partition: "1" }, value: 0 },
    ]);

    expect(registry.render()).toBe(
      [
        "# HELP records_total Records produced.",
        "# TYPE records_total counter",
        'records_total{topic="a"} 3',
        'records_total{topic="b\\"\\\\\\n"} 0.5',
        "# HELP up Is it up?\\nYes \\\\ no.",
        "# TYPE up gauge",
        "up 1",
        "# HELP latency_seconds Latency.",
        "# TYPE latency_seconds histogram",
        'latency_seconds_bucket{op="fetch",le="0.1"} 2',
        'latency_seconds_bucket{op="fetch",le="1"} 2',
        'latency_seconds_bucket{op="fetch",le="+Inf"} 3',
        'latency_seconds_sum{op="fetch"} 3.15',
        'latency_seconds_count{op="fetch"} 3',
        "# HELP log_size_bytes Log size.",
        "# TYPE log_size_bytes gauge",
        'log_size_bytes{partition="0"} 1024',
        'log_size_bytes{partition="1"} 0',
        "",
      ].join("\n"),
    );
  });

  it("renders an empty registry as an empty string", () => {
    expect(new MetricsRegistry().render()).toBe("");
  });

  it("returns the same metric for the same name and refuses a type or label mismatch", () => {
    const registry = new MetricsRegistry();
    const a = registry.counter("x_total", "X.", ["k"]);
    const b = registry.counter("x_total", "X again.", ["k"]);
    expect(b).toBe(a);
    a.inc({ k: "1" });
    expect(b.value({ k: "1" })).toBe(1);
    expect(() => registry.gauge("x_total", "X.", ["k"])).toThrow(InvariantViolation);
    expect(() => registry.counter("x_total", "X.", ["other"])).toThrow(InvariantViolation);
  });

  it("caps series per metric and counts the drops", () => {
    const registry = new MetricsRegistry({ seriesMax: 2 });
    const c = registry.counter("hits_total", "Hits.", ["path"]);
    for (let i = 0; i < 5; i++) c.inc({ path: `/p${i}` });
    c.inc({ path: "/p0" });
    const text = registry.render();
    expect(text).toContain('hits_total{path="/p0"} 2');
    expect(text).toContain('hits_total{path="/p1"} 1');
    expect(text).not.toContain("/p2");
    expect(text).toContain('tributary_metrics_series_dropped_total{metric="hits_total"} 3');
  });

  it("gauges go up and down; counters refuse to go down", () => {
    const registry = new MetricsRegistry();
    const g = registry.gauge("conns", "Connections.", ["protocol"]);
    g.inc({ protocol: "http" });
    g.inc({ protocol: "http" }, 3);
    g.dec({ protocol: "http" });
    expect(g.value({ protocol: "http" })).toBe(3);
    expect(g.value({ protocol: "cbor" })).toBe(0);
    const c = registry.counter("c_total", "C.");
    expect(() => c.inc(undefined, -1)).toThrow(InvariantViolation);
  });

  it("rejects wrong label sets, bad names and unsorted buckets", () => {
    const registry = new MetricsRegistry();
    const c = registry.counter("l_total", "L.", ["a"]);
    expect(() => c.inc()).toThrow(InvariantViolation);
    expect(() => c.inc({ a: "1", b: "2" })).toThrow(InvariantViolation);
    expect(() => c.inc({ b: "1" })).toThrow(InvariantViolation);
    expect(() => registry.counter("bad-name", "B.")).toThrow(InvariantViolation);
    expect(() => registry.counter("ok_total", "B.", ["bad-label"])).toThrow(InvariantViolation);
    expect(() => registry.histogram("h_seconds", "H.", [], [1, 0.5])).toThrow(InvariantViolation);
    expect(() => registry.histogram("h2_seconds", "H.", ["le"])).toThrow(InvariantViolation);
  });

  it("uses Prometheus' default buckets and renders infinities", () => {
    const registry = new MetricsRegistry();
    const h = registry.histogram("d_seconds", "D.");
    h.observe(undefined, 0.003);
    const g = registry.gauge("inf", "I.");
    g.set(undefined, -Infinity);
    const text = registry.render();
    expect(text).toContain('d_seconds_bucket{le="0.005"} 1');
    expect(text).toContain('d_seconds_bucket{le="10"} 1');
    expect(text).toContain('d_seconds_bucket{le="+Inf"} 1');
    expect(text).toContain("inf -Inf");
    expect(h.count()).toBe(1);
  });
});

describe("MetricsRegistry collectors", () => {
  it("merges collectors registered by several owners under one gauge", () => {
    const registry = new MetricsRegistry();
    registry.gauge("conns", "Open connections.", ["protocol"], () => [
      { labels: { protocol: "http" }, value: 2 },
    ]);
    registry.gauge("conns", "Open connections.", ["protocol"], () => [
      { labels: { protocol: "cbor" }, value: 5 },
    ]);
    expect(registry.render()).toBe(
      [
        "# HELP conns Open connections.",
        "# TYPE conns gauge",
        'conns{protocol="http"} 2',
        'conns{protocol="cbor"} 5',
        "",
      ].join("\n"),
    );
  });
});

describe("MetricsRegistry series removal", () => {
  it("forgets one series of a counter, gauge or histogram and frees its slot", () => {
    const registry = new MetricsRegistry({ seriesMax: 2 });
    const counter = registry.counter("c_total", "c", ["topic"]);
    const gauge = registry.gauge("g", "g", ["topic"]);
    const histogram = registry.histogram("h_seconds", "h", ["topic"], [1]);
    for (const topic of ["a", "b"]) {
      counter.inc({ topic });
      gauge.set({ topic }, 1);
      histogram.observe({ topic }, 0.5);
    }
    counter.remove({ topic: "a" });
    gauge.remove({ topic: "a" });
    histogram.remove({ topic: "a" });
    const text = registry.render();
    expect(text).not.toContain('topic="a"');
    expect(text).toContain('c_total{topic="b"} 1');
    expect(counter.value({ topic: "a" })).toBe(0);
    counter.inc({ topic: "c" }); // the freed slot takes a new series under the cap
    expect(counter.value({ topic: "c" })).toBe(1);
    counter.remove({ topic: "never" }); // removing an unknown series is a no-op
  });
});
