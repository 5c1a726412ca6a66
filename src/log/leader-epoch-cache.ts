// The leader-epoch cache of one partition log (Kafka's LeaderEpochFileCache, KIP-101/KIP-279):
// for each leader epoch that wrote to the log, the offset of its first batch. A follower that
// sees a leader change asks the new leader for the end offset of its own latest epoch
// (OffsetForLeaderEpoch, answered by endOffsetFor) and truncates to it, so it cuts only the
// suffix where it diverged instead of trusting its high watermark (KIP-101) and stays right
// across fast successive leader changes (KIP-279: it asks again with the epoch it now ends in).
//
// In memory and sans-IO: leader-epoch-store.ts keeps it on disk.
//
// Rules, as Kafka's cache applies them:
// - entries are ordered with epochs and start offsets both strictly increasing;
// - assign(epoch, start) is a no-op for the latest epoch at or after its start (every batch of
//   an epoch calls it, only the first counts) and for a negative epoch (-1 marks a batch
//   written without one: old formats, internal writes);
// - any other assign wins over what it contradicts: the entries with an epoch >= epoch or a
//   start >= start are dropped before it is added. The log is the truth (the batch is being
//   appended), so the cache follows it; the dropped entries are returned for a warning.
// - truncateFromEnd(end) drops the entries starting at or past end (after a log truncation);
// - truncateFromStart(start) drops the entries wholly below start and moves the one holding
//   start up to it (after retention or DeleteRecords moved the log start).

import { TributaryError } from "../model/errors.ts";

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

/** OffsetForLeaderEpoch's answer: the epoch found and where it ends (exclusive). */
export interface EpochEndOffset {
  leaderEpoch: number;
  endOffset: number;
}

/** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;
export const UNDEFINED_END: Readonly<EpochEndOffset> = Object.freeze({
  leaderEpoch: UNDEFINED_EPOCH,
  endOffset: UNDEFINED_EPOCH_OFFSET,
});

/**
 * endOffsetFor over any list of entries in the cache's order (replication reads snapshots of
 * them); the caller has checked its arguments.
 */
export function endOffsetIn(
  entries: readonly EpochEntry[],
  requestedEpoch: number,
  logEndOffset: number,
): EpochEndOffset {
  const last = entries.at(-1);
  if (requestedEpoch === UNDEFINED_EPOCH || last === undefined) return { ...UNDEFINED_END };
  if (requestedEpoch === last.epoch) {
    return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
  }
  const higher = entries.findIndex((e) => e.epoch > requestedEpoch);
  if (higher < 0) return { ...UNDEFINED_END };
  // No epoch ends past the log end: an entry may run ahead of the log while its batch is not
  // written (recorded first, then the write failed on a full disk).
  const endOffset = Math.min(entries[higher].startOffset, logEndOffset);
  if (higher === 0) return { leaderEpoch: requestedEpoch, endOffset };
  return { leaderEpoch: entries[higher - 1].epoch, endOffset };
}

export type AssignOutcome =
  | { kind: "ignored" | "unchanged" }
  | { kind: "added"; removed: EpochEntry[] };

export class LeaderEpochCache {
  #entries: EpochEntry[];

