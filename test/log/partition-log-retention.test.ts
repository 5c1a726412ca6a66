import { describe, expect, it } from "vitest";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { checkLogDir } from "../../src/log/log-check.ts";
import { readCheckpoint } from "../../src/log/checkpoint.ts";
import { batchesIn, lastOffsetOf } from "../../src/log/record-batch.ts";
import { makeBatch, memoryRuntime, T0 } from "./support.ts";

const DIR = "/data/t-0";
const BATCH_BYTES = makeBatch(2, { valueBytes: 40 }).length;

async function tenSegments(
  rt: ReturnType<typeof memoryRuntime>,
  config = {},
): Promise<PartitionLog> {
  // Two batches (four offsets) per segment; batch i has timestamps T0 + 1000 i (+1).
  const log = await PartitionLog.open(rt, DIR, {
    segmentBytes: BATCH_BYTES * 2,
    retentionMs: -1,
    ...config,
  });
  for (let i = 0; i < 20; i++) {
    await log.append(makeBatch(2, { valueBytes: 40, tag: i % 10, timestamp: T0 + 1000 * i }));
  }
  expect(log.segmentCount).toBe(10);
  return log;
}

describe("PartitionLog retention", () => {
  it("deletes whole segments older than retention.ms, the active one last", async () => {
    const rt = memoryRuntime();
    const log = await tenSegments(rt);
    log.updateConfig({ retentionMs: 5000 });
    // Segment k holds timestamps up to T0 + 1000 (2k + 1) + 1.
    expect(await log.applyRetention(T0 + 9000)).toBe(2);
    expect(log.logStartOffset).toBe(8);
    expect(log.segmentBaseOffsets()[0]).toBe(8);
    // Not yet due: the active segment (newest T0 + 19001) stays with its data.
    expect(await log.applyRetention(T0 + 24_000)).toBe(7);
    expect(log.segmentCount).toBe(1);
    expect(log.logStartOffset).toBe(36);
    expect(log.logEndOffset).toBe(40);
    expect(await readCheckpoint(rt.fs, DIR)).toMatchObject({ logStartOffset: 36 });
    const err = await log.read(35, 100).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("OFFSET_OUT_OF_RANGE");
    expect((await log.read(36, 1 << 20)).nextOffset).toBe(40);
    // Due: a fresh empty active segment is rolled at the log end and the old one deleted.
    expect(await log.applyRetention(T0 + 100_000)).toBe(1);
    expect(log.segmentBaseOffsets()).toEqual([40]);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([40, 40]);
    await log.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });

  it("deletes the oldest segments while the log exceeds retention.bytes", async () => {
    const rt = memoryRuntime();
    const log = await tenSegments(rt);
    expect(log.sizeBytes).toBe(20 * BATCH_BYTES);
    log.updateConfig({ retentionBytes: 5 * BATCH_BYTES });
    expect(await log.applyRetention()).toBe(7);
    expect(log.sizeBytes).toBe(6 * BATCH_BYTES);
    expect(log.logStartOffset).toBe(28);
    log.updateConfig({ retentionBytes: 0 });
    // Kafka's rule: with retention.bytes 0 everything goes, the active segment included.
    expect(await log.applyRetention()).toBe(3);
    expect(log.segmentCount).toBe(1);
    expect(log.sizeBytes).toBe(0);
    expect(await log.applyRetention()).toBe(0);
    await log.close();
    const files = (await rt.fs.list(DIR)).map((e) => e.name).filter((n) => n.endsWith(".log"));
    expect(files).toEqual(["00000000000000000040.log"]);
  });

  it("empties an idle log once retention.ms passed; appends continue at the same log end", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR, { retentionMs: 60_000 });
    for (let i = 0; i < 3; i++) await log.append(makeBatch(2, { timestamp: rt.time.nowMs() }));
    expect(log.segmentCount).toBe(1);
    rt.time.advance(60_000);
    expect(await log.applyRetention()).toBe(0);
    rt.time.advance(2);
    expect(await log.applyRetention(rt.time.nowMs(), { highWatermark: 5 })).toBe(0);
    expect(await log.applyRetention(rt.time.nowMs(), { highWatermark: 6 })).toBe(1);
    expect([log.logStartOffset, log.logEndOffset, log.sizeBytes]).toEqual([6, 6, 0]);
    const err = await log.read(0, 1 << 20).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("OFFSET_OUT_OF_RANGE");
    expect((await log.append(makeBatch(1, { timestamp: rt.time.nowMs() }))).baseOffset).toBe(6);
    await log.close();
    const reopened = await PartitionLog.open(rt, DIR, { retentionMs: 60_000 });
    expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([6, 7]);
    await reopened.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });

  it("survives a restart: the log start offset is checkpointed", async () => {
    const rt = memoryRuntime();
    const log = await tenSegments(rt, { retentionBytes: 4 * BATCH_BYTES });
    await log.applyRetention();
    const start = log.logStartOffset;
    expect(start).toBe(32);
    rt.disk.crash();
    const reopened = await PartitionLog.open(rt, DIR);
    expect(reopened.logStartOffset).toBe(start);
    await reopened.close();
  });

  it("delays file deletion by file.delete.delay.ms", async () => {
    const rt = memoryRuntime();
    const log = await tenSegments(rt, { fileDeleteDelayMs: 1000, retentionBytes: 8 * BATCH_BYTES });
    expect(await log.applyRetention()).toBe(6);
    const names = async () => (await rt.fs.list(DIR)).map((e) => e.name);
    expect((await names()).filter((n) => n.endsWith(".deleted")).length).toBe(18);
    rt.time.advance(1000);
    await log.flush();
    expect((await names()).filter((n) => n.endsWith(".deleted"))).toEqual([]);
    await log.close();
  });
});

