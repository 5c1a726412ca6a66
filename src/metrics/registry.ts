// A small Prometheus metrics registry rendering text exposition format 0.0.4.
//
// One registry per broker (handed to components, never module-global). Every metric caps its
// number of label sets (seriesMax): a label fed from user input cannot grow memory without bound;
// samples for series beyond the cap are dropped and counted in
// tributary_metrics_series_dropped_total{metric}, rendered once anything was dropped.

import { assert } from "../model/errors.ts";
import { raiseInvariant } from "../model/invariant.ts";

export type Labels = Readonly<Record<string, string>>;

export interface CollectedSample {
  labels: Record<string, string>;
  value: number;
}

export interface Counter {
  inc(labels?: Labels, n?: number): void;
  value(labels?: Labels): number;
  /** Forgets one series (e.g. of a deleted topic), so it is no longer rendered. */
  remove(labels?: Labels): void;
}

export interface Gauge {
  set(labels: Labels | undefined, value: number): void;
  inc(labels?: Labels, n?: number): void;
  dec(labels?: Labels, n?: number): void;
  value(labels?: Labels): number;
  remove(labels?: Labels): void;
}

export interface Histogram {
  observe(labels: Labels | undefined, value: number): void;
  /** Number of observations of one series (0 when it has none). */
  count(labels?: Labels): number;
  remove(labels?: Labels): void;
}

export interface MetricsRegistryOptions {
  /** Label sets kept per metric; further ones are dropped and counted. */
  seriesMax?: number;
}

/** Prometheus' default buckets, in seconds. */
export const DEFAULT_BUCKETS_SECONDS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

const SERIES_MAX_DEFAULT = 1000;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DROPPED_NAME = "tributary_metrics_series_dropped_total";

type MetricType = "counter" | "gauge" | "histogram";

interface Series<V> {
  labelValues: string[];
  data: V;
}

interface HistogramData {
  /** Per-bucket (non-cumulative) counts; the last slot is the +Inf overflow. */
  bucketCounts: number[];
  sum: number;
  count: number;
}

abstract class Metric<V> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: MetricType;
  protected readonly series = new Map<string, Series<V>>();
  protected readonly seriesMax: number;
  /** Samples refused by the series cap (for collected gauges: per render, so it keeps rising). */
  droppedCount = 0;

  constructor(name: string, help: string, labelNames: readonly string[], seriesMax: number) {
    assert(METRIC_NAME.test(name), `bad metric name ${JSON.stringify(name)}`);
    for (const label of labelNames) {
      assert(LABEL_NAME.test(label) && !label.startsWith("__"), `bad label name ${label}`);
    }
    this.name = name;
    this.help = help;
    this.labelNames = [...labelNames];
    this.seriesMax = seriesMax;
  }

  protected abstract initial(): V;

  /** The series for these labels, created on first use; undefined when over the cap. */
  protected seriesFor(labels: Labels | undefined): Series<V> | undefined {
    const labelValues = this.labelValuesOf(labels);
    const key = labelValues.join("\u0000");
    let series = this.series.get(key);
    if (series === undefined) {
      if (this.series.size >= this.seriesMax) {
        this.droppedCount++;
        return undefined;
      }
      series = { labelValues, data: this.initial() };
      this.series.set(key, series);
    }
    return series;
  }

  remove(labels?: Labels): void {
    this.series.delete(this.labelValuesOf(labels).join("\u0000"));
  }

  protected existing(labels: Labels | undefined): Series<V> | undefined {
    return this.series.get(this.labelValuesOf(labels).join("\u0000"));
  }

  protected labelValuesOf(labels: Labels | undefined): string[] {
    const given = labels ?? {};
    const names = Object.keys(given);
    // Not assert(): its message would be built on every sample.
    if (names.length !== this.labelNames.length) {
      throw raiseInvariant(`${this.name} takes labels [${this.labelNames}], got [${names}]`);
    }
    return this.labelNames.map((name) => {
      const value = given[name];
      assert(typeof value === "string", `${this.name}: label ${name} missing or not a string`);
      return value;
    });
  }

  abstract renderSamples(out: string[]): void;

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`);
    out.push(`# TYPE ${this.name} ${this.type}`);
    this.renderSamples(out);
  }
}

