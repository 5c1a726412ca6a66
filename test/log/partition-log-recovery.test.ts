import { describe, expect, it } from "vitest";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { checkLogDir } from "../../src/log/log-check.ts";
import { segmentFileName } from "../../src/log/segment-files.ts";
import { concat, makeBatch, memoryRuntime, T0 } from "./support.ts";

const DIR = "/data/t-0";
const BATCH_BYTES = makeBatch(2, { valueBytes: 30 }).length;

type Rt = ReturnType<typeof memoryRuntime>;

async function fill(
  rt: Rt,
  batches: number,
  config = {},
): Promise<{ log: PartitionLog; data: Uint8Array[] }> {
  const log = await PartitionLog.open(rt, DIR, {
    segmentBytes: BATCH_BYTES * 4,
    indexIntervalBytes: 0,
    ...config,
  });
  const data: Uint8Array[] = [];
  for (let i = 0; i < batches; i++) {
    const batch = makeBatch(2, { valueBytes: 30, tag: i % 10, timestamp: T0 + i * 10 });
    await log.append(batch);
    data.push(batch);
  }
  return { log, data };
}

async function readAll(log: PartitionLog): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let offset = log.logStartOffset;
  for (let i = 0; i < 1000 && offset < log.logEndOffset; i++) {
    const read = await log.read(offset, 1 << 20);
    parts.push(read.bytes);
    offset = read.nextOffset;
  }
  return concat(...parts);
}

async function patchFile(
  rt: Rt,
  name: string,
  edit: (bytes: Uint8Array) => Uint8Array,
): Promise<void> {
  const path = `${DIR}/${name}`;
  const next = edit(await rt.fs.readFile(path));
  const file = await rt.fs.open(path, { write: true, truncate: true });
  await file.writeAt(next, 0);
  await file.sync();
  await file.close();
}

