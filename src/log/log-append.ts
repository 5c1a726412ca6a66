// The write path of a partition log: producer appends (the log assigns offsets, and coalesces
// appends queued behind the write lock into one file write) and replication's appends with
// offsets already set, rolling the active segment when a batch does not fit (log-roll.ts) and
// waiting for fsync as the append asks (log-flush.ts).
//
// Appends run under writeLock and in its order, without the gate: they only add bytes past
// what readers and sync rounds look at. A write that found the disk full leaves the log on a
// batch boundary and only degrades writes (LogCore.fail); the next successful one marks writes
// healthy again.

import { assert, TributaryError } from "../model/errors.ts";
import { type InputBatch, parseAppendInput } from "./append-input.ts";
import type { LeaderEpochStore } from "./leader-epoch-store.ts";
import type { LogCore } from "./log-core.ts";
import { afterAppend } from "./log-flush.ts";
import { roll, rollBaseOffset } from "./log-roll.ts";
import { concatPending, type PendingAppend } from "./pending-appends.ts";
import { lastOffsetOf, setBaseOffset, setPartitionLeaderEpoch } from "./record-batch.ts";
import { type RollReason, rollReason } from "./segment-roll.ts";
import { cacheTail } from "./tail-cache.ts";

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Position of the first batch in its segment file. */
  position: number;
}

export interface AppendOptions {
  /** Resolve only after an fsync covering this append (shared with concurrent ones). */
  durable?: boolean;
  /** Stamped into every batch's partitionLeaderEpoch. */
  leaderEpoch?: number;
  /**
   * The caller validated these exact bytes (CRC included) just before: the log checks framing,
   * offsets and sizes but does not compute every batch's CRC a second time.
   */
  crcVerified?: boolean;
}

/** Most bytes one file write carries when queued producer appends are written together. */
const COALESCED_APPEND_BYTES_MAX = 8 * 1024 * 1024;

/** A producer append: the log assigns the offsets, from logEndOffset on. */
export async function append(
  core: LogCore,
  batches: Uint8Array,
  options: AppendOptions,
): Promise<AppendResult> {
  core.checkUsable();
  const input = parseAppendInput(batches, {
    assignOffsets: true,
    batchBytesMax: core.config.segmentBytes,
    crcVerified: options.crcVerified === true,
  });
  if (options.leaderEpoch !== undefined) stampLeaderEpoch(batches, input, options.leaderEpoch);
  const entry = core.pending.add(batches, input);
  let result: AppendResult;
  try {
    result = await core.appends.run(() => appendPending(core, entry));
  } catch (err) {
    core.pending.remove(entry);
    // Refused before the lock yet written by an append ahead of it: it is in the log.
    if (entry.result === null) throw err;
    result = entry.result;
  }
  await afterAppend(core, result.lastOffset + 1, options.durable === true);
  return result;
}

/** Replication: batches keep their offsets; the first must be at or past logEndOffset. */
export async function appendWithOffsets(
  core: LogCore,
  batches: Uint8Array,
  options: { durable?: boolean },
): Promise<AppendResult> {
  core.checkUsable();
  const input = parseAppendInput(batches, {
    assignOffsets: false,
    batchBytesMax: core.config.segmentBytes,
  });
  const result = await core.appends.run(async () => {
    core.checkNotClosed();
    const first = input[0].header.baseOffset;
    if (first < core.logEndOffset) {
      throw new TributaryError(
        "OFFSET_OUT_OF_RANGE",
        `append at offset ${first} below log end ${core.logEndOffset}`,
      );
    }
    return await appendLocked(core, batches, input);
  });
  await afterAppend(core, result.lastOffset + 1, options.durable === true);
  return result;
}

/** Under writeLock: writes entry, with the appends queued behind it, unless one did already. */
async function appendPending(core: LogCore, entry: PendingAppend): Promise<AppendResult> {
  if (entry.result === null && entry.error === null) {
    core.checkNotClosed();
    const claimed = core.pending.claimFrom(entry, COALESCED_APPEND_BYTES_MAX);
    try {
      await writePending(core, claimed);
    } catch (err) {
      for (const c of claimed) if (c.result === null) c.error = err;
    }
  }
  if (entry.error !== null) throw entry.error;
  assert(entry.result !== null, "a claimed append has its result");
  return entry.result;
}

