import { describe, expect, it } from "vitest";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { SimFileSystem } from "../../runtime/sim/fs.ts";
import { SeededRandom } from "../../runtime/sim/prng.ts";
import { CountingFileSystem, makeBatch, ManualTime, memoryRuntime } from "./support.ts";

const DIR = "/data/t-0";

function countingRuntime(delayMs: number) {
  const disk = new SimFileSystem({ random: new SeededRandom(7) });
  const delay = () => new Promise<void>((resolve) => setTimeout(resolve, delayMs));
  const fs = new CountingFileSystem(disk, delay);
  const time = new ManualTime();
  return { fs, disk, time, clock: time, timers: time };
}

describe("PartitionLog flushing", () => {
  it("group commit: N concurrent durable appends share far fewer than N fsyncs", async () => {
    const rt = countingRuntime(5);
    const log = await PartitionLog.open(rt, DIR);
    const before = rt.fs.syncs;
    const n = 64;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => log.append(makeBatch(1, { tag: i }), { durable: true })),
    );
    expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: n }, (_, i) => i));
    const syncs = rt.fs.syncs - before;
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThanOrEqual(4);
    expect(log.syncRounds).toBeLessThanOrEqual(3);
    expect(log.recoveryPoint).toBe(n);
    // Nothing is acknowledged durable that a power cut can take.
    rt.disk.crash({ mode: "lose-all-unsynced" });
    const reopened = await PartitionLog.open({ ...rt, fs: rt.disk }, DIR);
    expect(reopened.logEndOffset).toBe(n);
    await reopened.close();
  });

  it("a durable append resolves only after its fsync; a plain one does not wait", async () => {
    const rt = countingRuntime(20);
    const log = await PartitionLog.open(rt, DIR);
    const before = rt.fs.fileSyncs;
    await log.append(makeBatch(1));
    expect(rt.fs.fileSyncs).toBe(before);
    expect(log.recoveryPoint).toBe(0);
    await log.append(makeBatch(1), { durable: true });
    expect(rt.fs.fileSyncs).toBe(before + 1);
    expect(log.recoveryPoint).toBe(2);
    await log.close();
  });

  it("syncs the directory before acknowledging a durable append in a new segment", async () => {
    const rt = countingRuntime(0);
    const batch = makeBatch(1);
    const log = await PartitionLog.open(rt, DIR, { segmentBytes: batch.length });
    await log.append(makeBatch(1), { durable: true });
    const dirSyncs = rt.fs.dirSyncs;
    const fresh = makeBatch(1, { tag: 5 });
    await log.append(fresh, { durable: true });
    expect(log.segmentCount).toBe(2);
    expect(rt.fs.dirSyncs).toBeGreaterThan(dirSyncs);
    rt.disk.crash({ mode: "lose-all-unsynced" });
    const reopened = await PartitionLog.open({ ...rt, fs: rt.disk }, DIR);
    expect(reopened.segmentBaseOffsets()).toEqual([0, 1]);
    expect((await reopened.read(1, 100)).bytes).toEqual(fresh);
    await reopened.close();
  });

  it(
    "durable appends, record deletion, a roll and close all in flight together settle",
    async () => {
      const rt = countingRuntime(1);
      const batch = makeBatch(1);
      const log = await PartitionLog.open(rt, DIR, { segmentBytes: batch.length * 5 });
      const appends = Array.from(
        { length: 30 },
        (_, i) => log.append(makeBatch(1, { tag: i }), { durable: i % 2 === 0 }),
      );
      const deletion = log.deleteRecordsBefore(0);
      const flushed = log.flush();
      const closed = log.close();
      const outcomes = await Promise.allSettled([...appends, deletion, flushed, closed]);
      expect(
        outcomes.filter((o) => o.status === "fulfilled").length,
      ).toBe(outcomes.length);
      const reopened = await PartitionLog.open({ ...rt, fs: rt.disk }, DIR);
      expect(reopened.loadReport.cleanShutdown).toBe(true);
      expect(reopened.logEndOffset).toBe(30);
      await reopened.close();
    },
    10_000,
  );

  it("flush.messages fsyncs once that many offsets are unflushed", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR, { flushMessages: 5 });
    await log.append(makeBatch(2));
    await log.append(makeBatch(2));
    expect(log.recoveryPoint).toBe(0);
    await log.append(makeBatch(2));
    expect(log.recoveryPoint).toBe(6);
    await log.close();
  });

  it("flush.ms fsyncs on a timer, and close cancels it", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR, { flushMs: 1000 });
    await log.append(makeBatch(3));
    expect(rt.time.pendingTimers).toBe(1);
    rt.time.advance(999);
    expect(log.recoveryPoint).toBe(0);
    rt.time.advance(1);
    await log.append(makeBatch(1));
    await log.flush();
    expect(log.recoveryPoint).toBe(4);
    await log.append(makeBatch(1));
    expect(rt.time.pendingTimers).toBe(1);
    await log.close();
    expect(rt.time.pendingTimers).toBe(0);
    const err = await log.append(makeBatch(1)).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("KAFKA_STORAGE_ERROR");
  });

  it("a failed fsync fails the append and takes the log offline", async () => {
    const rt = countingRuntime(0);
    const log = await PartitionLog.open(rt, DIR);
    await log.append(makeBatch(1), { durable: true });
    // The memory disk numbers syncs the same way the counting wrapper counts them.
    rt.disk.faults.failSyncNumber = rt.fs.syncs + 1;
    const err = await log.append(makeBatch(1), { durable: true }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("KAFKA_STORAGE_ERROR");
    expect(log.recoveryPoint).toBe(1);
    for (const op of [log.read(0, 10), log.append(makeBatch(1)), log.flush()]) {
      expect(((await op.catch((e: unknown) => e)) as { code: string }).code).toBe(
        "KAFKA_STORAGE_ERROR",
      );
    }
    // close() of a failed log releases it without claiming a clean shutdown.
    await log.close();
    expect(await rt.disk.exists(`${DIR}/.clean-shutdown`)).toBe(false);
    const reopened = await PartitionLog.open({ ...rt, fs: rt.disk }, DIR);
    expect(reopened.loadReport.cleanShutdown).toBe(false);
    expect(reopened.logEndOffset).toBeGreaterThanOrEqual(1);
    await reopened.close();
  });
});