class CounterMetric extends Metric<{ value: number }> implements Counter {
  readonly type = "counter";

  protected initial(): { value: number } {
    return { value: 0 };
  }

  inc(labels?: Labels, n = 1): void {
    assert(n >= 0, `${this.name}: counters only go up (inc by ${n})`);
    const series = this.seriesFor(labels);
    if (series !== undefined) series.data.value += n;
  }

  value(labels?: Labels): number {
    return this.existing(labels)?.data.value ?? 0;
  }

  renderSamples(out: string[]): void {
    for (const s of this.series.values()) {
      out.push(sampleLine(this.name, this.labelNames, s.labelValues, s.data.value));
    }
  }
}

class GaugeMetric extends Metric<{ value: number }> implements Gauge {
  readonly type = "gauge";
  readonly #collectors: Array<() => CollectedSample[]> = [];

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    seriesMax: number,
    collect: (() => CollectedSample[]) | undefined,
  ) {
    super(name, help, labelNames, seriesMax);
    if (collect !== undefined) this.#collectors.push(collect);
  }

  /** Several owners (the HTTP server, the CBOR server) may each report their own series. */
  addCollector(collect: () => CollectedSample[]): void {
    this.#collectors.push(collect);
  }

  protected initial(): { value: number } {
    return { value: 0 };
  }

  set(labels: Labels | undefined, value: number): void {
    const series = this.seriesFor(labels);
    if (series !== undefined) series.data.value = value;
  }

  inc(labels?: Labels, n = 1): void {
    const series = this.seriesFor(labels);
    if (series !== undefined) series.data.value += n;
  }

  dec(labels?: Labels, n = 1): void {
    this.inc(labels, -n);
  }

  value(labels?: Labels): number {
    return this.existing(labels)?.data.value ?? 0;
  }

  renderSamples(out: string[]): void {
    for (const s of this.series.values()) {
      out.push(sampleLine(this.name, this.labelNames, s.labelValues, s.data.value));
    }
    if (this.#collectors.length === 0) return;
    const collected = this.#collectors.flatMap((collect) => collect());
    const kept = collected.slice(0, this.seriesMax);
    this.droppedCount += collected.length - kept.length;
    for (const sample of kept) {
      const values = this.labelValuesOf(sample.labels);
      out.push(sampleLine(this.name, this.labelNames, values, sample.value));
    }
  }
}

class HistogramMetric extends Metric<HistogramData> implements Histogram {
  readonly type = "histogram";
  readonly buckets: readonly number[];

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    seriesMax: number,
    buckets: readonly number[],
  ) {
    super(name, help, labelNames, seriesMax);
    assert(!labelNames.includes("le"), `${name}: "le" is reserved for histogram buckets`);
    assert(buckets.length > 0, `${name}: histogram needs at least one bucket`);
    for (let i = 0; i < buckets.length; i++) {
      assert(Number.isFinite(buckets[i]), `${name}: bucket bounds must be finite`);
      assert(i === 0 || buckets[i] > buckets[i - 1], `${name}: buckets must increase`);
    }
    this.buckets = [...buckets];
  }

  protected initial(): HistogramData {
    return { bucketCounts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  observe(labels: Labels | undefined, value: number): void {
    const series = this.seriesFor(labels);
    if (series === undefined) return;
    let slot = this.buckets.findIndex((bound) => value <= bound);
    if (slot === -1) slot = this.buckets.length;
    series.data.bucketCounts[slot]++;
    series.data.sum += value;
    series.data.count++;
  }

  count(labels?: Labels): number {
    return this.existing(labels)?.data.count ?? 0;
  }

  renderSamples(out: string[]): void {
    const bucketLabels = [...this.labelNames, "le"];
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += s.data.bucketCounts[i];
        const le = i < this.buckets.length ? formatNumber(this.buckets[i]) : "+Inf";
        const values = [...s.labelValues, le];
        out.push(sampleLine(`${this.name}_bucket`, bucketLabels, values, cumulative));
      }
      out.push(sampleLine(`${this.name}_sum`, this.labelNames, s.labelValues, s.data.sum));
      out.push(sampleLine(`${this.name}_count`, this.labelNames, s.labelValues, s.data.count));
    }
  }
}