/** Assigns offsets to the claimed appends in order and writes them, in one write if they fit. */
async function writePending(core: LogCore, claimed: PendingAppend[]): Promise<void> {
  let next = core.logEndOffset;
  for (const { bytes, input } of claimed) {
    for (const batch of input) {
      setBaseOffset(bytes, batch.at, next);
      batch.header.baseOffset = next;
      next = lastOffsetOf(batch.header) + 1;
    }
  }
  if (claimed.length > 1) {
    const joined = concatPending(claimed);
    if (fitsActive(core, joined.input)) {
      const written = await appendLocked(core, joined.bytes, joined.input);
      claimed.forEach((c, i) => {
        c.result = {
          baseOffset: c.input[0].header.baseOffset,
          lastOffset: lastOffsetOf(c.input[c.input.length - 1].header),
          position: written.position + joined.starts[i],
        };
      });
      return;
    }
  }
  for (const c of claimed) c.result = await appendLocked(core, c.bytes, c.input);
}

/** All of input goes into the active segment without a roll (one write). */
function fitsActive(core: LogCore, input: InputBatch[]): boolean {
  return !mustRoll(core, input[0], core.active.sizeBytes, 0) &&
    runEnd(core, input, 0) === input.length;
}

/** Writes validated batches with offsets set, rolling segments as needed. Holds writeLock. */
async function appendLocked(
  core: LogCore,
  bytes: Uint8Array,
  input: InputBatch[],
): Promise<AppendResult> {
  if (core.epochs !== null) await recordEpochs(core, core.epochs, input);
  let position = -1;
  try {
    // Each iteration writes at least one batch, so this ends after input.length rounds.
    for (let i = 0; i < input.length;) {
      const reason = activeRollReason(core, input[i], core.active.sizeBytes, 0);
      if (reason !== null) {
        await roll(core, rollBaseOffset(core.active, input[i].header), reason);
      }
      const end = runEnd(core, input, i);
      const written = await writeRun(core, bytes, input, i, end);
      if (position < 0) position = written;
      i = end;
    }
  } catch (err) {
    throw core.fail("append", err);
  }
  core.writeHealth.markHealthy();
  const last = input[input.length - 1].header;
  assert(
    core.logEndOffset === lastOffsetOf(last) + 1,
    `log end ${core.logEndOffset} follows the append`,
  );
  return { baseOffset: input[0].header.baseOffset, lastOffset: lastOffsetOf(last), position };
}

/**
 * Records a batch that starts a new leader epoch before it is written (the store's ordering
 * rule: its file may run ahead of the log after a crash, never behind). Holds writeLock.
 */
async function recordEpochs(
  core: LogCore,
  epochs: LeaderEpochStore,
  input: InputBatch[],
): Promise<void> {
  for (const { header } of input) {
    if (!epochs.needsUpdate(header.partitionLeaderEpoch, header.baseOffset)) continue;
    try {
      await epochs.assign(header.partitionLeaderEpoch, header.baseOffset);
    } catch (err) {
      throw core.fail("checkpoint", err);
    }
  }
}

/** End (exclusive) of the run of batches from i that fit the active segment together. */
function runEnd(core: LogCore, input: InputBatch[], i: number): number {
  let sizeBytes = core.active.sizeBytes + input[i].sizeBytes;
  let end = i + 1;
  while (end < input.length && !mustRoll(core, input[end], sizeBytes, end - i)) {
    sizeBytes += input[end].sizeBytes;
    end++;
  }
  return end;
}

// Positional arguments below, not an options object: these run once per batch appended.

/** Whether batch cannot join the active segment after `pending` batches totalling sizeBytes. */
function mustRoll(core: LogCore, batch: InputBatch, sizeBytes: number, pending: number): boolean {
  return activeRollReason(core, batch, sizeBytes, pending) !== null;
}

function activeRollReason(
  core: LogCore,
  batch: InputBatch,
  sizeBytes: number,
  pending: number,
): RollReason | null {
  const nowMs = () => core.rt.clock.nowMs();
  return rollReason(core.active, batch, { sizeBytes, pending, nowMs }, core.config);
}

/** Writes input[from, to) to the active segment in one write; returns its position there. */
async function writeRun(
  core: LogCore,
  bytes: Uint8Array,
  input: InputBatch[],
  from: number,
  to: number,
): Promise<number> {
  const start = input[from].at;
  const last = input[to - 1];
  const end = last.at + last.sizeBytes;
  const run = input.slice(from, to).map((batch) => ({
    at: batch.at - start,
    sizeBytes: batch.sizeBytes,
    header: batch.header,
  }));
  const active = core.active;
  const position = await active.append(bytes.subarray(start, end), run);
  core.tail = cacheTail(active, position, bytes.subarray(start, end));
  core.sizeBytes += end - start;
  return position;
}

function stampLeaderEpoch(bytes: Uint8Array, input: InputBatch[], epoch: number): void {
  if ((epoch | 0) !== epoch) {
    throw new TributaryError("INVALID_REQUEST", `leaderEpoch ${epoch} is not an int32`);
  }
  for (const batch of input) {
    setPartitionLeaderEpoch(bytes, batch.at, epoch);
    batch.header.partitionLeaderEpoch = epoch;
  }
}
