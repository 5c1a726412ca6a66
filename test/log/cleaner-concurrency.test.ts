// A cleaning pass beside appends, reads, truncation, retention and record deletion.
import { describe, expect, it } from "vitest";
import type { FileHandle, OpenOptions } from "../../runtime/types.ts";
import { LogCleaner } from "../../src/log/cleaner.ts";
import { readCleanerCheckpoint } from "../../src/log/cleaner-checkpoint.ts";
import type { LogConfig } from "../../src/log/config.ts";
import { checkLogDir } from "../../src/log/log-check.ts";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { keyed, latestByKey, type ReadRecord, readRecords } from "./cleaner-support.ts";
import { memoryRuntime, T0 } from "./support.ts";

const DIR = "/data/compacted-0";
const CONFIG: Partial<LogConfig> = {
  segmentBytes: 260,
  cleanupPolicy: "compact",
  minCleanableDirtyRatio: 0,
  indexIntervalBytes: 0,
};

type Rt = ReturnType<typeof memoryRuntime>;

async function filled(rt: Rt, config: Partial<LogConfig> = {}): Promise<PartitionLog> {
  const log = await PartitionLog.open(rt, DIR, { ...CONFIG, ...config });
  for (let i = 0; i < 40; i++) await log.append(keyed([[`k${i % 4}`, `v${i}`]], T0 + i));
  return log;
}

/** Calls hook (once) when the cleaner starts writing its cleaned segment. */
function onCleanedFile(rt: Rt, hook: () => void): void {
  const open = rt.disk.open.bind(rt.disk);
  let fired = false;
  rt.disk.open = (path: string, options?: OpenOptions): Promise<FileHandle> => {
    if (!fired && path.endsWith(".log.cleaned")) {
      fired = true;
      hook();
    }
    return open(path, options);
  };
}

describe("LogCleaner beside other log operations", () => {
  it("lets appends and reads go on during a pass", async () => {
    const rt = memoryRuntime();
    const log = await filled(rt);
    let cleaning = true;
    const duringClean: string[] = [];
    const pass = new LogCleaner(rt).clean(log).finally(() => (cleaning = false));
    const work: Promise<unknown>[] = [];
    for (let i = 40; i < 60; i++) {
      work.push(
        log.append(keyed([[`k${i % 5}`, `v${i}`]], T0 + i), { durable: i % 2 === 0 }).then(() => {
          if (cleaning) duringClean.push("append");
        }),
      );
      work.push(
        readRecords(log).then((records) => {
          if (cleaning) duringClean.push("read");
          expectOrdered(records);
        }),
      );
      for (let turn = 0; turn < 20; turn++) await Promise.resolve();
    }
    const [result] = await Promise.all([pass, ...work]);
    expect(result.outcome).toBe("cleaned");
    expect(duringClean).toContain("append");
    expect(duringClean).toContain("read");
    const records = await readRecords(log);
    expect(records.at(-1)?.offset).toBe(59);
    expect([...latestByKey(records).values()].map((r) => r.value).sort()).toEqual(
      ["v55", "v56", "v57", "v58", "v59"],
    );
    await log.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });

  it("abandons a pass that a truncation overtook, and truncation lowers the checkpoint", async () => {
    const rt = memoryRuntime();
    const log = await filled(rt);
    const cleaner = new LogCleaner(rt);
    expect((await cleaner.clean(log)).cleanedUpTo).toBeGreaterThan(20);
    for (let i = 40; i < 60; i++) await log.append(keyed([[`k${i % 4}`, `w${i}`]], T0 + i));
    let truncated: Promise<void> = Promise.resolve();
    onCleanedFile(rt, () => (truncated = log.truncateTo(45)));
    const result = await cleaner.clean(log);
    await truncated;
    expect(result.outcome).toBe("aborted");
    expect(log.logEndOffset).toBeLessThanOrEqual(45);
    expect((await readCleanerCheckpoint(rt.fs, DIR))?.cleanedUpTo).toBeLessThanOrEqual(
      log.logEndOffset,
    );
    expect((await rt.fs.list(DIR)).filter((e) => e.name.endsWith(".cleaned"))).toEqual([]);
    // Truncating below the compacted range: the checkpoint follows it down.
    await log.truncateTo(10);
    expect((await readCleanerCheckpoint(rt.fs, DIR))?.cleanedUpTo).toBe(log.logEndOffset);
    for (let i = 0; i < 10; i++) await log.append(keyed([["k0", `x${i}`]], T0 + 100 + i));
    const again = await cleaner.clean(log);
    expect(again.outcome).toBe("cleaned");
    expect(latestByKey(await readRecords(log)).get("k0")?.value).toBe("x9");
    await log.close();
  });

  it("abandons a pass whose segments retention deleted meanwhile", async () => {
    const rt = memoryRuntime();
    const log = await filled(rt, { cleanupPolicy: "compact,delete", retentionMs: 1000 });
    let retained: Promise<number> = Promise.resolve(0);
    onCleanedFile(rt, () => (retained = log.applyRetention(T0 + 60_000)));
    const result = await new LogCleaner(rt).clean(log);
    expect(await retained).toBeGreaterThan(0);
    expect(result.outcome).toBe("aborted");
    expect(log.segmentCount).toBe(1);
    await log.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });

  it("drops records below a log start that moved during the pass", async () => {
    const rt = memoryRuntime();
    const log = await filled(rt);
    let deleted: Promise<void> = Promise.resolve();
    onCleanedFile(rt, () => (deleted = log.deleteRecordsBefore(6)));
    const result = await new LogCleaner(rt).clean(log);
    await deleted;
    expect(["cleaned", "aborted"]).toContain(result.outcome);
    const records = await readRecords(log);
    expect(records[0].offset).toBeGreaterThanOrEqual(6);
    expect(latestByKey(records).size).toBe(4);
    await log.close();
  });

  it("runs one pass per log at a time", async () => {
    const rt = memoryRuntime();
    const log = await filled(rt);
    const cleaner = new LogCleaner(rt);
    const [first, second] = await Promise.all([cleaner.clean(log), cleaner.clean(log)]);
    expect(first.outcome).toBe("cleaned");
    expect(second.outcome).toBe("busy");
    await log.close();
  });
});

function expectOrdered(records: readonly ReadRecord[]): void {
  for (let i = 1; i < records.length; i++) {
    expect(records[i].offset).toBeGreaterThan(records[i - 1].offset);
  }
}
