// PartitionLog with its leader-epoch cache (LoadOptions.leaderEpochs): off by default (no file,
// nothing changes), rebuilt for a data directory written before it, and kept in step by
// append, appendWithOffsets, truncateTo, retention and DeleteRecords.
import { describe, expect, it } from "vitest";
import { RuntimeIoError } from "../../runtime/types.ts";
import { UNDEFINED_END } from "../../src/log/leader-epoch-cache.ts";
import { LEADER_EPOCH_CHECKPOINT_FILE } from "../../src/log/leader-epoch-checkpoint.ts";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { setBaseOffset, setPartitionLeaderEpoch } from "../../src/log/record-batch.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { FuseFileSystem } from "./cleaner-support.ts";
import type { FileHandle, OpenOptions } from "../../runtime/types.ts";
import { CountingFileSystem, makeBatch, memoryRuntime, T0 } from "./support.ts";

const DIR = "/data/t-0";
const PATH = `${DIR}/${LEADER_EPOCH_CHECKPOINT_FILE}`;
const CONFIG = { segmentBytes: 400 };
const EPOCHS = { leaderEpochs: true };
type Rt = ReturnType<typeof memoryRuntime>;

async function fileText(rt: Rt): Promise<string> {
  return new TextDecoder().decode(await rt.fs.readFile(PATH));
}

/** A disk that is full for new leader-epoch checkpoint files while `full` is set. */
class FullForCheckpoints extends CountingFileSystem {
  full = false;

  override async open(path: string, options?: OpenOptions): Promise<FileHandle> {
    if (this.full && path.endsWith(`${LEADER_EPOCH_CHECKPOINT_FILE}.tmp`)) {
      throw new RuntimeIoError("ENOSPC", `open ${path}: no space left on device`);
    }
    return await super.open(path, options);
  }
}

/** A replicated batch of `records` records at baseOffset, written by leader epoch `epoch`. */
function replicated(baseOffset: number, epoch: number, records = 2): Uint8Array {
  const bytes = makeBatch(records);
  setBaseOffset(bytes, 0, baseOffset);
  setPartitionLeaderEpoch(bytes, 0, epoch);
  return bytes;
}