describe("PartitionLog restart", () => {
  it("restarts cleanly without rescanning and keeps appending", async () => {
    const rt = memoryRuntime();
    const { log, data } = await fill(rt, 10);
    await log.close();
    expect(await rt.fs.exists(`${DIR}/.clean-shutdown`)).toBe(true);
    const reopened = await PartitionLog.open(rt, DIR);
    expect(await rt.fs.exists(`${DIR}/.clean-shutdown`)).toBe(false);
    expect(reopened.loadReport).toMatchObject({
      cleanShutdown: true,
      segmentsRecovered: 0,
      truncatedBytes: 0,
    });
    expect(reopened.logEndOffset).toBe(20);
    expect(reopened.recoveryPoint).toBe(20);
    expect(reopened.segmentBaseOffsets()).toEqual([0, 8, 16]);
    expect(await readAll(reopened)).toEqual(concat(...data));
    expect(await reopened.offsetForTimestamp(T0 + 55)).toEqual({ offset: 12, timestamp: T0 + 60 });
    expect((await reopened.append(makeBatch(1))).baseOffset).toBe(20);
    await reopened.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });

  it("recovers after a crash: durable appends survive, the rest may not", async () => {
    const rt = memoryRuntime();
    const { log, data } = await fill(rt, 6);
    const durable = makeBatch(2, { valueBytes: 30, tag: 6 });
    await log.append(durable, { durable: true });
    await log.append(makeBatch(2, { valueBytes: 30, tag: 7 }));
    rt.disk.crash({ mode: "lose-all-unsynced" });
    const reopened = await PartitionLog.open(rt, DIR);
    expect(reopened.loadReport.cleanShutdown).toBe(false);
    expect(reopened.loadReport.segmentsRecovered).toBeGreaterThan(0);
    expect(reopened.logEndOffset).toBe(14);
    expect(reopened.recoveryPoint).toBe(14);
    expect(await readAll(reopened)).toEqual(concat(...data, durable));
    await reopened.close();
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });

  it("truncates a corrupt tail at the first bad batch", async () => {
    const rt = memoryRuntime();
    const { log, data } = await fill(rt, 7);
    await log.flush();
    // Unclean stop: the log is simply abandoned. Flip a byte in the last batch's records.
    await patchFile(rt, segmentFileName(8, "log"), (bytes) => {
      bytes[bytes.length - 5] ^= 0x40;
      return bytes;
    });
    const reopened = await PartitionLog.open(rt, DIR);
    expect(reopened.loadReport.truncatedBytes).toBe(BATCH_BYTES);
    expect(reopened.loadReport.truncationReason).toMatch(/corrupt/);
    expect(reopened.logEndOffset).toBe(12);
    expect(await readAll(reopened)).toEqual(concat(...data.slice(0, 6)));
    await reopened.close();
  });

  it("truncates a partial batch at the end; a bad batch in an older segment fails the open", async () => {
    const rt = memoryRuntime();
    const { log, data } = await fill(rt, 10);
    await log.flush();
    await patchFile(
      rt,
      segmentFileName(16, "log"),
      (bytes) => concat(bytes, data[0].subarray(0, 30)),
    );
    let reopened = await PartitionLog.open(rt, DIR);
    expect(reopened.loadReport.truncatedBytes).toBe(30);
    expect(reopened.logEndOffset).toBe(20);
    // Now break the middle segment: everything after its bad batch is gone.
    await reopened.flush();
    await patchFile(rt, segmentFileName(8, "log"), (bytes) => {
      bytes[BATCH_BYTES + 20] ^= 1;
      return bytes;
    });
    await patchFile(
      rt,
      "log.checkpoint",
      () =>
        new TextEncoder().encode("tributary-log-checkpoint 1\nlogStartOffset 0\nrecoveryPoint 3\n"),
    );
    // Cutting there would delete segment 16 and its acknowledged records: the open fails (the
    // broker takes the partition offline) and leaves every file as it was.
    const files = await rt.fs.readFile(`${DIR}/${segmentFileName(16, "log")}`);
    const err = await PartitionLog.open(rt, DIR).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "KAFKA_STORAGE_ERROR" });
    expect((err as Error).message).toMatch(/segment 8 .* is damaged at byte/);
    expect(await rt.fs.readFile(`${DIR}/${segmentFileName(16, "log")}`)).toEqual(files);
    expect((await checkLogDir(rt.fs, DIR)).problems[0]).toMatch(/^segment 8: corrupt at byte \d+/);
  });

  it("rebuilds a missing or damaged index", async () => {
    const rt = memoryRuntime();
    const { log, data } = await fill(rt, 10);
    await log.close();
    await rt.fs.remove(`${DIR}/${segmentFileName(8, "index")}`);
    await patchFile(
      rt,
      segmentFileName(16, "index"),
      () => new Uint8Array([0, 0, 0, 9, 0, 0, 0x10, 0]),
    );
    await patchFile(rt, segmentFileName(0, "timeindex"), (bytes) => bytes.subarray(0, 5));
    const reopened = await PartitionLog.open(rt, DIR, { indexIntervalBytes: 0 });
    expect(await readAll(reopened)).toEqual(concat(...data));
    for (let offset = 0; offset < 20; offset++) {
      expect((await reopened.read(offset, 1)).nextOffset).toBe(offset - (offset % 2) + 2);
    }
    expect(await reopened.offsetForTimestamp(T0 + 1)).toEqual({ offset: 1, timestamp: T0 + 1 });
    await reopened.close();
    expect((await rt.fs.readFile(`${DIR}/${segmentFileName(8, "index")}`)).length).toBe(3 * 8);
    expect((await rt.fs.readFile(`${DIR}/${segmentFileName(16, "index")}`)).length).toBe(1 * 8);
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
  });

  it("rebuilds indexes from scratch after an unclean stop", async () => {
    const rt = memoryRuntime();
    const { log } = await fill(rt, 10);
    await log.flush();
    await patchFile(rt, segmentFileName(16, "index"), () => new Uint8Array(16).fill(0xee));
    const reopened = await PartitionLog.open(rt, DIR);
    expect(reopened.loadReport.segmentsRecovered).toBe(1);
    expect((await checkLogDir(rt.fs, DIR)).problems).toEqual([]);
    await reopened.close();
  });

  it("reports a malformed checkpoint instead of guessing", async () => {
    const rt = memoryRuntime();
    const { log } = await fill(rt, 2);
    await log.close();
    await patchFile(rt, "log.checkpoint", () => new TextEncoder().encode("garbage"));
    const err = await PartitionLog.open(rt, DIR).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("KAFKA_STORAGE_ERROR");
  });

  it("removes temp files, delayed deletions and orphan indexes on open", async () => {
    const rt = memoryRuntime();
    const { log } = await fill(rt, 2);
    await log.close();
    for (
      const name of [
        "log.checkpoint.tmp",
        "00000000000000000099.index",
        "00000000000000000004.log.deleted",
      ]
    ) {
      await (await rt.fs.open(`${DIR}/${name}`, { create: true, write: true })).close();
    }
    const reopened = await PartitionLog.open(rt, DIR);
    const names = (await rt.fs.list(DIR)).map((e) => e.name);
    expect(names.sort()).toEqual([
      "00000000000000000000.index",
      "00000000000000000000.log",
      "00000000000000000000.timeindex",
      "log.checkpoint",
    ]);
    await reopened.close();
  });
});
