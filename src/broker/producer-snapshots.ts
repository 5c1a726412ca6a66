// Producer state snapshot files of one partition directory, next to its segments:
//
//   00000000000000012345.snapshot   producer state as of offset 12345 (producer-snapshot.ts)
//
// A snapshot is written when a segment rolls (at the new segment's base offset) and at clean
// shutdown (at the log end); each is replaced atomically (.tmp, fsync, rename, fsync dir) and
// only the newest SNAPSHOTS_KEPT stay. Opening the partition restores the newest snapshot that
// decodes, at or below the log's recovery point, and replays only the log after it; a corrupt
// one is logged, removed and the next older one (or the whole log) used instead. Snapshots
// above the log end (cut by recovery or truncation) describe data that is gone and are removed.
//
// At a roll the table may still hold batches whose appends are in flight; the snapshot waits
// for those to settle, then keeps only batches wholly below its offset (the replay after the
// snapshot brings back the rest).
import { isIoError } from "../../runtime/types.ts";
import type { FileSystem } from "../../runtime/types.ts";
import { TributaryError } from "../model/errors.ts";
import { AsyncLock } from "../log/async-lock.ts";
import { writeFileAtomic } from "../log/durable-file.ts";
import type { PartitionLog } from "../log/partition-log.ts";
import { batchesIn } from "../log/record-batch.ts";
import { joinPath } from "../log/segment-files.ts";
import type { Logger } from "../logging/logger.ts";
import { assert } from "../model/errors.ts";
import { decodeProducerSnapshot, encodeProducerSnapshot } from "./producer-snapshot.ts";
import type { ProducerStateTable } from "./producer-state.ts";

export const SNAPSHOT_SUFFIX = ".snapshot";
/** Newest snapshots kept: the latest, and one to fall back on when it is damaged. */
export const SNAPSHOTS_KEPT = 2;
/** About 151 bytes per producer at five batches, for 100,000 producers, with room. */
const SNAPSHOT_BYTES_MAX = 64 * 1024 * 1024;
const REPLAY_CHUNK_BYTES = 1024 * 1024;
const SNAPSHOT_NAME = /^(\d{20})\.snapshot$/;

export function snapshotFileName(offset: number): string {
  return String(offset).padStart(20, "0") + SNAPSHOT_SUFFIX;
}

export function parseSnapshotFileName(name: string): number | null {
  const match = SNAPSHOT_NAME.exec(name);
  if (match === null) return null;
  const offset = Number(match[1]);
  return Number.isSafeInteger(offset) ? offset : null;
}

/** Offsets of the snapshot files in dir, ascending. */
export async function listSnapshotOffsets(fs: FileSystem, dir: string): Promise<number[]> {
  const offsets: number[] = [];
  for (const entry of await fs.list(dir)) {
    const offset = entry.isFile ? parseSnapshotFileName(entry.name) : null;
    if (offset !== null) offsets.push(offset);
  }
  return offsets.sort((a, b) => a - b);
}

export interface ProducerSnapshotsOptions {
  fs: FileSystem;
  dir: string;
  /** "topic-partition", for log fields. */
  partition: string;
  table: ProducerStateTable;
  logger: Logger;
}

export interface ProducerLoadResult {
  /** Offset of the snapshot restored, or null when the state came from the log alone. */
  snapshotOffset: number | null;
  /** Offsets of the log replayed after it. */
  replayedOffsets: number;
}

export class ProducerSnapshots {
  readonly #options: ProducerSnapshotsOptions;
  /** Snapshot writes and deletions, one at a time. */
  readonly #lock = new AsyncLock("producer snapshots");

  constructor(options: ProducerSnapshotsOptions) {
    this.#options = options;
  }

