// Producer appends queued behind the write lock are written together: one file write, offsets
// and positions as if each had been written alone, in call order.
import { describe, expect, it } from "vitest";
import type { FileHandle, OpenOptions } from "../../runtime/types.ts";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { batchesIn, decodeRecords } from "../../src/log/record-batch.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { concat, makeBatch, memoryRuntime } from "./support.ts";

const DIR = "/data/t-0";

/** A memory runtime that counts writes to segment .log files. */
function countingRuntime() {
  const rt = memoryRuntime();
  const counts = { logWrites: 0 };
  const open = rt.disk.open.bind(rt.disk);
  rt.disk.open = async (path: string, options?: OpenOptions): Promise<FileHandle> => {
    const handle = await open(path, options);
    if (!path.endsWith(".log")) return handle;
    return {
      path: handle.path,
      readAt: (buf, position) => handle.readAt(buf, position),
      writeAt: (data, position) => {
        counts.logWrites++;
        return handle.writeAt(data, position);
      },
      append: (data) => handle.append(data),
      truncate: (size) => handle.truncate(size),
      size: () => handle.size(),
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  };
  return { rt, counts };
}

function offsetsIn(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (const { position } of batchesIn(bytes)) {
    for (const r of decodeRecords(bytes, position)) out.push(r.offset);
  }
  return out;
}

describe("PartitionLog coalesced appends", () => {
  it("writes appends queued together in one write, each with its own offsets", async () => {
    const { rt, counts } = countingRuntime();
    const log = await PartitionLog.open(rt, DIR);
    const batches = [3, 1, 4, 2].map((n, tag) => makeBatch(n, { tag }));
    const originals = batches.map((b) => b.slice());
    const results = await Promise.all(batches.map((b) => log.append(b)));
    expect(counts.logWrites).toBe(1);
    let position = 0;
    let offset = 0;
    results.forEach((result, i) => {
      const count = [3, 1, 4, 2][i];
      expect(result).toEqual({ baseOffset: offset, lastOffset: offset + count - 1, position });
      offset += count;
      position += originals[i].length;
    });
    const all = await log.read(0, 1 << 20);
    expect(offsetsIn(all.bytes)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(all.bytes.length).toBe(concat(...originals).length);
    await log.close();
  });

  it("keeps call order and separate writes when the batches would cross a segment roll", async () => {
    const { rt, counts } = countingRuntime();
    const one = makeBatch(2, { tag: 1, valueBytes: 200 });
    const log = await PartitionLog.open(rt, DIR, { segmentBytes: one.length * 2 + 10 });
    const batches = [0, 1, 2, 3].map((tag) => makeBatch(2, { tag, valueBytes: 200 }));
    const results = await Promise.all(batches.map((b) => log.append(b)));
    expect(results.map((r) => r.baseOffset)).toEqual([0, 2, 4, 6]);
    expect(counts.logWrites).toBe(4);
    expect(log.logEndOffset).toBe(8);
    const tail = await log.read(6, 1 << 20);
    expect(offsetsIn(tail.bytes)).toEqual([6, 7]);
    await log.close();
  });

  it("fails only the appends from the one that could not be written", async () => {
    const log = await PartitionLog.open(memoryRuntime(), DIR);
    const good = log.append(makeBatch(2, { tag: 1 }));
    const closing = log.close();
    const late = log.append(makeBatch(2, { tag: 2 })).then(() => null, (e: unknown) => e);
    expect((await good).baseOffset).toBe(0);
    await closing;
    expect(await late).toBeInstanceOf(TributaryError);
  });
});
