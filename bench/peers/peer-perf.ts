// The peers' side of the benchmark, run as its own process like `tributary perf`: produce,
// consume and end-to-end runs against NATS JetStream or Redis Streams with their usual Node
// clients, measured with the same histogram and summary as the perf tool.
//
//   node dist/bench/peers/peer-perf.js nats|nats-tuned|redis produce|consume|e2e --port P
//        --records N --record-size B [--connections N] [--rate R] [--window W]
// nats and redis use the official clients as their docs show; nats-tuned is the best path from
// Node that we found (nats-tuned.ts); Redis's best path is redis-benchmark (redis-bench.ts).
// Prints one JSON summary line.

import { LogHistogram } from "../../src/perf/histogram.ts";
import { InFlightWindow } from "../../src/perf/in-flight.ts";
import { type PerfSummary, summarize } from "../../src/perf/summary.ts";
import { natsDriver } from "./nats-driver.ts";
import { natsTunedDriver } from "./nats-tuned.ts";
import { redisDriver } from "./redis-driver.ts";

export interface PeerArgs {
  port: number;
  records: number;
  recordSize: number;
  connections: number;
  rate: number;
  /** Publishes in flight per connection at most. */
  window: number;
}

/** One connection of a peer's client, able to publish with an acknowledgement. */
export interface PeerProducer {
  publish(value: Uint8Array): Promise<unknown>;
  close(): Promise<void>;
}

export interface PeerDriver {
  setup(args: PeerArgs): Promise<void>;
  producer(args: PeerArgs): Promise<PeerProducer>;
  /** Reads `records` records from the start; calls onBatch per delivery. */
  consumeAll(args: PeerArgs, onBatch: (values: Uint8Array[]) => void): Promise<void>;
  /** Tails new records until stop() resolves true; calls onValue per record. */
  tail(
    args: PeerArgs,
    onValue: (value: Uint8Array) => boolean,
  ): Promise<{ ready: Promise<void>; done: Promise<void> }>;
  close(): Promise<void>;
}

export const WINDOW_RECORDS_DEFAULT = 20_000;

export async function produce(
  driver: PeerDriver,
  args: PeerArgs,
  stamp = false,
): Promise<PerfSummary> {
  const latencyUs = new LogHistogram();
  const payload = new Uint8Array(args.recordSize).fill(0x61);
  const producers = await Promise.all(
    Array.from({ length: args.connections }, () => driver.producer(args)),
  );
  const perMs = args.rate / 1000;
  let issued = 0;
  let errors = 0;
  const startMs = performance.now();
  await Promise.all(producers.map(async (p, i) => {
    const count = Math.floor(args.records / args.connections) +
      (i < args.records % args.connections ? 1 : 0);
    const window = new InFlightWindow(args.window);
    let settled = 0;
    let wake: (() => void) | null = null;
    for (let n = 0; n < count; n++) {
      if (perMs > 0) {
        const dueMs = startMs + issued / perMs;
        issued++;
        const waitMs = dueMs - performance.now();
        // Sleep only when a millisecond or more ahead: timers are no finer, like Pacer.
        if (waitMs >= 1) await new Promise((r) => setTimeout(r, waitMs));
      }
      const full = window.add();
      const sentMs = performance.now();
      let value = payload;
      if (stamp) {
        value = payload.slice();
        new DataView(value.buffer).setFloat64(0, sentMs + performance.timeOrigin);
      }
      p.publish(value).then(
        () => latencyUs.record((performance.now() - sentMs) * 1000),
        () => errors++,
      ).finally(() => {
        window.done();
        if (++settled === count) wake?.();
      });
      if (full) await full;
    }
    if (settled < count) await new Promise<void>((r) => (wake = r));
  }));
  const elapsedMs = performance.now() - startMs;
  await Promise.all(producers.map((p) => p.close()));
  const records = args.records - errors;
  return summarize({ records, bytes: records * args.recordSize, elapsedMs, errors, latencyUs });
}

async function consume(driver: PeerDriver, args: PeerArgs): Promise<PerfSummary> {
  const latencyUs = new LogHistogram();
  let records = 0;
  let bytes = 0;
  const startMs = performance.now();
  let lastMs = startMs;
  await driver.consumeAll(args, (values) => {
    const nowMs = performance.now();
    latencyUs.record((nowMs - lastMs) * 1000);
    lastMs = nowMs;
    records += values.length;
    for (const v of values) bytes += v.length;
  });
  return summarize({ records, bytes, elapsedMs: performance.now() - startMs, latencyUs });
}

/** Like `tributary perf e2e`: the first 3 s at the rate are a warm-up, sent but not counted. */
const WARMUP_SECONDS = 3;

async function e2e(driver: PeerDriver, args: PeerArgs): Promise<PerfSummary> {
  const latencyUs = new LogHistogram();
  const warmup = args.rate * WARMUP_SECONDS;
  const all = { ...args, records: args.records + warmup };
  let seen = 0;
  let received = 0;
  let startMs = performance.now();
  const { ready, done } = await driver.tail(all, (value) => {
    if (++seen <= warmup) {
      startMs = performance.now();
      return false;
    }
    const sentMs = new DataView(value.buffer, value.byteOffset, 8).getFloat64(0);
    latencyUs.record((performance.now() + performance.timeOrigin - sentMs) * 1000);
    received++;
    return seen >= all.records;
  });
  await ready;
  const produced = await produce(driver, all, true);
  await done;
  return summarize({
    records: received,
    bytes: received * args.recordSize,
    elapsedMs: performance.now() - startMs,
    errors: produced.errors,
    latencyUs,
  });
}

async function main(): Promise<void> {
  const [peer, mode, ...rest] = process.argv.slice(2);
  const flags = new Map<string, number>();
  for (let i = 0; i + 1 < rest.length; i += 2) {
    flags.set(rest[i].replace(/^--/, ""), Number(rest[i + 1]));
  }
  const args: PeerArgs = {
    port: flags.get("port") ?? 0,
    records: flags.get("records") ?? 100_000,
    recordSize: flags.get("record-size") ?? 100,
    connections: flags.get("connections") ?? 1,
    rate: flags.get("rate") ?? 0,
    window: flags.get("window") ?? WINDOW_RECORDS_DEFAULT,
  };
  const drivers: Record<string, () => PeerDriver> = {
    nats: natsDriver,
    "nats-tuned": natsTunedDriver,
    redis: redisDriver,
  };
  const driver = drivers[peer]?.() ?? null;
  if (driver === null) throw new Error(`unknown peer ${peer}`);
  await driver.setup(args);
  let summary: PerfSummary;
  if (mode === "produce") summary = await produce(driver, args);
  else if (mode === "consume") summary = await consume(driver, args);
  else if (mode === "e2e") summary = await e2e(driver, args);
  else throw new Error(`unknown mode ${mode}`);
  await driver.close();
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

if (process.argv[1]?.endsWith("peer-perf.js")) {
  main().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`peer-perf: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