describe("PartitionLog leader epochs", () => {
  it("are off by default: no cache, no file, OffsetForLeaderEpoch undefined", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR, CONFIG);
    await log.append(makeBatch(3), { leaderEpoch: 0 });
    expect(log.leaderEpochs).toBeNull();
    expect(log.endOffsetForEpoch(0)).toEqual(UNDEFINED_END);
    await log.close();
    expect(await rt.fs.exists(PATH)).toBe(false);
  });

  it("a data directory written without them opens with (0, 0) from its batches", async () => {
    const rt = memoryRuntime();
    const before = await PartitionLog.open(rt, DIR, CONFIG);
    for (let i = 0; i < 6; i++) await before.append(makeBatch(3), { leaderEpoch: 0 });
    await before.close();
    const log = await PartitionLog.open(rt, DIR, CONFIG, EPOCHS);
    expect(log.leaderEpochs?.loadReport).toMatchObject({
      source: "rebuilt",
      rebuildReason: "missing",
    });
    expect(log.leaderEpochs?.entries()).toEqual([{ epoch: 0, startOffset: 0 }]);
    expect(log.endOffsetForEpoch(0)).toEqual({ leaderEpoch: 0, endOffset: 18 });
    expect(log.logEndOffset).toBe(18);
    expect(log.loadReport.truncations).toEqual([]);
    await log.close();
    expect(await fileText(rt)).toBe("0\n1\n0 0\n");
  });

  it("a new epoch costs one checkpoint write; later batches of it cost none", async () => {
    const rt = memoryRuntime();
    const counting = new CountingFileSystem(rt.fs);
    const log = await PartitionLog.open({ ...rt, fs: counting }, DIR, {}, EPOCHS);
    await log.append(makeBatch(1), { leaderEpoch: 0 });
    const afterFirst = counting.syncs;
    for (let i = 0; i < 5; i++) await log.append(makeBatch(1), { leaderEpoch: 0 });
    expect(counting.syncs).toBe(afterFirst);
    await log.append(makeBatch(1), { leaderEpoch: 1 });
    // writeFileAtomic: one file fsync and one directory fsync.
    expect(counting.syncs).toBe(afterFirst + 2);
    expect(log.leaderEpochs?.entries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 6 },
    ]);
    await log.close();
  });

  it("follows appends, replicated appends, truncation and front deletion", async () => {
    const rt = memoryRuntime();
    let log = await PartitionLog.open(rt, DIR, CONFIG, EPOCHS);
    await log.append(makeBatch(3), { leaderEpoch: 0 });
    await log.append(makeBatch(3), { leaderEpoch: 2 });
    await log.appendWithOffsets(replicated(6, 2));
    await log.appendWithOffsets(replicated(8, 5, 4));
    expect(await fileText(rt)).toBe("0\n3\n0 0\n2 3\n5 8\n");
    expect(log.endOffsetForEpoch(2)).toEqual({ leaderEpoch: 2, endOffset: 8 });
    expect(log.endOffsetForEpoch(4)).toEqual({ leaderEpoch: 2, endOffset: 8 });
    expect(log.endOffsetForEpoch(5)).toEqual({ leaderEpoch: 5, endOffset: 12 });
    // KIP-101 at the log: a follower cuts its divergent epoch-5 suffix...
    await log.truncateTo(8);
    expect(await fileText(rt)).toBe("0\n2\n0 0\n2 3\n");
    // ...and takes the new leader's epoch 6 from there.
    await log.appendWithOffsets(replicated(8, 6));
    await log.deleteRecordsBefore(4);
    expect(await fileText(rt)).toBe("0\n2\n2 4\n6 8\n");
    await log.close();
    log = await PartitionLog.open(rt, DIR, CONFIG, EPOCHS);
    expect(log.leaderEpochs?.loadReport.source).toBe("checkpoint");
    expect(log.leaderEpochs?.entries()).toEqual([
      { epoch: 2, startOffset: 4 },
      { epoch: 6, startOffset: 8 },
    ]);
    expect(log.endOffsetForEpoch(1)).toEqual({ leaderEpoch: 1, endOffset: 4 });
    await log.close();
  });

  it("retention moves the first entry with the log start", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR, { ...CONFIG, retentionMs: 1000 }, EPOCHS);
    for (let i = 0; i < 8; i++) await log.append(makeBatch(3), { leaderEpoch: i < 4 ? 1 : 3 });
    expect(log.segmentCount).toBeGreaterThan(2);
    rt.time.advance(5_000);
    await log.append(makeBatch(1, { timestamp: T0 + 5_000 }), { leaderEpoch: 3 });
    const deleted = await log.applyRetention();
    expect(deleted).toBeGreaterThan(0);
    const start = log.logStartOffset;
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThan(log.logEndOffset);
    const entries = log.leaderEpochs?.entries() ?? [];
    expect(entries[0].startOffset).toBe(start);
    expect(entries.at(-1)).toEqual({ epoch: 3, startOffset: Math.max(12, start) });
    await log.close();
  });

  it("a truncation below the first segment starts the cache over (as Kafka clears it)", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR, CONFIG, EPOCHS);
    for (let i = 0; i < 8; i++) await log.append(makeBatch(3), { leaderEpoch: i < 6 ? 2 : 4 });
    await log.deleteRecordsBefore(15);
    const firstBase = log.segmentBaseOffsets()[0];
    expect(firstBase).toBeGreaterThan(5);
    expect(log.leaderEpochs?.entries()).toEqual([
      { epoch: 2, startOffset: 15 },
      { epoch: 4, startOffset: 18 },
    ]);
    await log.truncateTo(5);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([5, 5]);
    expect(log.leaderEpochs?.entries()).toEqual([]);
    await log.appendWithOffsets(replicated(5, 7));
    expect(log.leaderEpochs?.entries()).toEqual([{ epoch: 7, startOffset: 5 }]);
    await log.close();
  });

  it("a failed checkpoint write fails the append before its batch is written", async () => {
    const rt = memoryRuntime();
    const fuse = new FuseFileSystem(
      rt.disk,
      (op, path) => op === "open" && path.endsWith(`${LEADER_EPOCH_CHECKPOINT_FILE}.tmp`),
      () => {},
    );
    const log = await PartitionLog.open(rt, DIR, CONFIG, EPOCHS).then(async (opened) => {
      await opened.append(makeBatch(2), { leaderEpoch: 0 });
      await opened.close();
      return await PartitionLog.open({ ...rt, fs: fuse }, DIR, CONFIG, EPOCHS);
    });
    const refused = await log.append(makeBatch(2), { leaderEpoch: 1 }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(TributaryError);
    expect((refused as TributaryError).code).toBe("KAFKA_STORAGE_ERROR");
    expect((refused as TributaryError).cause).toBeInstanceOf(RuntimeIoError);
    expect(log.logEndOffset).toBe(2);
    expect(log.failure).not.toBeNull();
  });

  it("a full disk at a new epoch refuses the append; the retry records the epoch again", async () => {
    const rt = memoryRuntime();
    const disk = new FullForCheckpoints(rt.fs);
    const log = await PartitionLog.open({ ...rt, fs: disk }, DIR, CONFIG, EPOCHS);
    await log.append(makeBatch(2), { leaderEpoch: 0 });
    disk.full = true;
    const refused = await log.append(makeBatch(2), { leaderEpoch: 1 }).then(
      () => null,
      (err: unknown) => err,
    );
    expect((refused as TributaryError).code).toBe("KAFKA_STORAGE_ERROR");
    expect(log.writeDegraded).not.toBeNull();
    expect(log.failure).toBeNull();
    expect(log.logEndOffset).toBe(2);
    expect(log.leaderEpochs?.entries()).toEqual([{ epoch: 0, startOffset: 0 }]);
    disk.full = false;
    await log.append(makeBatch(2), { leaderEpoch: 1 });
    expect(await fileText(rt)).toBe("0\n2\n0 0\n1 2\n");
    await log.close();
  });
});
