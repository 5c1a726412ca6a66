import { describe, expect, it } from "vitest";
import { PartitionLog } from "../../src/log/partition-log.ts";
import {
  batchesIn,
  decodeRecords,
  lastOffsetOf,
  readBatchHeader,
} from "../../src/log/record-batch.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { concat, makeBatch, memoryRuntime } from "./support.ts";

const DIR = "/data/t-0";

function offsetsIn(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (const { position } of batchesIn(bytes)) {
    for (const r of decodeRecords(bytes, position)) out.push(r.offset);
  }
  return out;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(TributaryError);
  expect((err as TributaryError).code).toBe(code);
}

describe("PartitionLog append and read", () => {
  it("assigns consecutive offsets and reads batches back byte for byte", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR);
    const a = makeBatch(3, { tag: 1 });
    const b = makeBatch(2, { tag: 2 });
    expect(await log.append(a)).toEqual({ baseOffset: 0, lastOffset: 2, position: 0 });
    expect(await log.append(b)).toEqual({ baseOffset: 3, lastOffset: 4, position: a.length });
    expect(log.logEndOffset).toBe(5);
    const all = await log.read(0, 1 << 20);
    expect(all.nextOffset).toBe(5);
    expect(all.bytes).toEqual(concat(a, b));
    expect(offsetsIn(all.bytes)).toEqual([0, 1, 2, 3, 4]);
    expect(log.sizeBytes).toBe(a.length + b.length);
    await log.close();
  });

  it("reads from the middle of a batch by returning the whole batch", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR);
    for (let i = 0; i < 5; i++) await log.append(makeBatch(4, { tag: i }));
    const result = await log.read(10, 1);
    const header = readBatchHeader(result.bytes);
    expect(header.baseOffset).toBe(8);
    expect(lastOffsetOf(header)).toBe(11);
    expect(result.nextOffset).toBe(12);
    expect(result.bytes.length).toBe(header.batchLength + 12);
    await log.close();
  });

  it("bounds reads by maxBytes (at least one batch) and maxOffset (exclusive)", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR);
    const sizes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const batch = makeBatch(2, { tag: i, valueBytes: 50 });
      sizes.push(batch.length);
      await log.append(batch);
    }
    const two = await log.read(0, sizes[0] + sizes[1] + 5);
    expect(offsetsIn(two.bytes)).toEqual([0, 1, 2, 3]);
    expect(two.nextOffset).toBe(4);
    const tiny = await log.read(2, 0);
    expect(offsetsIn(tiny.bytes)).toEqual([2, 3]);
    const capped = await log.read(0, 1 << 20, { maxOffset: 6 });
    expect(offsetsIn(capped.bytes)).toEqual([0, 1, 2, 3, 4, 5]);
    // maxOffset inside a batch withholds that batch whole.
    const mid = await log.read(0, 1 << 20, { maxOffset: 5 });
    expect(offsetsIn(mid.bytes)).toEqual([0, 1, 2, 3]);
    const none = await log.read(4, 1 << 20, { maxOffset: 5 });
    expect(none).toEqual({ bytes: new Uint8Array(0), nextOffset: 4 });
    const atEnd = await log.read(12, 100);
    expect(atEnd).toEqual({ bytes: new Uint8Array(0), nextOffset: 12 });
    await expectCode(log.read(13, 100), "OFFSET_OUT_OF_RANGE");
    await expectCode(log.read(-1, 100), "OFFSET_OUT_OF_RANGE");
    await expectCode(log.read(0, -1), "INVALID_FETCH_SIZE");
    await log.close();
  });

  it("appends several concatenated batches in one call", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR);
    const input = concat(
      makeBatch(2, { tag: 1 }),
      makeBatch(3, { tag: 2 }),
      makeBatch(1, { tag: 3 }),
    );
    const result = await log.append(input, { leaderEpoch: 7 });
    expect(result).toEqual({ baseOffset: 0, lastOffset: 5, position: 0 });
    const read = await log.read(0, 1 << 20);
    expect(read.bytes).toEqual(input);
    for (const { header } of batchesIn(read.bytes)) expect(header.partitionLeaderEpoch).toBe(7);
    expect(offsetsIn(read.bytes)).toEqual([0, 1, 2, 3, 4, 5]);
    await log.close();
  });

  it("rejects corrupt or partial input and writes nothing", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR);
    await log.append(makeBatch(1));
    const good = makeBatch(2, { tag: 9 });
    const flipped = good.slice();
    flipped[flipped.length - 1] ^= 0xff;
    await expectCode(log.append(concat(makeBatch(1), flipped)), "CORRUPT_MESSAGE");
    await expectCode(log.append(good.subarray(0, good.length - 3)), "CORRUPT_MESSAGE");
    await expectCode(log.append(new Uint8Array(0)), "INVALID_RECORD");
    expect(log.logEndOffset).toBe(1);
    expect(log.sizeBytes).toBe(makeBatch(1).length);
    expect((await log.read(0, 1 << 20)).nextOffset).toBe(1);
    await log.close();
  });

  it("appendWithOffsets keeps offsets, allows gaps, refuses going backwards", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR);
    const a = makeBatch(3, { tag: 1 });
    await log.append(a);
    const replicated = makeBatch(2, { tag: 2 });
    new DataView(replicated.buffer).setUint32(4, 10);
    expect(await log.appendWithOffsets(replicated)).toMatchObject({
      baseOffset: 10,
      lastOffset: 11,
    });
    expect(log.logEndOffset).toBe(12);
    const inGap = await log.read(5, 1 << 20);
    expect(offsetsIn(inGap.bytes)).toEqual([10, 11]);
    const behind = makeBatch(1, { tag: 3 });
    new DataView(behind.buffer).setUint32(4, 11);
    await expectCode(log.appendWithOffsets(behind), "OFFSET_OUT_OF_RANGE");
    await log.close();
  });

  it("finds offsets by timestamp", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR, { indexIntervalBytes: 0, segmentBytes: 400 });
    for (let i = 0; i < 20; i++) {
      await log.append(makeBatch(3, { tag: i, timestamp: 1000 + i * 10 }));
    }
    expect(log.segmentCount).toBeGreaterThan(2);
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(await log.offsetForTimestamp(1001)).toEqual({ offset: 1, timestamp: 1001 });
    expect(await log.offsetForTimestamp(1003)).toEqual({ offset: 3, timestamp: 1010 });
    expect(await log.offsetForTimestamp(1095)).toEqual({ offset: 30, timestamp: 1100 });
    expect(await log.offsetForTimestamp(1192)).toEqual({ offset: 59, timestamp: 1192 });
    expect(await log.offsetForTimestamp(1193)).toBeNull();
    await log.close();
  });
});