export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric<unknown>>();
  readonly #seriesMax: number;

  constructor(options: MetricsRegistryOptions = {}) {
    const seriesMax = options.seriesMax ?? SERIES_MAX_DEFAULT;
    assert(Number.isInteger(seriesMax) && seriesMax > 0, "seriesMax must be a positive integer");
    this.#seriesMax = seriesMax;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#register(name, "counter", labelNames, () => {
      return new CounterMetric(name, help, labelNames, this.#seriesMax);
    }) as CounterMetric;
  }

  /**
   * A gauge; `collect` reports series computed at render time. Registering an existing gauge
   * again with a collect adds that collector beside the earlier ones.
   */
  gauge(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    collect?: () => CollectedSample[],
  ): Gauge {
    let created = false;
    const gauge = this.#register(name, "gauge", labelNames, () => {
      created = true;
      return new GaugeMetric(name, help, labelNames, this.#seriesMax, collect);
    }) as GaugeMetric;
    if (!created && collect !== undefined) gauge.addCollector(collect);
    return gauge;
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    buckets: readonly number[] = DEFAULT_BUCKETS_SECONDS,
  ): Histogram {
    return this.#register(name, "histogram", labelNames, () => {
      return new HistogramMetric(name, help, labelNames, this.#seriesMax, buckets);
    }) as HistogramMetric;
  }

  /** The whole registry in Prometheus text format 0.0.4, metrics in registration order. */
  render(): string {
    const out: string[] = [];
    const dropped: Array<[string, number]> = [];
    for (const metric of this.#metrics.values()) {
      metric.render(out);
      if (metric.droppedCount > 0) dropped.push([metric.name, metric.droppedCount]);
    }
    if (dropped.length > 0) {
      out.push(`# HELP ${DROPPED_NAME} Samples dropped because a metric hit its series cap.`);
      out.push(`# TYPE ${DROPPED_NAME} counter`);
      for (const [name, n] of dropped) out.push(sampleLine(DROPPED_NAME, ["metric"], [name], n));
    }
    return out.length === 0 ? "" : out.join("\n") + "\n";
  }

  #register(
    name: string,
    type: MetricType,
    labelNames: readonly string[],
    create: () => Metric<unknown>,
  ): Metric<unknown> {
    const existing = this.#metrics.get(name);
    if (existing !== undefined) {
      assert(existing.type === type, `metric ${name} is a ${existing.type}, not a ${type}`);
      const sameLabels = existing.labelNames.join(",") === labelNames.join(",");
      assert(sameLabels, `metric ${name} was registered with labels [${existing.labelNames}]`);
      return existing;
    }
    assert(name !== DROPPED_NAME, `${name} is reserved`);
    const metric = create();
    this.#metrics.set(name, metric);
    return metric;
  }
}

function sampleLine(
  name: string,
  labelNames: readonly string[],
  labelValues: readonly string[],
  value: number,
): string {
  if (labelNames.length === 0) return `${name} ${formatNumber(value)}`;
  const pairs = labelNames.map((label, i) => `${label}="${escapeLabelValue(labelValues[i])}"`);
  return `${name}{${pairs.join(",")}} ${formatNumber(value)}`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
