// A whole fetch: read, and when fewer than minBytes came back, wait in the purgatory until
// appends bring enough, maxWaitMs passes, the signal aborts or the broker closes; then read again.
import { type FetchPurgatory, partitionKey } from "./delayed-fetch.ts";
import { type FetchContext, readFetch } from "./fetch.ts";
import type { FetchPartitionResult, FetchRequest } from "./types.ts";

/** Re-reads before a fetch parks, when appends keep landing between read and park. */
const PARK_ATTEMPTS_MAX = 3;

export interface WaitingFetchContext extends FetchContext {
  purgatory: FetchPurgatory;
  /** False once the broker is closing: answer with what there is. */
  running(): boolean;
}

export async function fetchWithWait(
  request: FetchRequest,
  waitMs: number,
  ctx: WaitingFetchContext,
): Promise<FetchPartitionResult[]> {
  for (let attempt = 0; attempt < PARK_ATTEMPTS_MAX; attempt++) {
    const pass = await readFetch(request, ctx);
    const done = pass.hasError || pass.bytes >= request.minBytes || waitMs <= 0;
    if (done || !ctx.running()) return pass.results;
    // An append that completed while we read would not wake us: read again instead.
    if (advancedSince(pass.results, ctx)) continue;
    return await park(request, pass.results, pass.bytes, waitMs, ctx);
  }
  return (await readFetch(request, ctx)).results;
}

function advancedSince(results: FetchPartitionResult[], ctx: FetchContext): boolean {
  return results.some((r) => {
    const p = ctx.lookup(r.topic, r.partition);
    return p === undefined || p.highWatermark !== r.highWatermark;
  });
}

// Synchronous from the high-watermark check above to park(), so no append slips in between.
function park(
  request: FetchRequest,
  results: FetchPartitionResult[],
  bytes: number,
  waitMs: number,
  ctx: WaitingFetchContext,
): Promise<FetchPartitionResult[]> {
  return new Promise((resolve, reject) => {
    const parked = ctx.purgatory.park({
      keys: request.partitions.map((p) => partitionKey(p.topic, p.partition)),
      bytesNeeded: request.minBytes - bytes,
      waitMs,
      signal: request.signal,
      complete: () => {
        readFetch(request, ctx).then((pass) => resolve(pass.results), reject);
      },
    });
    if (!parked) resolve(results);
  });
}
