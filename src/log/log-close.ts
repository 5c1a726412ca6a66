// Closing a partition log: close() (a final flush, checkpoint and clean-shutdown marker, so
// the next open skips recovery) and deleteAll() (topic deletion: no flush, the directory goes).
// Both refuse new operations at once and wait, behind writeLock and then the gate, for the ones
// accepted before, and for background work (roll flushes, flush.ms timers, delayed deletes).

import { assert } from "../model/errors.ts";
import { writeCleanShutdownMarker } from "./checkpoint.ts";
import type { LogCore } from "./log-core.ts";
import { writeCheckpoint } from "./log-flush.ts";
import { parentPath } from "./segment-files.ts";

/** Flushes, checkpoints and writes the clean-shutdown marker. Idempotent. */
export function close(core: LogCore): Promise<void> {
  core.closing ??= shutdown(core, true);
  return core.closing;
}

/** Closes without the final flush and removes the directory (topic deletion). */
export async function deleteAll(core: LogCore): Promise<void> {
  core.closing ??= shutdown(core, false);
  await core.closing;
  await core.rt.fs.remove(core.dir, { recursive: true });
  await core.rt.fs.syncDir(parentPath(core.dir));
}

async function shutdown(core: LogCore, clean: boolean): Promise<void> {
  core.lifecycle = "closing";
  core.writeHealth.stop();
  core.flushTimer?.cancel();
  core.flushTimer = null;
  core.deleter.cancelPending();
  await settleBackground(core);
  await core.writeLock.exclusive(async () => {
    // Appends ahead of close may have rolled and started background flushes; no append can
    // be queued behind this lock now (closing refuses them), so those flushes can finish.
    await settleBackground(core);
    await core.gate.exclusive(async () => {
      const wasHealthy = core.failure === null;
      try {
        if (clean && wasHealthy) await finalFlush(core);
      } finally {
        for (const segment of core.segments) await segment.close();
        core.lifecycle = "closed";
      }
    });
  });
}

/** Under both locks: everything durable, indexes complete, checkpoint and marker written. */
async function finalFlush(core: LogCore): Promise<void> {
  try {
    core.active.seal();
    for (const segment of core.segments) await segment.sync(true);
    await core.rt.fs.syncDir(core.dir);
    core.recoveryPoint = core.logEndOffset;
    await writeCheckpoint(core);
    await writeCleanShutdownMarker(core.rt.fs, core.dir);
  } catch (err) {
    throw core.fail("close", err);
  }
}

async function settleBackground(core: LogCore): Promise<void> {
  // Background work can start more background work (a timer flush); bounded by rounds.
  for (let i = 0; core.background.size > 0; i++) {
    assert(i < 1000, "background log work keeps coming");
    await Promise.all([...core.background]);
  }
}
