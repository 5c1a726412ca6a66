// Durability of a partition log: group-commit fsync rounds, the recovery point, the checkpoint
// file, and the flush.messages / flush.ms policy applied after appends.
//
// The recovery point is the offset below which everything is fsynced; a round advances it.
// fsyncs run in group-commit rounds (group-commit.ts) outside writeLock. A round first lets the
// appends already queued write (append-queue.ts), then one fsync covers them all; appends
// arriving meanwhile land in the page cache and ride the next round.
//
// Index files of the active segment are written only at roll (log-roll.ts) and close
// (log-close.ts), since recovery rebuilds the indexes of every segment at or after the recovery
// point anyway. Creating or deleting segment files marks the directory dirty; the next round
// syncs it before any durable append that needs it is acknowledged.

import { writeCheckpoint as writeCheckpointFile } from "./checkpoint.ts";
import type { LogCore } from "./log-core.ts";

/** Fsyncs everything appended so far, advances the recovery point and checkpoints it. */
export async function flush(core: LogCore): Promise<void> {
  core.checkUsable();
  await flushAndCheckpoint(core, core.logEndOffset);
}

export async function flushAndCheckpoint(core: LogCore, offset: number): Promise<void> {
  await waitDurable(core, offset);
  await writeCheckpoint(core);
}

/** Resolves once a round made everything below offset durable. */
export async function waitDurable(core: LogCore, offset: number): Promise<void> {
  try {
    await core.groupCommit.waitDurable(offset);
  } catch (err) {
    throw core.fail("fsync", err);
  }
}

/** After an append up to endOffset: waits for its fsync if durable or flush.messages says so. */
export async function afterAppend(
  core: LogCore,
  endOffset: number,
  durable: boolean,
): Promise<void> {
  const unflushed = core.logEndOffset - core.recoveryPoint;
  if (durable) await waitDurable(core, endOffset);
  else if (unflushed >= core.config.flushMessages) await waitDurable(core, core.logEndOffset);
  armFlushTimer(core);
}

/**
 * One group-commit round: fsync every dirty file (and the directory), then advance. It first
 * waits for the appends already queued to write, so one fsync covers all of them even on
 * hosts whose file handles serialize writes with fsync (Deno); later appends do not delay it.
 * It holds no lock while it waits, so a lock holder that awaits a round cannot deadlock.
 */
export async function syncRound(
  core: LogCore,
  onTarget: (target: number) => void,
): Promise<void> {
  await core.appends.drained();
  return await core.gate.shared(async () => {
    if (core.lifecycle === "closed") {
      onTarget(core.recoveryPoint);
      return;
    }
    if (core.failure !== null) throw core.failure;
    const target = core.logEndOffset;
    onTarget(target);
    const segments = core.segments;
    const active = segments[segments.length - 1];
    const dirDirty = core.dirDirty;
    core.dirDirty = false;
    try {
      for (const segment of segments) if (segment.dirty) await segment.sync(segment !== active);
      if (dirDirty) await core.rt.fs.syncDir(core.dir);
    } catch (err) {
      core.dirDirty ||= dirDirty;
      throw core.fail("fsync", err);
    }
    core.recoveryPoint = Math.max(core.recoveryPoint, target);
    core.checkInvariants();
  });
}

/** flush.ms: schedules a background flush in flushMs, unless one is due or all is flushed. */
export function armFlushTimer(core: LogCore): void {
  if (core.flushTimer !== null || core.config.flushMs === Infinity || core.lifecycle !== "open") {
    return;
  }
  if (core.logEndOffset <= core.recoveryPoint) return;
  core.flushTimer = core.rt.timers.setTimeout(() => {
    core.flushTimer = null;
    if (core.lifecycle === "open" && core.failure === null) {
      core.track(flushAndCheckpoint(core, core.logEndOffset));
    }
  }, core.config.flushMs);
}

/** Checkpoints are written one at a time, each with the values current when it starts. */
export function writeCheckpoint(core: LogCore, operation = "checkpoint"): Promise<void> {
  return core.checkpointLock.exclusive(async () => {
    const next = { logStartOffset: core.logStartOffset, recoveryPoint: core.recoveryPoint };
    const last = core.checkpointed;
    if (
      next.logStartOffset === last.logStartOffset && next.recoveryPoint === last.recoveryPoint
    ) return;
    try {
      await writeCheckpointFile(core.rt.fs, core.dir, next);
    } catch (err) {
      throw core.fail(operation, err);
    }
    core.checkpointed = next;
  });
}