  constructor(entries: readonly EpochEntry[] = []) {
    this.#entries = entries.map((e) => ({ epoch: e.epoch, startOffset: e.startOffset }));
    checkEntries(this.#entries);
  }

  /** A copy, oldest first. */
  entries(): EpochEntry[] {
    return this.#entries.map((e) => ({ ...e }));
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The newest epoch, or UNDEFINED_EPOCH when the cache is empty. */
  get latestEpoch(): number {
    return this.#entries.at(-1)?.epoch ?? UNDEFINED_EPOCH;
  }

  get latestEntry(): EpochEntry | null {
    const last = this.#entries.at(-1);
    return last === undefined ? null : { ...last };
  }

  get earliestEntry(): EpochEntry | null {
    const first = this.#entries[0];
    return first === undefined ? null : { ...first };
  }

  /**
   * Whether assign(epoch, startOffset) would change the cache: the append path calls this per
   * batch (a comparison) and takes the slow path (assign + persist) only when it says so.
   */
  needsUpdate(epoch: number, startOffset: number): boolean {
    if (epoch < 0) return false;
    const last = this.#entries.at(-1);
    return last === undefined || epoch !== last.epoch || startOffset < last.startOffset;
  }

  /** Records that epoch's first batch is at startOffset (the rules are in the file comment). */
  assign(epoch: number, startOffset: number): AssignOutcome {
    checkEpoch(epoch);
    checkOffset("startOffset", startOffset);
    if (epoch < 0) return { kind: "ignored" };
    if (!this.needsUpdate(epoch, startOffset)) return { kind: "unchanged" };
    let keep = this.#entries.length;
    while (
      keep > 0 &&
      (this.#entries[keep - 1].epoch >= epoch || this.#entries[keep - 1].startOffset >= startOffset)
    ) keep--;
    const removed = this.#entries.splice(keep);
    this.#entries.push({ epoch, startOffset });
    return { kind: "added", removed };
  }

  /**
   * OffsetForLeaderEpoch: for the latest epoch, logEndOffset; for an older one, the start of
   * the first epoch after it, with the newest epoch at or below the one asked for (the asker
   * may have an epoch this log never saw); for one below every entry, the start of the first
   * entry with the epoch asked for (Kafka's answer: the data before it is gone, and the asker
   * must not keep anything past that start); never an end past logEndOffset; UNDEFINED_END
   * for UNDEFINED_EPOCH, for an epoch past the latest, and when the cache is empty.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    checkEpoch(requestedEpoch);
    checkOffset("logEndOffset", logEndOffset);
    return endOffsetIn(this.#entries, requestedEpoch, logEndOffset);
  }

  /** The epoch that wrote offset (the entry starting at or below it), or UNDEFINED_EPOCH. */
  epochForOffset(offset: number): number {
    checkOffset("offset", offset);
    let epoch = UNDEFINED_EPOCH;
    for (const entry of this.#entries) {
      if (entry.startOffset > offset) break;
      epoch = entry.epoch;
    }
    return epoch;
  }

  /** After the log was cut to end: drops the entries starting at or past it. */
  truncateFromEnd(endOffset: number): EpochEntry[] {
    checkOffset("endOffset", endOffset);
    let keep = this.#entries.length;
    while (keep > 0 && this.#entries[keep - 1].startOffset >= endOffset) keep--;
    return this.#entries.splice(keep);
  }

  /**
   * After the log start moved to startOffset: drops the entries wholly below it and moves the
   * one holding it up to it. Returns whether anything changed.
   */
  truncateFromStart(startOffset: number): boolean {
    checkOffset("startOffset", startOffset);
    const first = this.#entries[0];
    if (first === undefined || first.startOffset >= startOffset) return false;
    let holding = 0;
    while (
      holding + 1 < this.#entries.length && this.#entries[holding + 1].startOffset <= startOffset
    ) holding++;
    const kept = this.#entries.slice(holding);
    kept[0] = { epoch: kept[0].epoch, startOffset };
    this.#entries = kept;
    return true;
  }
}

/** Entries as the cache keeps them: both fields strictly increasing, epochs >= 0. */
export function checkEntries(entries: readonly EpochEntry[]): void {
  for (let i = 0; i < entries.length; i++) {
    const { epoch, startOffset } = entries[i];
    checkEpoch(epoch);
    checkOffset("startOffset", startOffset);
    if (epoch < 0) {
      throw new TributaryError("INVALID_REQUEST", `leader epoch entry ${i} has epoch ${epoch}`);
    }
    const before = entries[i - 1];
    if (before !== undefined && (epoch <= before.epoch || startOffset <= before.startOffset)) {
      throw new TributaryError(
        "INVALID_REQUEST",
        `leader epoch entries must increase: (${before.epoch}, ${before.startOffset}) then ` +
          `(${epoch}, ${startOffset})`,
      );
    }
  }
}

function checkEpoch(epoch: number): void {
  if ((epoch | 0) !== epoch) {
    throw new TributaryError("INVALID_REQUEST", `leader epoch ${epoch} is not an int32`);
  }
}

function checkOffset(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TributaryError("INVALID_REQUEST", `${name} ${value} is not an offset`);
  }
}
