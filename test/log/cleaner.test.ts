import { describe, expect, it } from "vitest";
import { LogCleaner } from "../../src/log/cleaner.ts";
import { readCleanerCheckpoint } from "../../src/log/cleaner-checkpoint.ts";
import type { LogConfig } from "../../src/log/config.ts";
import { checkLogDir } from "../../src/log/log-check.ts";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { batchesIn, decodeRecordsAsync } from "../../src/log/record-batch.ts";
import { segmentPath } from "../../src/log/segment-files.ts";
import { keyed, latestByKey, type ReadRecord, readRecords } from "./cleaner-support.ts";
import { memoryRuntime, T0 } from "./support.ts";

const DIR = "/data/compacted-0";
/** About three one-record batches per segment. */
const COMPACT: Partial<LogConfig> = {
  segmentBytes: 260,
  cleanupPolicy: "compact",
  minCleanableDirtyRatio: 0,
  deleteRetentionMs: 1000,
  indexIntervalBytes: 0,
};

type Rt = ReturnType<typeof memoryRuntime>;

async function openLog(rt: Rt, config: Partial<LogConfig> = {}): Promise<PartitionLog> {
  return await PartitionLog.open(rt, DIR, { ...COMPACT, ...config });
}

/** n one-record batches cycling through `keys` keys: k0=v0, k1=v1, ..., k0=v{keys}, ... */
async function appendCycle(log: PartitionLog, n: number, keys: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await log.append(keyed([[`k${i % keys}`, `v${i}`]], T0 + i));
  }
}

function byOffset(records: readonly ReadRecord[]): Map<number, ReadRecord> {
  return new Map(records.map((r) => [r.offset, r]));
}

/** Everything read after cleaning was in the log before, unchanged and at the same offset. */
function expectSubsetOf(after: readonly ReadRecord[], before: readonly ReadRecord[]): void {
  const original = byOffset(before);
  for (let i = 0; i < after.length; i++) {
    if (i > 0) expect(after[i].offset).toBeGreaterThan(after[i - 1].offset);
    expect(after[i]).toEqual(original.get(after[i].offset));
  }
}

function expectOneRecordPerKeyBelow(records: readonly ReadRecord[], offset: number): void {
  const below = records.filter((r) => r.offset < offset).map((r) => r.key);
  expect(new Set(below).size).toBe(below.length);
}

