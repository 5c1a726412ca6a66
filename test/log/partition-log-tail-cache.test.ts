// Reads at the tail are served from a copy of the last small write; they must return exactly
// what the same read returns from the files (here: the same log reopened, with no cache).
import { describe, expect, it } from "vitest";
import type { FileHandle, OpenOptions } from "../../runtime/types.ts";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { TAIL_CACHE_BYTES_MAX } from "../../src/log/tail-cache.ts";
import { concat, makeBatch, memoryRuntime } from "./support.ts";

const DIR = "/data/t-0";

describe("PartitionLog tail reads", () => {
  it("answers every read like the files do", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR);
    await log.append(makeBatch(4, { tag: 1 }));
    // Two batches in one append: the cached run holds both.
    await log.append(concat(makeBatch(3, { tag: 2 }), makeBatch(2, { tag: 3 })));
    const end = log.logEndOffset;
    const cases: Array<[number, number, number]> = [];
    for (let offset = 0; offset <= end; offset++) {
      for (const maxBytes of [0, 1, 150, 10_000]) {
        for (const maxOffset of [end, end - 1, 6]) cases.push([offset, maxBytes, maxOffset]);
      }
    }
    const live = [];
    for (const [offset, maxBytes, maxOffset] of cases) {
      live.push(await log.read(offset, maxBytes, { maxOffset }));
    }
    await log.close();
    const reopened = await PartitionLog.open(rt, DIR);
    for (let i = 0; i < cases.length; i++) {
      const [offset, maxBytes, maxOffset] = cases[i];
      const fromFile = await reopened.read(offset, maxBytes, { maxOffset });
      expect(live[i], `read(${offset}, ${maxBytes}, maxOffset ${maxOffset})`).toEqual(fromFile);
    }
    await reopened.close();
  });

  it("keeps its own copy: changing the appended buffer afterwards changes nothing", async () => {
    const log = await PartitionLog.open(memoryRuntime(), DIR);
    const batch = makeBatch(2, { tag: 4 });
    await log.append(batch);
    const expected = (await log.read(0, 1 << 20)).bytes.slice();
    batch.fill(0);
    expect((await log.read(0, 1 << 20)).bytes).toEqual(expected);
    await log.close();
  });

  it("reads large writes and truncated tails from the files", async () => {
    const log = await PartitionLog.open(memoryRuntime(), DIR);
    const big = makeBatch(4, { tag: 5, valueBytes: TAIL_CACHE_BYTES_MAX / 2 });
    await log.append(makeBatch(2, { tag: 6 }));
    await log.append(big);
    expect((await log.read(2, 1 << 20)).bytes).toEqual(big);
    await log.append(makeBatch(3, { tag: 7 }));
    await log.truncateTo(6);
    expect(log.logEndOffset).toBe(6);
    const afterCut = await log.read(2, 1 << 20);
    expect(afterCut).toEqual({ bytes: big, nextOffset: 6 });
    const next = makeBatch(1, { tag: 8 });
    await log.append(next);
    expect((await log.read(6, 1 << 20)).nextOffset).toBe(7);
    await log.close();
  });

  it("does not touch the files for a read of the last write", async () => {
    const rt = memoryRuntime();
    const reads = { count: 0 };
    const open = rt.disk.open.bind(rt.disk);
    rt.disk.open = async (path: string, options?: OpenOptions): Promise<FileHandle> => {
      const handle = await open(path, options);
      return {
        path: handle.path,
        readAt: (buf, position) => {
          reads.count++;
          return handle.readAt(buf, position);
        },
        writeAt: (data, position) => handle.writeAt(data, position),
        append: (data) => handle.append(data),
        truncate: (size) => handle.truncate(size),
        size: () => handle.size(),
        sync: () => handle.sync(),
        close: () => handle.close(),
      };
    };
    const log = await PartitionLog.open(rt, DIR);
    await log.append(makeBatch(3, { tag: 1 }));
    const last = makeBatch(2, { tag: 2 });
    await log.append(last);
    const before = reads.count;
    expect((await log.read(3, 1 << 20)).bytes).toEqual(last);
    expect(reads.count).toBe(before);
    expect((await log.read(0, 1 << 20)).nextOffset).toBe(5);
    expect(reads.count).toBeGreaterThan(before);
    await log.close();
  });
});