  /** Writes the snapshot at offset once the batches in flight now have settled. */
  async writeAt(offset: number): Promise<void> {
    await Promise.allSettled(this.#options.table.unsettled());
    await this.#lock.exclusive(async () => {
      const { fs, dir, table, logger, partition } = this.#options;
      const entries = table.snapshotEntries(offset);
      const bytes = encodeProducerSnapshot(entries);
      await writeFileAtomic(fs, dir, snapshotFileName(offset), bytes);
      logger.debug("producer.snapshot_written", `${partition}: producer snapshot at ${offset}`, {
        partition,
        offset,
        producers: entries.length,
        bytes: bytes.length,
      });
      await this.#pruneLocked();
    });
  }

  /** Removes snapshots above offset (their data was cut off the log). */
  async deleteAbove(offset: number): Promise<void> {
    await this.#lock.exclusive(async () => {
      const { fs, dir } = this.#options;
      for (const at of await listSnapshotOffsets(fs, dir)) {
        if (at > offset) await fs.remove(joinPath(dir, snapshotFileName(at)));
      }
      await fs.syncDir(dir);
    });
  }

  /** Rebuilds the table from the newest usable snapshot and the log after it. */
  async load(log: PartitionLog, nowMs: number): Promise<ProducerLoadResult> {
    const { table } = this.#options;
    table.clear();
    await this.deleteAbove(log.recoveryPoint);
    let snapshotOffset: number | null = null;
    const offsets = await listSnapshotOffsets(this.#options.fs, this.#options.dir);
    for (const offset of offsets.reverse()) {
      if (await this.#restore(offset, nowMs)) {
        snapshotOffset = offset;
        break;
      }
    }
    const from = Math.max(snapshotOffset ?? 0, log.logStartOffset);
    await replayLog(log, table, from, nowMs);
    return { snapshotOffset, replayedOffsets: log.logEndOffset - from };
  }

  /** Restores the snapshot at offset; false (logged, file removed) when it is corrupt. */
  async #restore(offset: number, nowMs: number): Promise<boolean> {
    const { fs, dir, table, logger, partition } = this.#options;
    const path = joinPath(dir, snapshotFileName(offset));
    try {
      const bytes = await fs.readFile(path);
      if (bytes.length > SNAPSHOT_BYTES_MAX) {
        throw new TributaryError(
          "KAFKA_STORAGE_ERROR",
          `corrupt producer snapshot: ${bytes.length} bytes, over ${SNAPSHOT_BYTES_MAX}`,
        );
      }
      table.restore(decodeProducerSnapshot(bytes), nowMs);
      return true;
    } catch (err) {
      if (isIoError(err, "ENOENT")) return false;
      if (!(err instanceof TributaryError && err.code === "KAFKA_STORAGE_ERROR")) throw err;
      logger.warn("producer.snapshot_corrupt", `${partition}: ignoring ${path}: ${err.message}`, {
        partition,
        offset,
        path,
      });
      table.clear();
      await fs.remove(path);
      return false;
    }
  }

  async #pruneLocked(): Promise<void> {
    const { fs, dir } = this.#options;
    const offsets = await listSnapshotOffsets(fs, dir);
    const old = offsets.slice(0, Math.max(0, offsets.length - SNAPSHOTS_KEPT));
    for (const offset of old) await fs.remove(joinPath(dir, snapshotFileName(offset)));
    // Durable, or a crash brings the removed snapshots back and they pile up.
    if (old.length > 0) await fs.syncDir(dir);
  }
}

/** Replays the idempotent batches of [from, log end) into the table. */
async function replayLog(
  log: PartitionLog,
  table: ProducerStateTable,
  from: number,
  nowMs: number,
): Promise<void> {
  const end = log.logEndOffset;
  // Every read returns at least one batch, so this runs at most end - from times.
  for (let offset = from; offset < end;) {
    // Offsets lost with a missing segment (log.gap_detected) have nothing to replay.
    offset = log.gapAt(offset)?.toOffset ?? offset;
    if (offset >= end) break;
    const { bytes, nextOffset } = await log.read(offset, REPLAY_CHUNK_BYTES);
    assert(nextOffset > offset, `producer state replay at ${offset} made no progress`);
    for (const { header } of batchesIn(bytes)) {
      if (header.baseOffset + header.lastOffsetDelta >= from) table.replay(header, nowMs);
    }
    offset = nextOffset;
  }
}
