// Rolling a partition log: closing the active segment and starting the next one. When a batch
// forces a roll is segment-roll.ts; this is what a roll does and in which order.
//
// A roll fsyncs the old segment (data and indexes) before creating the next file, so a segment
// file that survives a crash proves all older ones whole.

import { assert } from "../model/errors.ts";
import { flushAndCheckpoint } from "./log-flush.ts";
import type { LogCore } from "./log-core.ts";
import { type BatchHeader, lastOffsetOf } from "./record-batch.ts";
import { LogSegment, RELATIVE_OFFSET_MAX } from "./segment.ts";
import type { RollReason } from "./segment-roll.ts";

/**
 * A new active segment at baseOffset. The old one is sealed and fsynced (data and indexes)
 * first: then a segment file that survives a crash proves every segment before it is whole,
 * so recovery never sees a hole where unflushed data of an older segment was lost.
 * Holds writeLock.
 */
export async function roll(core: LogCore, baseOffset: number, reason: RollReason): Promise<void> {
  const old = core.active;
  assert(baseOffset >= old.nextOffset, `roll at ${baseOffset} after ${old.nextOffset}`);
  old.seal();
  await old.sync(true);
  const segment = await LogSegment.create(
    core.rt.fs,
    core.dir,
    baseOffset,
    core.rt.clock.nowMs(),
    core.policy,
  );
  core.segments = [...core.segments, segment];
  core.dirDirty = true;
  // Make the new file durable and move the recovery point past the old segment soon, so
  // recovery after a crash stays short (Kafka flushes after a roll too).
  core.track(flushAndCheckpoint(core, baseOffset));
  core.hooks.onRoll?.(baseOffset, reason);
}

/** A roll outside the append path (retention, record deletion); its failure fails the log. */
export async function rollOrFail(
  core: LogCore,
  baseOffset: number,
  reason: RollReason,
): Promise<void> {
  try {
    await roll(core, baseOffset, reason);
  } catch (err) {
    throw core.fail("roll", err);
  }
}

/**
 * Where a roll starts the next segment: at the old one's end, even when the batch leaves a gap
 * in the offsets (replication), so segment bases stay contiguous and a gap between segments at
 * open always means a lost segment file (log-loader.ts). Only a gap too wide for the relative
 * offsets of the index starts the segment at the batch.
 */
export function rollBaseOffset(old: LogSegment, batch: BatchHeader): number {
  return lastOffsetOf(batch) - old.nextOffset <= RELATIVE_OFFSET_MAX
    ? old.nextOffset
    : batch.baseOffset;
}
