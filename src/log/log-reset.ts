// Starting a partition log over, empty, at an offset (replication: a follower whose log end is
// below the leader's log start fetches nothing the leader still has, so it drops everything and
// continues at the leader's start, as Kafka's truncateFullyAndStartAt does). Unlike truncateTo,
// the new start may lie past the old log end. Runs under writeLock and the gate, like a
// truncation; the lowered recovery point, the cleaner's checkpoint and the cleared leader
// epochs reach the disk before anything can be appended at the new start.

import { lowerCleanerCheckpoint } from "./cleaner-checkpoint.ts";
import { checkOffsetArgument, type LogCore } from "./log-core.ts";
import { writeCheckpoint } from "./log-flush.ts";
import { truncateFullyAndStartAt } from "./log-truncate.ts";

export async function resetTo(core: LogCore, offset: number): Promise<void> {
  core.checkUsable();
  checkOffsetArgument("offset", offset);
  await core.writeLock.exclusive(() =>
    core.gate.exclusive(async () => {
      core.checkNotClosed();
      core.tail = null;
      core.truncations++;
      try {
        await truncateFullyAndStartAt(core, offset);
        await core.rt.fs.syncDir(core.dir);
        core.dirDirty = false;
      } catch (err) {
        throw core.fail("reset", err);
      }
      core.recoveryPoint = offset;
      await writeCheckpoint(core, "reset");
      try {
        await lowerCleanerCheckpoint(core.rt.fs, core.dir, offset);
        // Every epoch entry described records that are gone.
        if (core.epochs !== null) await core.epochs.truncateFromEnd(0);
      } catch (err) {
        throw core.fail("reset", err);
      }
      core.checkInvariants();
    })
  );
}
