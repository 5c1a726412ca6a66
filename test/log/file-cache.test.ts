// The open-file budget under the partition log: many logs and segments through a budget of a
// handful of descriptors. Reads never lose their handle mid-operation, evicted dirty handles
// are fsynced (a power cut keeps every durable append), renames and removals are followed, and
// the cleaner's swap works on files whose handles were closed in between.
import { describe, expect, it } from "vitest";
import { SimFileSystem } from "../../runtime/sim/fs.ts";
import { SeededRandom } from "../../runtime/sim/prng.ts";
import { IoErrorCode, isIoError } from "../../runtime/types.ts";
import { CachedFileSystem } from "../../src/log/cached-fs.ts";
import { LogCleaner } from "../../src/log/cleaner.ts";
import { OpenFileBudget } from "../../src/log/file-cache.ts";
import type { LazyFile } from "../../src/log/lazy-file.ts";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { LimitedFileSystem } from "../support/limited-fs.ts";
import { keyed, latestByKey, readRecords } from "./cleaner-support.ts";
import { makeBatch, ManualTime, T0 } from "./support.ts";

const enc = new TextEncoder();

/** A memory disk behind a descriptor limit, and the budgeted file system over it. */
function setup(openFilesMax: number, options: { crashModel?: boolean } = {}) {
  const disk = new SimFileSystem({
    random: new SeededRandom(7),
    ...(options.crashModel === true ? {} : { dirtyOpsMax: 0 }),
  });
  const limited = new LimitedFileSystem(disk, openFilesMax);
  const budget = new OpenFileBudget(openFilesMax);
  const fs = new CachedFileSystem(limited, budget);
  const time = new ManualTime();
  return { disk, limited, budget, fs, rt: { fs, clock: time, timers: time }, time };
}

