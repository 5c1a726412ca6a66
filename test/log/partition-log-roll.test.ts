import { describe, expect, it } from "vitest";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { checkLogDir } from "../../src/log/log-check.ts";
import { segmentFileName } from "../../src/log/segment-files.ts";
import { makeBatch, memoryRuntime, T0 } from "./support.ts";

const DIR = "/data/t-0";

describe("PartitionLog segment rolling", () => {
  it("rolls before a batch would pass segment.bytes; batches never straddle", async () => {
    const rt = memoryRuntime();
    const batch = makeBatch(2, { valueBytes: 40 });
    const log = await PartitionLog.open(rt, DIR, { segmentBytes: batch.length * 3 + 10 });
    for (let i = 0; i < 10; i++) await log.append(makeBatch(2, { valueBytes: 40, tag: i }));
    expect(log.segmentBaseOffsets()).toEqual([0, 6, 12, 18]);
    const names = (await rt.fs.list(DIR)).map((e) => e.name);
    expect(names).toContain(segmentFileName(6, "log"));
    expect(names).toContain("00000000000000000012.timeindex");
    expect(names).toContain("00000000000000000018.index");
    for (const base of [0, 6, 12]) {
      const bytes = await rt.fs.readFile(`${DIR}/${segmentFileName(base, "log")}`);
      expect(bytes.length).toBe(batch.length * 3);
    }
    // A read stays within one segment; the next read continues from nextOffset.
    const first = await log.read(0, 1 << 20);
    expect(first.nextOffset).toBe(6);
    expect((await log.read(first.nextOffset, 1 << 20)).nextOffset).toBe(12);
    await log.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });

  it("rejects a batch larger than a segment", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR, { segmentBytes: 200 });
    const err = await log.append(makeBatch(5, { valueBytes: 100 })).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("MESSAGE_TOO_LARGE");
    await log.close();
  });

  it("rolls by segment.ms on record timestamps, and on the clock for segments without them", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR, { segmentMs: 1000 });
    await log.append(makeBatch(1, { timestamp: T0 }));
    await log.append(makeBatch(1, { timestamp: T0 + 1000 }));
    expect(log.segmentCount).toBe(1);
    await log.append(makeBatch(1, { timestamp: T0 + 1001 }));
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    await log.append(makeBatch(1, { timestamp: -1 }));
    expect(log.segmentCount).toBe(2);
    await log.close();

    const rt2 = memoryRuntime();
    const untimed = await PartitionLog.open(rt2, DIR, { segmentMs: 1000 });
    await untimed.append(makeBatch(1, { timestamp: -1 }));
    rt2.time.advance(500);
    await untimed.append(makeBatch(1, { timestamp: -1 }));
    expect(untimed.segmentCount).toBe(1);
    rt2.time.advance(501);
    await untimed.append(makeBatch(1, { timestamp: -1 }));
    expect(untimed.segmentBaseOffsets()).toEqual([0, 2]);
    await untimed.close();
  });

  it("rolls when an index is full, keeping every index within segment.index.bytes", async () => {
    const rt = memoryRuntime();
    // 24 bytes: 3 offset index entries, 2 time index entries.
    const log = await PartitionLog.open(rt, DIR, { segmentIndexBytes: 24, indexIntervalBytes: 0 });
    for (let i = 0; i < 12; i++) await log.append(makeBatch(1, { tag: i, timestamp: T0 + i }));
    expect(log.segmentCount).toBeGreaterThan(3);
    await log.close();
    for (const base of log.segmentBaseOffsets()) {
      expect((await rt.fs.readFile(`${DIR}/${segmentFileName(base, "index")}`)).length)
        .toBeLessThanOrEqual(24);
      // The final entry written when a segment is sealed may exceed the bound by one.
      expect((await rt.fs.readFile(`${DIR}/${segmentFileName(base, "timeindex")}`)).length)
        .toBeLessThanOrEqual(36);
    }
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });

  it("writes a sparse offset index, one entry per index.interval.bytes", async () => {
    const rt = memoryRuntime();
    const batch = makeBatch(1, { valueBytes: 100 });
    const log = await PartitionLog.open(rt, DIR, { indexIntervalBytes: batch.length * 4 });
    for (let i = 0; i < 40; i++) await log.append(makeBatch(1, { valueBytes: 100, tag: i % 10 }));
    await log.close();
    const index = await rt.fs.readFile(`${DIR}/${segmentFileName(0, "index")}`);
    // An entry once more than the interval has gone by since the last one: every 5th batch.
    expect(index.length / 8).toBe(7);
    const view = new DataView(index.buffer, index.byteOffset);
    expect([view.getUint32(0), view.getUint32(4)]).toEqual([5, 5 * batch.length]);
    const reopened = await PartitionLog.open(rt, DIR);
    for (const offset of [0, 4, 5, 6, 23, 39]) {
      const read = await reopened.read(offset, 1);
      expect(read.nextOffset).toBe(offset + 1);
    }
    await reopened.close();
  });
});
