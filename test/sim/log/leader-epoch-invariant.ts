// The leader-epoch invariant of the log simulation: for every batch the log holds at or past its
// start, the cache names the batch's epoch for its first and last offset, and the epochs of the
// entries that cover a record are the ones a scan of the batches finds, in order. Where no
// record is the cache may differ from a scan: a log emptied from the front keeps its latest
// epoch at the start (as Kafka's cache does), and an epoch whose first batch was replicated past
// a gap starts where the epoch was recorded, before the gap. Besides, truncation and front
// deletion must have trimmed the cache: every entry starts at or past the log start, and below
// the log end unless it sits at the start of an empty log.

import { type EpochEntry, LeaderEpochCache } from "../../../src/log/leader-epoch-cache.ts";
import type { PartitionLog } from "../../../src/log/partition-log.ts";
import { lastOffsetOf } from "../../../src/log/record-batch.ts";
import { scanBatches } from "../../../src/log/segment-scan.ts";
import { check } from "./log-model.ts";

interface Span {
  first: number;
  last: number;
  epoch: number;
}

export async function checkLeaderEpochs(log: PartitionLog, when: string): Promise<void> {
  const epochs = log.leaderEpochs;
  check(epochs !== null, `${when}: the log keeps no leader epochs`);
  const kept = epochs.entries();
  const { scanned, spans } = await scan(log);
  const show = (entries: unknown) => JSON.stringify(entries);
  const context = `${when}: leader epochs ${show(kept)}, the batches say ${show(scanned)}`;
  for (const entry of kept) {
    check(entry.startOffset >= log.logStartOffset, `${context}: an entry below the log start`);
    check(
      entry.startOffset < log.logEndOffset || entry.startOffset === log.logStartOffset,
      `${context}: an entry at or past the log end ${log.logEndOffset}`,
    );
  }
  for (const span of spans) {
    if (span.epoch < 0) continue;
    check(
      epochs.epochForOffset(span.first) === span.epoch &&
        epochs.epochForOffset(span.last) === span.epoch,
      `${context}: offsets [${span.first}, ${span.last}] were written in epoch ${span.epoch}`,
    );
  }
  const epochsOf = (entries: EpochEntry[]) => show(covering(entries, spans).map((e) => e.epoch));
  check(epochsOf(kept) === epochsOf(scanned), context);
}

/** The cache a scan of the batches builds, and the offsets they hold at or past the start. */
async function scan(log: PartitionLog): Promise<{ scanned: EpochEntry[]; spans: Span[] }> {
  const cache = new LeaderEpochCache();
  const spans: Span[] = [];
  for (const segment of log.segmentsSnapshot()) {
    const result = await scanBatches(segment.log, {
      to: segment.sizeBytes,
      validate: false,
      onBatch: ({ header }) => {
        cache.assign(header.partitionLeaderEpoch, header.baseOffset);
        const last = lastOffsetOf(header);
        if (last >= log.logStartOffset) {
          const first = Math.max(header.baseOffset, log.logStartOffset);
          spans.push({ first, last, epoch: header.partitionLeaderEpoch });
        }
        return undefined;
      },
    });
    check(result.stop === "end", `scan of segment ${segment.baseOffset}: ${result.detail}`);
  }
  cache.truncateFromStart(log.logStartOffset);
  return { scanned: cache.entries(), spans };
}

/** The entries whose offsets [start, next start) hold at least one record. */
function covering(entries: EpochEntry[], spans: Span[]): EpochEntry[] {
  return entries.filter((entry, i) => {
    const end = entries[i + 1]?.startOffset ?? Number.MAX_SAFE_INTEGER;
    return spans.some((s) => s.last >= entry.startOffset && s.first < end);
  });
}