/** Yields to the event loop a few times: reads stay in flight while others start. */
const slowRead = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe("open-file budget", () => {
  // A tight budget (nearly every read reopens) and a looser one (reads also hit open handles
  // that other reads are about to evict).
  it.each([5, 24])(
    "serves concurrent reads across logs and old segments without closing a handle mid-read (budget %i)",
    async (openFilesMax) => {
      const { limited, budget, rt } = setup(openFilesMax);
      const logs: PartitionLog[] = [];
      for (let l = 0; l < 6; l++) {
        const log = await PartitionLog.open(rt, `/data/p-${l}`, { segmentBytes: 1024 });
        for (let b = 0; b < 12; b++) await log.append(makeBatch(2, { valueBytes: 200, tag: b }));
        logs.push(log);
      }
      expect(logs[0].segmentCount).toBeGreaterThan(4);
      limited.readDelay = slowRead;
      const random = new SeededRandom(3);
      const reads = Array.from({ length: 300 }, () => {
        const l = random.int(logs.length);
        const offset = random.int(logs[l].logEndOffset);
        return logs[l].read(offset, 300).then((r) => ({ l, offset, r }));
      });
      const evictionsBefore = budget.stats.evictions;
      for (const { offset, r } of await Promise.all(reads)) {
        expect(r.nextOffset).toBeGreaterThan(offset);
        // Batch b holds offsets 2b and 2b+1, the last value filled with b + 1 (then the record's
        // header count, 0).
        expect(r.bytes[r.bytes.length - 2]).toBe((Math.floor((r.nextOffset - 1) / 2) + 1) & 0xff);
      }
      expect(budget.stats.evictions).toBeGreaterThan(evictionsBefore);
      expect(limited.closedUnderOperation).toBe(0);
      expect(limited.refused).toBe(0);
      expect(limited.peak).toBeLessThanOrEqual(openFilesMax);
      for (const log of logs) await log.close();
      expect(limited.held).toBe(0);
    },
  );

  it("keeps every durable append through a power cut while handles are evicted", async () => {
    const { disk, limited, budget, rt } = setup(4, { crashModel: true });
    const logs: PartitionLog[] = [];
    for (let l = 0; l < 8; l++) {
      logs.push(await PartitionLog.open(rt, `/data/p-${l}`, { segmentBytes: 2048 }));
    }
    const random = new SeededRandom(11);
    const acked: { l: number; offset: number; tag: number }[] = [];
    // Rounds of concurrent appends: a log's write lands, then other logs' writes evict its
    // handle before its group-commit round fsyncs.
    for (let round = 0; round < 15; round++) {
      const appends = Array.from({ length: 8 }, async (_, j) => {
        const i = round * 8 + j;
        const l = random.int(logs.length);
        const durable = i % 3 !== 0;
        const appended = logs[l].append(makeBatch(1, { valueBytes: 50, tag: i }), { durable });
        const { baseOffset } = await appended;
        if (durable) acked.push({ l, offset: baseOffset, tag: i });
      });
      await Promise.all(appends);
    }
    expect(budget.stats.dirtyEvictions).toBeGreaterThan(0);
    disk.crash({ mode: "lose-all-unsynced" });
    limited.held = 0;
    const time = new ManualTime();
    for (let l = 0; l < logs.length; l++) {
      const log = await PartitionLog.open(
        { fs: disk, clock: time, timers: time },
        `/data/p-${l}`,
        { segmentBytes: 2048 },
      );
      for (const { offset, tag } of acked.filter((a) => a.l === l)) {
        const read = await log.read(offset, 1);
        expect(read.nextOffset, `log ${l} offset ${offset}`).toBe(offset + 1);
        expect(read.bytes[read.bytes.length - 2]).toBe(tag & 0xff);
      }
      await log.close();
    }
  });

  it("a sync after an eviction needs no reopen, and the data it covers survives a crash", async () => {
    const { disk, limited, fs } = setup(1, { crashModel: true });
    await fs.mkdirp("/d");
    await fs.syncDir("/");
    const a = await fs.open("/d/a", { create: true, write: true });
    await a.writeAt(enc.encode("acknowledged"), 0);
    const b = await fs.open("/d/b", { create: true, write: true }); // evicts a, dirty: fsync
    await fs.syncDir("/d");
    const opens = limited.opens;
    await a.sync();
    expect(limited.opens).toBe(opens);
    disk.crash({ mode: "lose-all-unsynced" });
    expect(new TextDecoder().decode(await disk.readFile("/d/a"))).toBe("acknowledged");
    await b.close();
  });

  it("follows renames and refuses to reopen a removed file", async () => {
    const { fs } = setup(1);
    await fs.mkdirp("/d");
    const a = await fs.open("/d/a.tmp", { create: true, write: true });
    await a.writeAt(enc.encode("moved"), 0);
    const b = await fs.open("/d/b", { create: true, write: true }); // evicts a
    await fs.rename("/d/a.tmp", "/d/a");
    expect(a.path).toBe("/d/a");
    const buf = new Uint8Array(5);
    expect(await a.readAt(buf, 0)).toBe(5); // reopened under its new name; evicts b
    expect(new TextDecoder().decode(buf)).toBe("moved");
    await fs.remove("/d/b");
    await fs.open("/d/c", { create: true, write: true }).then((c) => c.close());
    const refused = await b.size().then(() => null, (err: unknown) => err);
    expect(isIoError(refused, IoErrorCode.NotFound)).toBe(true);
    await a.close();
    await b.close();
  });

  it("evicts the least recently used idle handle, never one with a read in flight", async () => {
    const { limited, fs } = setup(2);
    await fs.mkdirp("/d");
    const a = (await fs.open("/d/a", { create: true, write: true })) as LazyFile;
    await a.writeAt(enc.encode("aaaa"), 0);
    const b = (await fs.open("/d/b", { create: true, write: true })) as LazyFile;
    await b.writeAt(enc.encode("bbbb"), 0);
    // a is now the least recently used handle, and a read of it is in flight.
    let releaseRead!: () => void;
    const readHeld = new Promise<void>((resolve) => (releaseRead = resolve));
    limited.readDelay = () => readHeld;
    const buf = new Uint8Array(4);
    const reading = a.readAt(buf, 0);
    const c = await fs.open("/d/c", { create: true, write: true }); // needs a slot: evicts b
    expect(a.isOpen).toBe(true);
    expect(b.isOpen).toBe(false);
    releaseRead();
    expect(await reading).toBe(4);
    limited.readDelay = null;
    expect(new TextDecoder().decode(buf)).toBe("aaaa");
    expect(limited.closedUnderOperation).toBe(0);
    expect(limited.peak).toBe(2);
    for (const f of [a, b, c]) await f.close();
  });

  it("closes idle handles when the host runs out of descriptors before the budget does", async () => {
    const disk = new SimFileSystem({ dirtyOpsMax: 0 });
    const limited = new LimitedFileSystem(disk, 3); // the rest of the process took the others
    const fs = new CachedFileSystem(limited, new OpenFileBudget(8));
    await fs.mkdirp("/d");
    const files = [];
    for (const name of ["a", "b", "c", "d", "e"]) {
      const f = await fs.open(`/d/${name}`, { create: true, write: true });
      await f.writeAt(enc.encode(name), 0);
      files.push(f);
      await fs.syncDir("/d");
      expect((await fs.list("/d")).length).toBe(files.length);
    }
    expect(limited.refused).toBeGreaterThan(0);
    expect(limited.peak).toBe(3);
    const buf = new Uint8Array(1);
    for (const f of files) await f.readAt(buf, 0);
    for (const f of files) await f.close();
    expect(limited.held).toBe(0);
  });

  it("makes a waiter wait for a pinned handle instead of exceeding the budget", async () => {
    const { limited, fs, budget } = setup(1);
    await fs.mkdirp("/d");
    const files = [];
    for (const name of ["a", "b", "c"]) {
      const f = await fs.open(`/d/${name}`, { create: true, write: true });
      await f.writeAt(enc.encode(name.repeat(4)), 0);
      files.push(f);
    }
    limited.readDelay = slowRead;
    const reads = files.flatMap((f) =>
      [0, 1, 2].map(async () => {
        const buf = new Uint8Array(4);
        await f.readAt(buf, 0);
        return new TextDecoder().decode(buf);
      })
    );
    expect(await Promise.all(reads)).toEqual(
      ["a", "b", "c"].flatMap((n) => Array(3).fill(n.repeat(4))),
    );
    expect(limited.peak).toBe(1);
    expect(limited.closedUnderOperation).toBe(0);
    expect(budget.stats.waiting).toBe(0);
    for (const f of files) await f.close();
    expect(budget.stats.open).toBe(0);
  });

  it("compacts a log whose handles are evicted between the cleaner's steps", async () => {
    const { limited, rt, budget } = setup(3);
    const config = {
      segmentBytes: 260,
      cleanupPolicy: "compact" as const,
      minCleanableDirtyRatio: 0,
      indexIntervalBytes: 0,
    };
    const log = await PartitionLog.open(rt, "/data/c-0", config);
    const other = await PartitionLog.open(rt, "/data/c-1", config);
    for (let i = 0; i < 40; i++) {
      await log.append(keyed([[`k${i % 4}`, `v${i}`]], T0 + i));
      await other.append(keyed([[`k${i % 4}`, `v${i}`]], T0 + i));
    }
    const before = latestByKey(await readRecords(log));
    const cleaner = new LogCleaner(rt);
    const result = await cleaner.cleanUntilDone(log);
    expect(result.outcome).toBe("cleaned");
    expect(result.recordsRemoved).toBeGreaterThan(0);
    expect(budget.stats.evictions).toBeGreaterThan(0);
    const cleaned = await readRecords(log);
    const lastSegmentStart = log.segmentBaseOffsets().at(-1) as number;
    for (const [key, record] of before) {
      expect(cleaned.find((r) => r.key === key && r.offset === record.offset)).toEqual(record);
    }
    expect(cleaned.filter((r) => r.offset < lastSegmentStart).length).toBeLessThan(40);
    await readRecords(other);
    await log.close();
    await other.close();
    const reopened = await PartitionLog.open(rt, "/data/c-0", config);
    expect(await readRecords(reopened)).toEqual(cleaned);
    await reopened.close();
    expect(limited.refused).toBe(0);
    expect(limited.held).toBe(0);
  });
});