describe("PartitionLog deleteRecordsBefore and truncateTo", () => {
  it("advances the log start offset and deletes segments wholly below it", async () => {
    const rt = memoryRuntime();
    const log = await tenSegments(rt);
    await log.deleteRecordsBefore(10);
    expect(log.logStartOffset).toBe(10);
    expect(log.segmentBaseOffsets()[0]).toBe(8);
    // The batch holding the start offset is returned whole.
    const read = await log.read(10, 1);
    expect([...batchesIn(read.bytes)].map((b) => b.header.baseOffset)).toEqual([10]);
    await log.deleteRecordsBefore(40);
    expect(log.logStartOffset).toBe(40);
    expect(log.segmentBaseOffsets()).toEqual([40]);
    expect(log.sizeBytes).toBe(0);
    const err = await log.deleteRecordsBefore(41).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("OFFSET_OUT_OF_RANGE");
    await log.append(makeBatch(1));
    expect(log.logEndOffset).toBe(41);
    await log.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });

  it("truncateTo drops whole batches at and after the offset, across segments", async () => {
    const rt = memoryRuntime();
    const log = await tenSegments(rt);
    await log.truncateTo(23);
    // Offset 23 sits in batch [22, 23], which goes whole.
    expect(log.logEndOffset).toBe(22);
    expect(log.segmentBaseOffsets()).toEqual([0, 4, 8, 12, 16, 20]);
    expect(log.recoveryPoint).toBeLessThanOrEqual(22);
    const res = await log.append(makeBatch(3, { tag: 7 }));
    expect(res.baseOffset).toBe(22);
    await log.truncateTo(20);
    expect(log.logEndOffset).toBe(20);
    expect(log.segmentBaseOffsets()).toEqual([0, 4, 8, 12, 16]);
    await log.truncateTo(100);
    expect(log.logEndOffset).toBe(20);
    await log.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
    const reopened = await PartitionLog.open(rt, DIR);
    expect(reopened.logEndOffset).toBe(20);
    const all = await reopened.read(16, 1 << 20);
    expect(lastOffsetOf([...batchesIn(all.bytes)].at(-1)!.header)).toBe(19);
    await reopened.close();
  });

  it("truncateTo below the first segment starts the log over at that offset", async () => {
    const rt = memoryRuntime();
    const log = await tenSegments(rt);
    await log.deleteRecordsBefore(12);
    await log.truncateTo(5);
    expect(log.segmentBaseOffsets()).toEqual([5]);
    expect(log.logStartOffset).toBe(5);
    expect(log.logEndOffset).toBe(5);
    expect((await log.append(makeBatch(1))).baseOffset).toBe(5);
    await log.close();
  });

  it("truncated data does not come back after a crash", async () => {
    const rt = memoryRuntime();
    const log = await tenSegments(rt);
    await log.flush();
    await log.truncateTo(6);
    await log.append(makeBatch(2, { tag: 3, valueBytes: 7 }), { durable: true });
    rt.disk.crash({ mode: "lose-all-unsynced" });
    const reopened = await PartitionLog.open(rt, DIR);
    expect(reopened.logEndOffset).toBe(6 + 2);
    const tail = await reopened.read(6, 1 << 20);
    expect(tail.bytes.length).toBe(makeBatch(2, { tag: 3, valueBytes: 7 }).length);
    await reopened.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });
});
