// Truncation of a partition log: dropping every offset at or past a point (replication cuts a
// follower's divergent tail this way). Runs under writeLock and the gate, so no append, read or
// sync round sees a file while it is cut. Segment files go newest first, so a crash part way
// leaves a prefix of the old log, and the lowered recovery point (and the cleaner's) reach the
// disk before anything new can be appended below them.
//
// The log does not know the high watermark: its owner clamps it to the new logEndOffset
// afterwards (Partition.truncateTo in src/broker/partition.ts).

import { lowerCleanerCheckpoint } from "./cleaner-checkpoint.ts";
import { checkOffsetArgument, type LogCore } from "./log-core.ts";
import { writeCheckpoint } from "./log-flush.ts";
import { deleteSegmentFiles } from "./log-loader.ts";
import { LogSegment, segmentIndexOf } from "./segment.ts";

/**
 * Drops every offset >= offset. Works in whole batches: when offset falls inside a batch, that
 * batch goes too, so logEndOffset may end up below offset.
 */
export async function truncateTo(core: LogCore, offset: number): Promise<void> {
  core.checkUsable();
  checkOffsetArgument("offset", offset);
  await core.writeLock.exclusive(() =>
    core.gate.exclusive(async () => {
      core.checkNotClosed();
      if (offset >= core.logEndOffset) return;
      core.tail = null;
      core.truncations++;
      try {
        if (offset < core.segments[0].baseOffset) await truncateFullyAndStartAt(core, offset);
        else await truncateWithin(core, offset);
        await core.rt.fs.syncDir(core.dir);
        core.dirDirty = false;
      } catch (err) {
        throw core.fail("truncate", err);
      }
      core.recoveryPoint = Math.min(core.recoveryPoint, core.logEndOffset);
      core.logStartOffset = Math.min(core.logStartOffset, core.logEndOffset);
      // Lower the recovery point on disk before anything new can be appended below it.
      await writeCheckpoint(core, "truncate");
      // Likewise the cleaner's: new records below it would pass for compacted ones. And the
      // leader epochs: a new epoch's first batch may land where the cut ones were.
      try {
        await lowerCleanerCheckpoint(core.rt.fs, core.dir, core.logEndOffset);
        // (A log started over below its first segment keeps no epoch: every entry starts at or
        // past the old log start, so this clears the cache, as Kafka does there.)
        if (core.epochs !== null) await core.epochs.truncateFromEnd(core.logEndOffset);
      } catch (err) {
        throw core.fail("truncate", err);
      }
      core.checkInvariants();
    })
  );
}

async function truncateWithin(core: LogCore, offset: number): Promise<void> {
  let keep = segmentIndexOf(core.segments, offset);
  if (keep > 0 && core.segments[keep].baseOffset === offset) keep--;
  const doomed = core.segments.slice(keep + 1);
  core.segments = core.segments.slice(0, keep + 1);
  // Newest first: directory changes reach the disk in order, so a crash part way leaves the
  // log cut at a segment boundary, never with a hole in the middle.
  for (const segment of doomed.reverse()) {
    core.sizeBytes -= segment.sizeBytes;
    await deleteSegmentFiles(core.rt.fs, core.dir, segment);
  }
  // The removals must be durable before the cut: a crash must not keep a cut segment with
  // later segments still after it.
  if (doomed.length > 0) await core.rt.fs.syncDir(core.dir);
  const segment = core.active;
  const before = segment.sizeBytes;
  await segment.truncateTo(offset);
  core.sizeBytes -= before - segment.sizeBytes;
  await segment.sync(false);
}

export async function truncateFullyAndStartAt(core: LogCore, offset: number): Promise<void> {
  // Newest first, and the fresh segment last: a crash part way leaves a prefix of the old log.
  for (const segment of [...core.segments].reverse()) {
    await deleteSegmentFiles(core.rt.fs, core.dir, segment);
  }
  await core.rt.fs.syncDir(core.dir);
  core.sizeBytes = 0;
  core.segments = [
    await LogSegment.create(core.rt.fs, core.dir, offset, core.rt.clock.nowMs(), core.policy),
  ];
  core.logStartOffset = offset;
}
