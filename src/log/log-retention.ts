// Deleting a partition log from the front: retention (retention.ms / retention.bytes, the rule
// in retention.ts) and DeleteRecords. Both run under writeLock: they move logStartOffset
// forward, checkpoint it, then take the segments wholly below it out of the log under the gate
// (segment-deleter.ts removes their files, after file.delete.delay.ms when set). The active
// segment is rolled first when it would go too.

import { assert, TributaryError } from "../model/errors.ts";
import { policyDeletes } from "./config.ts";
import type { LeaderEpochStore } from "./leader-epoch-store.ts";
import { checkOffsetArgument, type LogCore } from "./log-core.ts";
import { waitDurable, writeCheckpoint } from "./log-flush.ts";
import { rollOrFail } from "./log-roll.ts";
import { segmentsToDelete } from "./retention.ts";

/** Advances logStartOffset (DeleteRecords); segments wholly below it are deleted. */
export async function deleteRecordsBefore(core: LogCore, offset: number): Promise<void> {
  core.checkUsable();
  checkOffsetArgument("offset", offset);
  // Never let the checkpointed start pass data a crash could still take away. (Waited for
  // outside writeLock: a round waits for queued appends, which wait for writeLock.)
  if (offset <= core.logEndOffset && offset > core.recoveryPoint) await waitDurable(core, offset);
  await core.writeLock.exclusive(async () => {
    core.checkNotClosed();
    if (offset > core.logEndOffset) {
      throw new TributaryError(
        "OFFSET_OUT_OF_RANGE",
        `cannot delete records before ${offset}: log ends at ${core.logEndOffset}`,
      );
    }
    if (offset <= core.logStartOffset) return;
    core.logStartOffset = offset;
    await writeCheckpoint(core);
    if (core.epochs !== null) await trimEpochs(core, core.epochs);
    const active = core.active;
    if (!active.isEmpty && active.nextOffset <= offset) {
      await rollOrFail(core, core.logEndOffset, "records-deleted");
    }
    let count = 0;
    while (count < core.segments.length - 1 && core.segments[count + 1].baseOffset <= offset) {
      count++;
    }
    await deleteOldest(core, count);
  });
}

/**
 * Deletes segments by retention.ms / retention.bytes (retention.ts), the active one included
 * as Kafka does: when every segment is due, a new empty active segment is rolled at the log
 * end first, so the log start offset moves to the log end and appends continue there. Only
 * with cleanup.policy delete or compact,delete, and only below highWatermark (data not yet
 * committed is never deleted).
 */
export async function applyRetention(
  core: LogCore,
  nowMs: number,
  options: { highWatermark?: number },
): Promise<number> {
  core.checkUsable();
  return await core.writeLock.exclusive(async () => {
    core.checkNotClosed();
    if (!policyDeletes(core.config.cleanupPolicy)) return 0;
    const upTo = Math.min(options.highWatermark ?? core.logEndOffset, core.logEndOffset);
    const count = segmentsToDelete(core.segments, core.config, nowMs, upTo);
    if (count === 0) return 0;
    if (count === core.segments.length) await rollOrFail(core, core.logEndOffset, "retention");
    core.logStartOffset = Math.max(core.logStartOffset, core.segments[count].baseOffset);
    await writeCheckpoint(core);
    if (core.epochs !== null) await trimEpochs(core, core.epochs);
    await deleteOldest(core, count);
    return count;
  });
}

/**
 * After the log start moved (and was checkpointed): the leader epochs follow it. (Called only
 * when the log keeps them, so a log without them runs exactly the awaits it ran before.)
 */
async function trimEpochs(core: LogCore, epochs: LeaderEpochStore): Promise<void> {
  try {
    await epochs.truncateFromStart(core.logStartOffset);
  } catch (err) {
    throw core.fail("checkpoint", err);
  }
}

/** Removes the count oldest segments (the log start offset is already past them). */
async function deleteOldest(core: LogCore, count: number): Promise<void> {
  if (count === 0) return;
  assert(count < core.segments.length, "the active segment is never deleted");
  await core.gate.exclusive(async () => {
    const doomed = core.segments.slice(0, count);
    core.segments = core.segments.slice(count);
    assert(
      core.segments[0].baseOffset <= core.logStartOffset,
      "log start offset lies in the first segment",
    );
    try {
      for (const segment of doomed) {
        core.sizeBytes -= segment.sizeBytes;
        await core.deleter.delete(segment, core.config.fileDeleteDelayMs ?? 0);
      }
    } catch (err) {
      throw core.fail("delete segment", err);
    }
    core.dirDirty = true;
    core.checkInvariants();
  });
}
