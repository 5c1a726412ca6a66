// Crashes at chosen points of a cleaner swap, and what open() makes of the files left behind.
import { describe, expect, it } from "vitest";
import { LogCleaner } from "../../src/log/cleaner.ts";
import { readCleanerCheckpoint } from "../../src/log/cleaner-checkpoint.ts";
import type { LogConfig } from "../../src/log/config.ts";
import { checkLogDir } from "../../src/log/log-check.ts";
import { type LogRuntime, PartitionLog } from "../../src/log/partition-log.ts";
import { FuseFileSystem, keyed, type MutatingOp, readRecords } from "./cleaner-support.ts";
import { memoryRuntime, T0 } from "./support.ts";

const DIR = "/data/compacted-0";
const CONFIG: Partial<LogConfig> = {
  segmentBytes: 260,
  cleanupPolicy: "compact",
  minCleanableDirtyRatio: 0,
  indexIntervalBytes: 0,
};

type Rt = ReturnType<typeof memoryRuntime>;
type Trip = (op: MutatingOp, path: string) => boolean;

/** The same log in every runtime: 30 records over 3 keys, cleaned once, then 12 more. */
async function build(rt: Rt): Promise<PartitionLog> {
  const log = await PartitionLog.open(rt, DIR, CONFIG);
  for (let i = 0; i < 30; i++) await log.append(keyed([[`k${i % 3}`, `v${i}`]], T0 + i));
  await log.append(keyed([["k1", null]], T0 + 30));
  await new LogCleaner(rt).clean(log);
  for (let i = 31; i < 43; i++) await log.append(keyed([[`k${i % 4}`, `v${i}`]], T0 + i));
  return log;
}

/** What a pass that is not interrupted leaves. */
async function expectedAfterClean() {
  const rt = memoryRuntime();
  const log = await build(rt);
  const result = await new LogCleaner(rt).clean(log);
  const records = await readRecords(log);
  const segments = log.segmentBaseOffsets();
  await log.close();
  return { result, records, segments };
}

/** Cleans through a file system that loses power at the first operation trip() picks. */
async function cleanUntilPowerCut(rt: Rt, trip: Trip): Promise<unknown> {
  const fuse = new FuseFileSystem(rt.disk, (op, path) => trip(op, path), () => rt.disk.crash());
  const fused: LogRuntime = { ...rt, fs: fuse };
  const log = await PartitionLog.open(fused, DIR, CONFIG);
  const error = await new LogCleaner(fused).clean(log).then(() => null, (err: unknown) => err);
  expect(fuse.blown).toBe(true);
  return error;
}

async function names(rt: Rt): Promise<string[]> {
  return (await rt.fs.list(DIR)).map((e) => e.name);
}

describe("cleaner swaps across power cuts", () => {
  it("a pass cut before its commit leaves the log as it was", async () => {
    const rt = memoryRuntime();
    const built = await build(rt);
    const before = await readRecords(built);
    await built.close();
    const cut = await cleanUntilPowerCut(
      rt,
      (op, path) => op === "rename" && path.endsWith(".log.swap"),
    );
    expect(cut).toBeInstanceOf(Error);
    expect((await names(rt)).some((n) => n.endsWith(".cleaned"))).toBe(true);

    const log = await PartitionLog.open(rt, DIR, CONFIG);
    expect(log.loadReport.cleanerSwapsCompleted).toBe(0);
    expect((await names(rt)).filter((n) => /\.(cleaned|swap)$/.test(n))).toEqual([]);
    expect(await readRecords(log)).toEqual(before);
    await log.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });

  it("a pass cut after its commit is finished at open, old segments and all", async () => {
    const expected = await expectedAfterClean();
    expect(expected.result.segmentsAfter).toBeLessThan(expected.result.segmentsBefore);
    for (const point of ["remove", "rename-final"] as const) {
      const rt = memoryRuntime();
      await closeAfter(await build(rt));
      // "remove": step 3, the group's other segments; "rename-final": step 4.
      await cleanUntilPowerCut(
        rt,
        (op, path) =>
          point === "remove"
            ? op === "remove" && path.endsWith(".log")
            : op === "rename" && path.endsWith(".index"),
      );
      expect((await names(rt)).some((n) => n.endsWith(".log.swap"))).toBe(true);

      const log = await PartitionLog.open(rt, DIR, CONFIG);
      expect(log.loadReport.cleanerSwapsCompleted).toBe(1);
      const records = await readRecords(log);
      // The first group is swapped in; later groups of the pass were never written.
      for (const r of expected.records) expect(records).toContainEqual(r);
      expect(log.segmentBaseOffsets()[0]).toBe(expected.segments[0]);
      await log.close();
      expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
      expect((await names(rt)).filter((n) => /\.(cleaned|swap)$/.test(n))).toEqual([]);
      // The checkpoint comes with the pass's last group: still the one before the pass.
      expect((await readCleanerCheckpoint(rt.fs, DIR))?.cleanedUpTo).toBeLessThan(
        expected.result.cleanedUpTo,
      );
    }
  });

  it("finishing a swap survives a power cut in the middle of it", async () => {
    const cutAtRemove: Trip = (op, path) => op === "remove" && path.endsWith(".log");
    const reference = memoryRuntime();
    await closeAfter(await build(reference));
    await cleanUntilPowerCut(reference, cutAtRemove);
    const referenceLog = await PartitionLog.open(reference, DIR, CONFIG);
    const expected = await readRecords(referenceLog);
    await referenceLog.close();

    const rt = memoryRuntime();
    await closeAfter(await build(rt));
    await cleanUntilPowerCut(rt, cutAtRemove);
    // Recovery itself loses power at each of its disk operations in turn, then completes.
    let cuts = 0;
    for (let at = 1; at < 30; at++, cuts++) {
      const fuse = new FuseFileSystem(rt.disk, (_op, _path, count) => count === at, () => {
        rt.disk.crash();
      });
      const opened = await PartitionLog.open({ ...rt, fs: fuse }, DIR, CONFIG).then(
        (log) => log,
        () => null,
      );
      if (opened !== null) {
        await opened.close();
        break;
      }
    }
    expect(cuts).toBeGreaterThan(3);
    const log = await PartitionLog.open(rt, DIR, CONFIG);
    expect(await readRecords(log)).toEqual(expected);
    await log.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
    expect((await names(rt)).filter((n) => /\.(cleaned|swap)$/.test(n))).toEqual([]);
  });
});

async function closeAfter(log: PartitionLog): Promise<PartitionLog> {
  await log.close();
  return log;
}
