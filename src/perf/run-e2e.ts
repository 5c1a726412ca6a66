// `tributary perf e2e`: a consumer tails every partition from its current end while producers
// send at --rate; each value starts with the send time (a float64 of this process's monotonic
// clock), so a record's latency is from send() to the consumer's poll() handing it out.
// The first --warmup-records are sent and received like the rest but left out of the numbers.

import { Consumer } from "../client/consumer.ts";
import { TributaryError } from "../model/errors.ts";
import { LogHistogram } from "./histogram.ts";
import type { PerfOptions } from "./options.ts";
import { idleWatchdog, type PerfProgress, type PerfRuntime } from "./context.ts";
import { PERF_CONSUMER_TUNING } from "./run-consume.ts";
import { runProduce } from "./run-produce.ts";
import { type PerfSummary, summarize } from "./summary.ts";

const STAMP_BYTES = 8;
const POLL_TIMEOUT_MS = 200;

export async function runE2e(
  rt: PerfRuntime,
  options: PerfOptions,
  partitions: number,
  progress: PerfProgress,
): Promise<PerfSummary> {
  if (options.recordSize < STAMP_BYTES) {
    throw new TributaryError("INVALID_CONFIG", `e2e records need at least ${STAMP_BYTES} bytes`);
  }
  const consumer = new Consumer(rt, {
    bootstrap: options.bootstrap,
    clientId: "tributary-perf-e2e",
    requestTimeoutMs: options.requestTimeoutMs,
    autoOffsetReset: "latest",
    fetchMaxWaitMs: 500,
    ...PERF_CONSUMER_TUNING,
  });
  const tps = Array.from({ length: partitions }, (_, partition) => ({
    topic: options.topic,
    partition,
  }));
  consumer.assign(tps);
  // Resolve "latest" before the first send, so no record of this run is skipped.
  for (const tp of tps) await consumer.position(tp);
  const latencyUs = new LogHistogram();
  const total = options.records + options.warmupRecords;
  const sent: PerfProgress = { done: 0 };
  const stamps = new StampedValues(rt, options.warmupRecords);
  const producing = runProduce(rt, { ...options, records: total }, sent, stamps.valueOf);
  let failed: unknown = null;
  producing.catch((err: unknown) => {
    failed ??= err;
  });
  // Counts every record received, warm-up included: a stall during the warm-up is one too.
  const received: PerfProgress = { done: 0 };
  const watchdog = idleWatchdog(rt, received, options.idleTimeoutMs, (err) => (failed ??= err));
  try {
    while (received.done < total && failed === null) {
      const records = await consumer.poll({ timeoutMs: POLL_TIMEOUT_MS });
      const nowMs = rt.clock.monotonicMs();
      for (const record of records) {
        const value = record.value as Uint8Array;
        const sentMs = new DataView(value.buffer, value.byteOffset, STAMP_BYTES).getFloat64(0);
        // Stamps grow with each send, so this leaves out exactly the warm-up records.
        if (sentMs < stamps.measuredFromMs) continue;
        latencyUs.record((nowMs - sentMs) * 1000);
        progress.done++;
      }
      received.done += records.length;
    }
  } finally {
    watchdog.stop();
  }
  const elapsedMs = rt.clock.monotonicMs() - stamps.measuredFromMs;
  await consumer.close();
  if (failed !== null) throw failed;
  const produced = await producing;
  return summarize({
    records: progress.done,
    bytes: progress.done * options.recordSize,
    elapsedMs,
    errors: produced.errors,
    latencyUs,
  });
}

/**
 * Each send gets a fresh copy of the payload with the current time in its first 8 bytes; the
 * stamp of the first record after the warm-up marks where the measurement starts.
 */
class StampedValues {
  /** Infinity until the first measured record is sent. */
  measuredFromMs = Infinity;
  readonly #clock: PerfRuntime["clock"];
  readonly #warmupRecords: number;
  #count = 0;

  constructor(rt: PerfRuntime, warmupRecords: number) {
    this.#clock = rt.clock;
    this.#warmupRecords = warmupRecords;
  }

  readonly valueOf = (template: Uint8Array): Uint8Array => {
    const value = template.slice();
    const nowMs = this.#clock.monotonicMs();
    new DataView(value.buffer, 0, STAMP_BYTES).setFloat64(0, nowMs);
    if (this.#count++ === this.#warmupRecords) this.measuredFromMs = nowMs;
    return value;
  };
}
