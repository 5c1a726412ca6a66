// `tributary perf produce`: N producers (one TCP connection each) send unkeyed records of a
// fixed size as fast as allowed (or at --rate), without awaiting each send; the latency of a
// record is from send() to its acknowledgement.

import { Producer } from "../client/producer.ts";
import { LogHistogram } from "./histogram.ts";
import { InFlightWindow } from "./in-flight.ts";
import type { PerfOptions } from "./options.ts";
import { Pacer } from "./pacer.ts";
import { idleWatchdog, payloadOf, type PerfProgress, type PerfRuntime } from "./context.ts";
import { type PerfSummary, summarize } from "./summary.ts";

/** Producer memory per connection; also bounds records in flight. */
const BUFFER_BYTES_MAX = 64 * 1024 * 1024;
/** Estimated per-record overhead inside a batch, for sizing the in-flight window. */
const RECORD_OVERHEAD_BYTES = 30;
/**
 * Records in flight per connection: WINDOW_BYTES worth, within [MIN, MAX]. Far below the
 * producer's buffer on purpose: every unsettled record holds objects, and hundreds of
 * thousands alive at once made garbage collection half of the client's time (window 250k:
 * 126k records/s; 5k: 190k/s at 100 B). Large records need more bytes in flight to cover
 * the round trips (1 KB: 1 MiB window 95 MiB/s, 4 MiB 129 MiB/s).
 */
const WINDOW_BYTES = 4 * 1024 * 1024;
const WINDOW_RECORDS_MIN = 1000;
const WINDOW_RECORDS_MAX = 10_000;

export async function runProduce(
  rt: PerfRuntime,
  options: PerfOptions,
  progress: PerfProgress,
  /** Makes each record's value from the payload (e2e stamps the send time); default: as is. */
  valueOf?: (payload: Uint8Array) => Uint8Array,
): Promise<PerfSummary> {
  const value = payloadOf(rt, options.recordSize);
  const latencyUs = new LogHistogram();
  const pacer = new Pacer(rt, options.rate);
  const producers = Array.from({ length: options.connections }, (_, i) =>
    new Producer(rt, {
      bootstrap: options.bootstrap,
      clientId: `tributary-perf-${i}`,
      acks: options.acks,
      batchBytes: options.batchBytes,
      lingerMs: options.lingerMs,
      bufferBytesMax: BUFFER_BYTES_MAX,
      requestTimeoutMs: options.requestTimeoutMs,
    }));
  const state = { errors: 0, firstError: null as unknown, failed: null as unknown };
  let onIdle!: (err: unknown) => void;
  const idle = new Promise<never>((_, reject) => (onIdle = reject));
  const watchdog = idleWatchdog(rt, progress, options.idleTimeoutMs, (err) => {
    state.failed = err;
    onIdle(err);
  });
  const startMs = rt.clock.monotonicMs();
  let endMs = startMs;
  try {
    const shares = producers.map((producer, i) => {
      const share = shareOf(options.records, options.connections, i);
      return produceShare(rt, producer, share, {
        options,
        value,
        valueOf,
        pacer,
        latencyUs,
        progress,
        state,
      });
    });
    // A stuck run fails on the watchdog instead of waiting out every retry.
    await Promise.race([Promise.all(shares), idle]);
    endMs = rt.clock.monotonicMs();
  } finally {
    watchdog.stop();
    if (state.failed === null) await Promise.allSettled(producers.map((p) => p.close()));
  }
  const elapsedMs = endMs - startMs;
  if (state.errors === options.records) throw state.firstError;
  const records = options.records - state.errors;
  return summarize({
    records,
    bytes: records * options.recordSize,
    elapsedMs,
    errors: state.errors,
    latencyUs,
  });
}

/** Records connection i of n sends: the total split as evenly as possible. */
export function shareOf(total: number, n: number, i: number): number {
  return Math.floor(total / n) + (i < total % n ? 1 : 0);
}

interface ShareContext {
  options: PerfOptions;
  value: Uint8Array;
  valueOf: ((payload: Uint8Array) => Uint8Array) | undefined;
  pacer: Pacer;
  latencyUs: LogHistogram;
  progress: PerfProgress;
  state: { errors: number; firstError: unknown; failed: unknown };
}

async function produceShare(
  rt: PerfRuntime,
  producer: Producer,
  count: number,
  ctx: ShareContext,
): Promise<void> {
  const { options, value, valueOf, pacer, latencyUs, progress, state } = ctx;
  const clock = rt.clock;
  const window = new InFlightWindow(
    Math.min(
      WINDOW_RECORDS_MAX,
      Math.max(WINDOW_RECORDS_MIN, WINDOW_BYTES / (options.recordSize + RECORD_OVERHEAD_BYTES)),
    ),
  );
  let settled = 0;
  let allSettled: (() => void) | null = null;
  const onSettled = () => {
    window.done();
    progress.done++;
    if (++settled === count && allSettled !== null) allSettled();
  };
  const record = { topic: options.topic, value };
  const shared = { latencyUs, clock, state, onSettled };
  for (let i = 0; i < count && state.failed === null; i++) {
    const due = pacer.acquire();
    if (due !== null) await due;
    const full = window.add();
    const delivery = new TimedDelivery(clock.monotonicMs(), shared);
    const queued = producer.enqueue(
      valueOf === undefined ? record : { topic: options.topic, value: valueOf(value) },
      delivery,
    );
    if (queued !== null) await queued;
    if (full !== null) await full;
  }
  await producer.flush();
  if (settled < count && state.failed === null) {
    await new Promise<void>((resolve) => (allSettled = resolve));
  }
}

interface DeliveryShared {
  latencyUs: LogHistogram;
  clock: PerfRuntime["clock"];
  state: ShareContext["state"];
  onSettled: () => void;
}

/**
 * One record's outcome: a class, so the per-record cost is one small object (no promise, no
 * closures); the producer calls exactly one of its methods.
 */
class TimedDelivery {
  readonly #sentMs: number;
  readonly #shared: DeliveryShared;

  constructor(sentMs: number, shared: DeliveryShared) {
    this.#sentMs = sentMs;
    this.#shared = shared;
  }

  resolve(): void {
    const s = this.#shared;
    s.latencyUs.record((s.clock.monotonicMs() - this.#sentMs) * 1000);
    s.onSettled();
  }

  reject(err: unknown): void {
    const s = this.#shared;
    s.state.errors++;
    s.state.firstError ??= err;
    s.onSettled();
  }
}
