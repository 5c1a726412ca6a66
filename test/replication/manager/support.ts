// Helpers of the replica manager tests: bounded waits on virtual time, and a log's records as
// (offset, value, leader epoch) for comparison.
import type { Runtime } from "../../../runtime/types.ts";
import { batchesIn, decodeRecords, lastOffsetOf } from "../../../src/log/record-batch.ts";
import type { PartitionLog } from "../../../src/log/partition-log.ts";

export interface StoredRecord {
  offset: number;
  value: string;
  epoch: number;
}

/** Every record of log, in order. */
export async function recordsOf(log: PartitionLog): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let offset = log.logStartOffset;
  for (let reads = 0; offset < log.logEndOffset && reads < 10_000; reads++) {
    const { bytes } = await log.read(offset, 1 << 20);
    if (bytes.length === 0) break;
    for (const { position, header } of batchesIn(bytes)) {
      decodeRecords(bytes, position).forEach((r, i) => {
        out.push({
          offset: header.baseOffset + i,
          value: new TextDecoder().decode(r.value ?? new Uint8Array(0)),
          epoch: header.partitionLeaderEpoch,
        });
      });
      offset = lastOffsetOf(header) + 1;
    }
  }
  return out;
}

/**
 * Checks cond every stepMs of virtual time until it holds; fails after maxMs. The simulated
 * clock makes this a wait on the event, not a race: nothing happens between the checks that
 * the check would miss for good (each condition is a state that persists once reached).
 */
export async function waitUntil(
  rt: Runtime,
  what: string,
  cond: () => boolean,
  maxMs: number,
  stepMs = 5,
): Promise<number> {
  const start = rt.clock.monotonicMs();
  while (!cond()) {
    if (rt.clock.monotonicMs() - start > maxMs) throw new Error(`not within ${maxMs} ms: ${what}`);
    await rt.timers.sleep(stepMs);
  }
  return rt.clock.monotonicMs() - start;
}
