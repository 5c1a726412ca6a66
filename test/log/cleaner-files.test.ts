// The swap recovery rule on hand-made directories: which files go, which stay.
import { describe, expect, it } from "vitest";
import { SimFileSystem } from "../../runtime/sim/fs.ts";
import { emptyBatchLike } from "../../src/log/cleaner-batch.ts";
import { recoverCleanerFiles } from "../../src/log/cleaner-files.ts";
import { readBatchHeader, setBaseOffset } from "../../src/log/record-batch.ts";
import { segmentFileName } from "../../src/log/segment-files.ts";
import { concat } from "./support.ts";
import { keyed } from "./cleaner-support.ts";
import { T0 } from "./support.ts";

const DIR = "/d";

function batchAt(base: number, records: number): Uint8Array {
  const entries = Array.from({ length: records }, (_, i) => [`k${i}`, `v${i}`] as const);
  const bytes = keyed(entries, T0);
  setBaseOffset(bytes, 0, base);
  return bytes;
}

async function write(fs: SimFileSystem, name: string, bytes: Uint8Array): Promise<void> {
  const file = await fs.open(`${DIR}/${name}`, { create: true, write: true, truncate: true });
  await file.writeAt(bytes, 0);
  await file.close();
}

/** Segments at the given bases, each one batch of five records, with empty index files. */
async function segments(fs: SimFileSystem, bases: number[]): Promise<void> {
  await fs.mkdirp(DIR);
  for (const base of bases) {
    await write(fs, segmentFileName(base, "log"), batchAt(base, 5));
    await write(fs, segmentFileName(base, "index"), new Uint8Array(0));
    await write(fs, segmentFileName(base, "timeindex"), new Uint8Array(0));
  }
}

async function names(fs: SimFileSystem): Promise<string[]> {
  return (await fs.list(DIR)).map((e) => e.name);
}

describe("recoverCleanerFiles", () => {
  it("finishes a swap: it replaces exactly the segments up to its last batch", async () => {
    const fs = new SimFileSystem();
    await segments(fs, [0, 10, 20]);
    // The group [0, 10] cleaned: one record of segment 0 left, segment 10's batch emptied.
    const emptied = emptyBatchLike(readBatchHeader(batchAt(10, 5)));
    const swap = concat(batchAt(0, 1), emptied);
    await write(fs, `${segmentFileName(0, "log")}.swap`, swap);
    await write(fs, `${segmentFileName(0, "index")}.swap`, new Uint8Array(0));

    expect(await recoverCleanerFiles(fs, DIR)).toEqual({ swapsCompleted: 1, filesRemoved: 3 });
    expect(await names(fs)).toEqual([
      segmentFileName(0, "index"),
      segmentFileName(0, "log"),
      segmentFileName(0, "timeindex"),
      segmentFileName(20, "index"),
      segmentFileName(20, "log"),
      segmentFileName(20, "timeindex"),
    ]);
    expect(await fs.readFile(`${DIR}/${segmentFileName(0, "log")}`)).toEqual(swap);
  });

  it("a swap without batches replaces only its own segment", async () => {
    const fs = new SimFileSystem();
    await segments(fs, [0, 10]);
    await write(fs, `${segmentFileName(0, "log")}.swap`, new Uint8Array(0));
    await recoverCleanerFiles(fs, DIR);
    expect(await fs.readFile(`${DIR}/${segmentFileName(0, "log")}`)).toHaveLength(0);
    expect(await fs.exists(`${DIR}/${segmentFileName(10, "log")}`)).toBe(true);
  });

  it("deletes uncommitted files: *.cleaned and index swaps without their log", async () => {
    const fs = new SimFileSystem();
    await segments(fs, [0, 10]);
    await write(fs, `${segmentFileName(0, "log")}.cleaned`, batchAt(0, 1));
    await write(fs, `${segmentFileName(0, "index")}.swap`, new Uint8Array(0));
    await write(fs, `${segmentFileName(0, "timeindex")}.cleaned`, new Uint8Array(0));
    expect(await recoverCleanerFiles(fs, DIR)).toEqual({ swapsCompleted: 0, filesRemoved: 3 });
    expect(await fs.readFile(`${DIR}/${segmentFileName(0, "log")}`)).toEqual(batchAt(0, 5));
    expect((await names(fs)).filter((n) => /\.(cleaned|swap)$/.test(n))).toEqual([]);
  });

  it("refuses a torn swap file instead of guessing what it replaced", async () => {
    const fs = new SimFileSystem();
    await segments(fs, [0, 10]);
    const torn = concat(batchAt(0, 1), batchAt(10, 5).subarray(0, 70));
    await write(fs, `${segmentFileName(0, "log")}.swap`, torn);
    await expect(recoverCleanerFiles(fs, DIR)).rejects.toMatchObject({
      code: "KAFKA_STORAGE_ERROR",
    });
    expect(await fs.exists(`${DIR}/${segmentFileName(10, "log")}`)).toBe(true);
  });
});
