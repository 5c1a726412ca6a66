// `tributary perf consume`: reads --records records from the start of every partition of the
// topic with one consumer. Throughput counts records handed out by poll(); the latency
// samples are how long each poll() that returned records took (time the caller waited).

import { Consumer } from "../client/consumer.ts";
import { LogHistogram } from "./histogram.ts";
import type { PerfOptions } from "./options.ts";
import { idleWatchdog, type PerfProgress, type PerfRuntime } from "./context.ts";
import { type PerfSummary, summarize } from "./summary.ts";

/** Consumer settings for bulk reads: big fetches, a deep prefetch buffer, big polls. */
export const PERF_CONSUMER_TUNING = {
  maxPollRecords: 10_000,
  bufferedRecordsMax: 200_000,
  partitionFetchBytesMax: 1024 * 1024,
  fetchMaxBytes: 16 * 1024 * 1024,
} as const;

const POLL_TIMEOUT_MS = 1000;

export async function runConsume(
  rt: PerfRuntime,
  options: PerfOptions,
  partitions: number,
  progress: PerfProgress,
): Promise<PerfSummary> {
  const consumer = new Consumer(rt, {
    bootstrap: options.bootstrap,
    clientId: "tributary-perf",
    requestTimeoutMs: options.requestTimeoutMs,
    autoOffsetReset: "earliest",
    ...PERF_CONSUMER_TUNING,
  });
  const latencyUs = new LogHistogram();
  let bytes = 0;
  let failed: unknown = null;
  const watchdog = idleWatchdog(rt, progress, options.idleTimeoutMs, (err) => {
    failed = err;
    void consumer.close();
  });
  const startMs = rt.clock.monotonicMs();
  try {
    consumer.assign(
      Array.from({ length: partitions }, (_, partition) => ({ topic: options.topic, partition })),
    );
    // Bounded by the watchdog: every pass either counts records or waits up to a poll timeout.
    while (progress.done < options.records && failed === null && !consumer.closed) {
      const pollStartMs = rt.clock.monotonicMs();
      const records = await consumer.poll({ timeoutMs: POLL_TIMEOUT_MS });
      if (records.length === 0) continue;
      latencyUs.record((rt.clock.monotonicMs() - pollStartMs) * 1000);
      for (let i = 0; i < records.length; i++) bytes += records[i].value?.length ?? 0;
      progress.done += records.length;
    }
  } finally {
    watchdog.stop();
  }
  const elapsedMs = rt.clock.monotonicMs() - startMs;
  await consumer.close();
  if (failed !== null) throw failed;
  return summarize({ records: progress.done, bytes, elapsedMs, latencyUs });
}
