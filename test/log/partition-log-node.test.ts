// The partition log on the real disk through the Node runtime: what the memory file system
// cannot show (real fsync latency for group commit, real files and directories).
import { afterEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { checkLogDir } from "../../src/log/log-check.ts";
import { CountingFileSystem, makeBatch } from "./support.ts";

const node = createNodeRuntime();
const temps: string[] = [];

afterEach(async () => {
  for (const dir of temps.splice(0)) await node.fs.remove(dir, { recursive: true });
});

async function tempDir(): Promise<string> {
  const dir = await node.fs.makeTempDir("tributary-log-");
  temps.push(dir);
  return dir;
}

describe("PartitionLog on the Node runtime", () => {
  it("round-trips, rolls, restarts cleanly and recovers after an abandoned instance", async () => {
    const dir = `${await tempDir()}/topic-0`;
    const rt = { fs: node.fs, clock: node.clock, timers: node.timers };
    const log = await PartitionLog.open(rt, dir, { segmentBytes: 4096, indexIntervalBytes: 256 });
    const written: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) {
      const batch = makeBatch(5, { tag: i % 10, valueBytes: 20 });
      await log.append(batch);
      written.push(batch);
    }
    expect(log.segmentCount).toBeGreaterThan(5);
    await log.close();
    expect((await checkLogDir(node.fs, dir)).problems).toEqual([]);

    const clean = await PartitionLog.open(rt, dir, { segmentBytes: 4096, indexIntervalBytes: 256 });
    expect(clean.loadReport.segmentsRecovered).toBe(0);
    for (const offset of [0, 3, 250, 499]) {
      const read = await clean.read(offset, 1);
      const batchIndex = Math.floor(offset / 5);
      expect(read.bytes).toEqual(written[batchIndex]);
    }
    await clean.append(makeBatch(1), { durable: true });
    // Abandon without close: the next open has to recover.
    const recovered = await PartitionLog.open(rt, dir, {
      segmentBytes: 4096,
      indexIntervalBytes: 256,
    });
    expect(recovered.loadReport.cleanShutdown).toBe(false);
    expect(recovered.logEndOffset).toBe(501);
    await recovered.close();
    expect((await checkLogDir(node.fs, dir)).problems).toEqual([]);
  });

  it("group commit: 100 concurrent durable appends cost a handful of real fsyncs", async () => {
    const dir = await tempDir();
    // This VM's disk acknowledges fsync in microseconds, about as fast as a write; a 2 ms floor
    // models a disk that really persists, which is when grouping matters.
    const fs = new CountingFileSystem(
      node.fs,
      () => new Promise((resolve) => setTimeout(resolve, 2)),
    );
    const log = await PartitionLog.open({ fs, clock: node.clock, timers: node.timers }, dir);
    const before = fs.syncs;
    const n = 100;
    await Promise.all(
      Array.from(
        { length: n },
        (_, i) => log.append(makeBatch(2, { tag: i % 10 }), { durable: true }),
      ),
    );
    const syncs = fs.syncs - before;
    expect(log.recoveryPoint).toBe(2 * n);
    expect(syncs).toBeLessThan(n / 5);
    await log.close();
  });

  it("deleteAll removes the directory", async () => {
    const parent = await tempDir();
    const dir = `${parent}/gone-0`;
    const log = await PartitionLog.open(
      { fs: node.fs, clock: node.clock, timers: node.timers },
      dir,
    );
    await log.append(makeBatch(1));
    await log.deleteAll();
    expect(await node.fs.exists(dir)).toBe(false);
    expect(await node.fs.exists(parent)).toBe(true);
  });
});
