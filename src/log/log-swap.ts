// The cleaner's swap (cleaner.ts): cleaned segments take the place of the ones they were
// written from. Under writeLock, so no roll, truncation or retention runs meanwhile, and the
// commit itself under the gate, so no reader is on the old files while they are renamed away.

import { assert } from "../model/errors.ts";
import type { LogCore } from "./log-core.ts";
import type { LogSegment } from "./segment.ts";

export interface SwapPlan {
  old: readonly LogSegment[];
  replacement: LogSegment | null;
  /** The log's truncation count when the cleaner read `old`. */
  truncations: number;
}

/**
 * Under the write lock, checks that `old` are still consecutive closed segments of this log
 * and that no truncation happened since `truncations` was read, then runs `commit` (which moves
 * the files, see cleaner-files.ts) and puts `replacement` in place of `old` (with a null
 * replacement the segments stay as they are). Readers still on the old segments finish before
 * the commit starts. Returns false, running nothing, when retention, truncation or record
 * deletion changed the segments first.
 */
export async function replaceSegments(
  core: LogCore,
  plan: SwapPlan,
  commit: () => Promise<void>,
): Promise<boolean> {
  core.checkUsable();
  return await core.writeLock.exclusive(async () => {
    core.checkNotClosed();
    const { old, replacement } = plan;
    const at = old.length === 0 ? 0 : core.segments.indexOf(old[0]);
    const intact = plan.truncations === core.truncations && at >= 0 &&
      at + old.length < core.segments.length &&
      old.every((segment, i) => core.segments[at + i] === segment);
    if (!intact) return false;
    // The commit renames and removes the old segments' files, so no reader may be on them
    // from then on: one whose handle the open-file budget closed could not reopen them.
    await core.gate.exclusive(async () => {
      try {
        await commit();
      } catch (err) {
        throw core.fail("clean", err);
      }
      if (replacement === null) return;
      assert(replacement.baseOffset === old[0].baseOffset, "a cleaned segment keeps its base");
      const next = [...core.segments];
      next.splice(at, old.length, replacement);
      core.segments = next;
      for (const segment of old) core.sizeBytes -= segment.sizeBytes;
      core.sizeBytes += replacement.sizeBytes;
      try {
        for (const segment of old) await segment.close();
      } catch (err) {
        throw core.fail("clean", err);
      }
      core.checkInvariants();
    });
    return true;
  });
}
