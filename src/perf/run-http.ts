// `tributary perf produce|consume --http URL`: the same measurements over the HTTP API.
// produce: --connections loops each POST --http-batch-records records per request (JSON,
// one record per value string); a record's latency is its request's. consume: one long-poll
// loop per partition (GET .../records with timeoutMs) from offset 0; latency per request.

import { TributaryError } from "../model/errors.ts";
import { LogHistogram } from "./histogram.ts";
import type { PerfOptions } from "./options.ts";
import { Pacer } from "./pacer.ts";
import { idleWatchdog, payloadOf, type PerfProgress, type PerfRuntime } from "./context.ts";
import { shareOf } from "./run-produce.ts";
import { type PerfSummary, summarize } from "./summary.ts";

const FETCH_RECORDS_MAX = 10_000;
const FETCH_BYTES_MAX = 8 * 1024 * 1024;
const LONG_POLL_MS = 1000;

export async function runHttpProduce(
  rt: PerfRuntime,
  options: PerfOptions,
  progress: PerfProgress,
): Promise<PerfSummary> {
  const value = new TextDecoder().decode(payloadOf(rt, options.recordSize));
  const acks = options.acks === "all" ? "all" : String(options.acks);
  const url = `${options.httpUrl}/v1/topics/${
    encodeURIComponent(options.topic)
  }/records?acks=${acks}`;
  const latencyUs = new LogHistogram();
  const pacer = new Pacer(rt, options.rate);
  const bodies = new Map<number, string>();
  const bodyOf = (n: number) => {
    let body = bodies.get(n);
    if (body === undefined) {
      body = JSON.stringify({ records: Array.from({ length: n }, () => ({ value })) });
      bodies.set(n, body);
    }
    return body;
  };
  return await guarded(rt, options, progress, async () => {
    const startMs = rt.clock.monotonicMs();
    const loops = Array.from({ length: options.connections }, async (_, i) => {
      let left = shareOf(options.records, options.connections, i);
      while (left > 0) {
        const n = Math.min(left, options.httpBatchRecords);
        const due = pacer.acquire(n);
        if (due !== null) await due;
        const sentMs = rt.clock.monotonicMs();
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: bodyOf(n),
        });
        await expectOk(response, "produce");
        latencyUs.record((rt.clock.monotonicMs() - sentMs) * 1000, n);
        progress.done += n;
        left -= n;
      }
    });
    await Promise.all(loops);
    const elapsedMs = rt.clock.monotonicMs() - startMs;
    return summarize({
      records: options.records,
      bytes: options.records * options.recordSize,
      elapsedMs,
      latencyUs,
    });
  });
}

export async function runHttpConsume(
  rt: PerfRuntime,
  options: PerfOptions,
  partitions: number,
  progress: PerfProgress,
): Promise<PerfSummary> {
  const latencyUs = new LogHistogram();
  let bytes = 0;
  const base = `${options.httpUrl}/v1/topics/${encodeURIComponent(options.topic)}/partitions`;
  return await guarded(rt, options, progress, async () => {
    const startMs = rt.clock.monotonicMs();
    const loops = Array.from({ length: partitions }, async (_, partition) => {
      let offset = 0;
      while (progress.done < options.records) {
        const sentMs = rt.clock.monotonicMs();
        const response = await fetch(
          `${base}/${partition}/records?offset=${offset}&maxRecords=${FETCH_RECORDS_MAX}` +
            `&maxBytes=${FETCH_BYTES_MAX}&timeoutMs=${LONG_POLL_MS}`,
        );
        await expectOk(response, "fetch");
        const page = await response.json() as {
          records: Array<{ value: string | null }>;
          nextOffset: number;
        };
        offset = page.nextOffset;
        if (page.records.length === 0) continue;
        latencyUs.record((rt.clock.monotonicMs() - sentMs) * 1000);
        for (const r of page.records) bytes += r.value?.length ?? 0;
        progress.done += page.records.length;
      }
    });
    await Promise.all(loops);
    const elapsedMs = rt.clock.monotonicMs() - startMs;
    return summarize({ records: progress.done, bytes, elapsedMs, latencyUs });
  });
}

/** Creates the topic over HTTP unless it exists; returns its partition count. */
export async function ensureTopicHttp(options: PerfOptions): Promise<number> {
  const created = await fetch(`${options.httpUrl}/v1/topics`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: options.topic, partitions: options.partitions }),
  });
  if (created.status !== 409) await expectOk(created, "create topic");
  else await created.body?.cancel();
  const described = await fetch(
    `${options.httpUrl}/v1/topics/${encodeURIComponent(options.topic)}`,
  );
  await expectOk(described, "describe topic");
  return ((await described.json()) as { partitions: unknown[] }).partitions.length;
}

/** Runs work, failing it when progress stalls for idleTimeoutMs. */
async function guarded<T>(
  rt: PerfRuntime,
  options: PerfOptions,
  progress: PerfProgress,
  work: () => Promise<T>,
): Promise<T> {
  let onIdle!: (err: unknown) => void;
  const idle = new Promise<never>((_, reject) => (onIdle = reject));
  const watchdog = idleWatchdog(rt, progress, options.idleTimeoutMs, onIdle);
  try {
    return await Promise.race([work(), idle]);
  } finally {
    watchdog.stop();
  }
}

async function expectOk(response: Response, what: string): Promise<void> {
  if (response.ok) return;
  const text = await response.text();
  throw new TributaryError(
    "NETWORK_EXCEPTION",
    `HTTP ${what} answered ${response.status}: ${text.slice(0, 300)}`,
  );
}
