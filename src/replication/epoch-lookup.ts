// The leader-epoch lookups replication needs, as pure functions over a replica's epoch entries
// (each the first offset written in one leader epoch, ascending in both fields).
//
// endOffsetForEpoch answers OffsetForLeaderEpoch with Kafka's semantics: the end of the largest
// epoch at or below the one asked for, where an epoch ends where the next one starts and the
// latest one ends at the log end. A leader records its own epoch (starting at its log end when
// it took over) before it answers, so the latest entry is always the largest epoch it knows.
//
// The persistent cache and its checkpoint belong to src/log; this file only reads a snapshot of
// its entries, so any cache that lists them can feed it.
import { assert } from "../model/errors.ts";

export interface EpochEntry {
  epoch: number;
  /** The first offset written in this epoch. */
  startOffset: number;
}

/** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const EPOCH_UNDEFINED = -1;
export const EPOCH_OFFSET_UNDEFINED = -1;

export interface EpochEndOffset {
  /** The largest epoch at or below the requested one, or EPOCH_UNDEFINED. */
  epoch: number;
  /** Where that epoch ends (exclusive), or EPOCH_OFFSET_UNDEFINED. */
  endOffset: number;
}

const UNDEFINED: EpochEndOffset = { epoch: EPOCH_UNDEFINED, endOffset: EPOCH_OFFSET_UNDEFINED };

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
  return entries.length === 0 ? EPOCH_UNDEFINED : entries[entries.length - 1].epoch;
}

export function endOffsetForEpoch(
  entries: readonly EpochEntry[],
  logEndOffset: number,
  requestedEpoch: number,
): EpochEndOffset {
  if (requestedEpoch === EPOCH_UNDEFINED || entries.length === 0) return UNDEFINED;
  if (latestEpoch(entries) === requestedEpoch) {
    return { epoch: requestedEpoch, endOffset: logEndOffset };
  }
  const higher = entries.findIndex((entry) => entry.epoch > requestedEpoch);
  if (higher === -1) return UNDEFINED; // above every epoch: a leader never answers this
  const nextStart = entries[higher].startOffset;
  // Below every epoch: the asker's epoch is unknown here and ends where ours begin.
  if (higher === 0) return { epoch: requestedEpoch, endOffset: nextStart };
  return { epoch: entries[higher - 1].epoch, endOffset: nextStart };
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
