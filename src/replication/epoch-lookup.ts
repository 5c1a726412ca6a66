// The leader-epoch lookups replication needs, as pure functions over a replica's epoch entries
// (each the first offset written in one leader epoch, ascending in both fields).
//
// endOffsetForEpoch answers OffsetForLeaderEpoch with Kafka's semantics: the end of the largest
// epoch at or below the one asked for, where an epoch ends where the next one starts and the
// latest one ends at the log end. A leader records its own epoch (starting at its log end when
// it took over) before it answers, so the latest entry is always the largest epoch it knows.
//
// The persistent cache, its checkpoint and the lookup rule itself belong to src/log
// (leader-epoch-cache.ts); this file applies them to a snapshot of a replica's entries.
import { endOffsetIn, type EpochEntry, UNDEFINED_EPOCH } from "../log/leader-epoch-cache.ts";
import { assert } from "../model/errors.ts";

export interface EpochEndOffset {
  /** The largest epoch at or below the requested one, or UNDEFINED_EPOCH. */
  epoch: number;
  /** Where that epoch ends (exclusive), or UNDEFINED_EPOCH_OFFSET. */
  endOffset: number;
}

export function assertEpochEntries(entries: readonly EpochEntry[], logEndOffset: number): void {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    assert(entry.epoch >= 0 && entry.startOffset >= 0, "epoch entries are non-negative");
    assert(entry.startOffset <= logEndOffset, "an epoch starts at or below the log end");
    if (i > 0) {
      const before = entries[i - 1];
      assert(
        entry.epoch > before.epoch && entry.startOffset >= before.startOffset,
        "epoch entries ascend in epoch and start offset",
      );
    }
  }
}

export function latestEpoch(entries: readonly EpochEntry[]): number {
  return entries.length === 0 ? UNDEFINED_EPOCH : entries[entries.length - 1].epoch;
}

export function endOffsetForEpoch(
  entries: readonly EpochEntry[],
  logEndOffset: number,
  requestedEpoch: number,
): EpochEndOffset {
  const end = endOffsetIn(entries, requestedEpoch, logEndOffset);
  return { epoch: end.leaderEpoch, endOffset: end.endOffset };
}

/** The entries left after truncating the log to end at `endOffset`. */
export function truncateEpochEntries(
  entries: readonly EpochEntry[],
  endOffset: number,
): EpochEntry[] {
  return entries.filter((entry) => entry.startOffset < endOffset);
}

/** The entries after appending a batch of `epoch` at `baseOffset` (a new epoch starts there). */
export function appendEpoch(
  entries: readonly EpochEntry[],
  epoch: number,
  baseOffset: number,
): EpochEntry[] {
  const latest = latestEpoch(entries);
  assert(epoch >= latest, "appended batches never go back in leader epoch");
  if (epoch === latest) return entries.slice();
  return [...entries, { epoch, startOffset: baseOffset }];
}