describe("LogCleaner", () => {
  it("keeps the latest record per key at its offset and never touches the active segment", async () => {
    const rt = memoryRuntime();
    const log = await openLog(rt);
    await appendCycle(log, 40, 5);
    const activeBase = log.segmentBaseOffsets().at(-1) as number;
    const activeBytes = rt.disk.snapshot(segmentPath(DIR, activeBase, "log"));
    const before = await readRecords(log);
    const segmentsBefore = log.segmentCount;

    const result = await new LogCleaner(rt).clean(log);

    expect(result.outcome).toBe("cleaned");
    expect(result.complete).toBe(true);
    expect(result.cleanedUpTo).toBe(activeBase);
    const after = await readRecords(log);
    expectSubsetOf(after, before);
    expect(latestByKey(after)).toEqual(latestByKey(before));
    expectOneRecordPerKeyBelow(after, activeBase);
    expect(after.filter((r) => r.offset < activeBase)).toHaveLength(5);
    // The active segment keeps every record and every byte, duplicates included.
    expect(after.filter((r) => r.offset >= activeBase)).toEqual(
      before.filter((r) => r.offset >= activeBase),
    );
    expect(rt.disk.snapshot(segmentPath(DIR, activeBase, "log"))).toEqual(activeBytes);
    expect(log.logEndOffset).toBe(40);
    expect(result.recordsRemoved).toBe(activeBase - 5);
    expect(result.bytesAfter).toBeLessThan(result.bytesBefore);
    // Groups are sized by the segments' bytes before cleaning (as Kafka does): full segments
    // are rewritten one by one, and the shrunken ones merge at the next pass.
    expect(log.segmentCount).toBe(segmentsBefore);
    await appendCycle(log, 1, 5, 40);
    await log.append(keyed([["big", "x".repeat(150)]], T0 + 50));
    const second = await new LogCleaner(rt).clean(log);
    expect(second.outcome).toBe("cleaned");
    expect(second.cleanedUpTo).toBe(log.segmentBaseOffsets().at(-1));
    expect(log.segmentCount).toBeLessThanOrEqual(segmentsBefore / 2);
    expect(latestByKey(await readRecords(log))).toEqual(
      latestByKey([...before, ...(await readRecords(log))]),
    );
    await log.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
    expect(await readCleanerCheckpoint(rt.fs, DIR)).toEqual({
      cleanedUpTo: second.cleanedUpTo,
      deleteHorizonMs: -1,
    });
  });

  it("reads across cleaned segments with gaps: a removed offset reads from the next survivor", async () => {
    const rt = memoryRuntime();
    const log = await openLog(rt);
    await appendCycle(log, 30, 3);
    await new LogCleaner(rt).clean(log);
    const after = await readRecords(log);
    const surviving = after.map((r) => r.offset);
    const removed = Array.from({ length: 30 }, (_, i) => i).filter((o) => !surviving.includes(o));
    expect(removed.length).toBeGreaterThan(10);
    for (const offset of removed) {
      expect(await firstRecordFrom(log, offset)).toBe(surviving.find((o) => o > offset));
    }
    // Small reads walk the whole log, one batch at a time, past every gap.
    expect((await readRecords(log, 1)).map((r) => r.offset)).toEqual(surviving);
    await log.close();
  });

  it("keeps a tombstone until delete.retention.ms after it was first cleaned, then drops it", async () => {
    const rt = memoryRuntime();
    const log = await openLog(rt, { deleteRetentionMs: 1000 });
    await log.append(keyed([["a", "1"], ["b", "2"]], T0));
    await log.append(keyed([["a", null]], T0 + 10));
    await appendCycle(log, 12, 4); // k0..k3, rolls past the tombstone
    const cleaner = new LogCleaner(rt);

    expect((await cleaner.clean(log)).outcome).toBe("cleaned");
    let records = await readRecords(log);
    expect(records.filter((r) => r.key === "a")).toEqual([
      { offset: 2, key: "a", value: null, timestamp: T0 + 10 },
    ]);
    const horizon = (await readCleanerCheckpoint(rt.fs, DIR))?.deleteHorizonMs;
    expect(horizon).toBe(T0 + 1000);

    rt.time.advance(900); // before the horizon: nothing is due, nothing changes
    expect((await cleaner.clean(log)).outcome).toBe("skipped");
    expect((await readRecords(log)).some((r) => r.key === "a")).toBe(true);

    rt.time.advance(200); // past it: the horizon alone makes the log due
    const result = await cleaner.clean(log);
    expect(result.outcome).toBe("cleaned");
    records = await readRecords(log);
    expect(records.some((r) => r.key === "a")).toBe(false);
    expect(latestByKey(records).get("b")?.value).toBe("2");
    expect((await readCleanerCheckpoint(rt.fs, DIR))?.deleteHorizonMs).toBe(-1);
    await log.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });

  it("cleans in several passes when the key map is small, with the same result", async () => {
    const small = memoryRuntime();
    const big = memoryRuntime();
    const logs = [await openLog(small), await openLog(big)];
    for (const log of logs) {
      await appendCycle(log, 60, 7);
      await log.append(keyed([["k3", null]], T0 + 100));
      await appendCycle(log, 10, 7, 60);
    }
    const [smallLog, bigLog] = logs;
    const passes: string[] = [];
    const cleaner = new LogCleaner(small, { offsetMapBytesMax: 150 });
    for (let i = 0; i < 100; i++) {
      const result = await cleaner.clean(smallLog);
      passes.push(result.outcome);
      if (result.outcome !== "cleaned" || result.complete) break;
    }
    expect(passes.length).toBeGreaterThan(3);
    expect(passes.every((p) => p === "cleaned")).toBe(true);
    await new LogCleaner(big).clean(bigLog);
    expect(await readRecords(smallLog)).toEqual(await readRecords(bigLog));
    for (const log of logs) await log.close();
  });

  it("waits for min.cleanable.dirty.ratio and min.compaction.lag.ms", async () => {
    const rt = memoryRuntime();
    const log = await openLog(rt, { minCleanableDirtyRatio: 0.5, minCompactionLagMs: 5000 });
    await appendCycle(log, 20, 2);
    const cleaner = new LogCleaner(rt);
    // Every record is younger than the lag: the first closed segment is already uncleanable.
    const young = await cleaner.clean(log, { nowMs: T0 + 100 });
    expect(young.outcome).toBe("skipped");
    expect(young.firstUncleanable).toBe(0);
    const first = await cleaner.clean(log, { nowMs: T0 + 10_000 });
    expect(first.outcome).toBe("cleaned");
    expect(first.dirtyRatio).toBe(1);
    // A little new dirt in a mostly clean log stays below the ratio.
    await appendCycle(log, 4, 2, 20);
    const logEnd = log.logEndOffset;
    await log.append(keyed([["roll", "x".repeat(180)]], T0 + 30));
    const low = await cleaner.clean(log, { nowMs: T0 + 10_000 });
    expect(low.dirtyRatio).toBeGreaterThan(0);
    expect(low.dirtyRatio).toBeLessThan(0.5);
    expect(low.outcome).toBe("skipped");
    expect(log.logEndOffset).toBe(logEnd + 1);
    await log.close();
  });

  it("applies retention with compact,delete but not with compact alone", async () => {
    for (const cleanupPolicy of ["compact", "compact,delete"] as const) {
      const rt = memoryRuntime();
      const log = await openLog(rt, { cleanupPolicy, retentionMs: 1000 });
      await appendCycle(log, 20, 4);
      const segments = log.segmentCount;
      const deleted = await log.applyRetention(T0 + 60_000);
      // With compact,delete every segment is due, the active one included (Kafka's rule).
      expect(deleted).toBe(cleanupPolicy === "compact" ? 0 : segments);
      expect(log.logStartOffset > 0).toBe(cleanupPolicy === "compact,delete");
      // Compaction runs on what retention left (an empty active segment, or everything).
      const cleaned = await new LogCleaner(rt).clean(log);
      expect(cleaned.outcome).toBe(cleanupPolicy === "compact" ? "cleaned" : "skipped");
      await log.close();
    }
  });

  it("leaves logs with cleanup.policy delete alone", async () => {
    const rt = memoryRuntime();
    const log = await openLog(rt, { cleanupPolicy: "delete" });
    await appendCycle(log, 20, 2);
    const before = await readRecords(log);
    expect((await new LogCleaner(rt).clean(log)).outcome).toBe("skipped");
    expect(await readRecords(log)).toEqual(before);
    await log.close();
  });
});

/** Offset of the first record a consumer reading from offset gets (one batch per read). */
async function firstRecordFrom(log: PartitionLog, offset: number): Promise<number | undefined> {
  let at = offset;
  for (let round = 0; round < 1000 && at < log.logEndOffset; round++) {
    const read = await log.read(at, 1);
    expect(read.nextOffset).toBeGreaterThan(at);
    for (const { position } of batchesIn(read.bytes)) {
      for (const r of await decodeRecordsAsync(read.bytes, position)) {
        if (r.offset >= offset) return r.offset;
      }
    }
    at = read.nextOffset;
  }
  return undefined;
}
