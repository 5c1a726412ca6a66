// The leader-epoch store over a real PartitionLog on the simulated disk: rebuilt from the
// batches when the checkpoint is missing (existing data directories) or corrupt, fitted to the
// log at open, and kept in step with appends, truncation and front deletion through power cuts.
import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../runtime/sim/prng.ts";
import type { EpochEntry } from "../../src/log/leader-epoch-cache.ts";
import {
  LEADER_EPOCH_CHECKPOINT_FILE,
  readEpochCheckpoint,
} from "../../src/log/leader-epoch-checkpoint.ts";
import { LeaderEpochStore, scanLogEpochs } from "../../src/log/leader-epoch-store.ts";
import { PartitionLog } from "../../src/log/partition-log.ts";
import { simSeeds } from "../support/sim-seeds.ts";
import { makeBatch, memoryRuntime, ProcessFileSystem } from "./support.ts";

const DIR = "/data/t-0";
const PATH = `${DIR}/${LEADER_EPOCH_CHECKPOINT_FILE}`;
type Rt = ReturnType<typeof memoryRuntime>;

/** A closed log of batches of 3 records with these leader epochs, in small segments. */
async function logWithEpochs(rt: Rt, epochs: number[]): Promise<void> {
  const log = await PartitionLog.open(rt, DIR, { segmentBytes: 400 });
  for (const leaderEpoch of epochs) await log.append(makeBatch(3), { leaderEpoch });
  await log.close();
}

async function fileText(rt: Rt): Promise<string> {
  return new TextDecoder().decode(await rt.fs.readFile(PATH));
}

const e = (epoch: number, startOffset: number): EpochEntry => ({ epoch, startOffset });

describe("LeaderEpochStore.open", () => {
  it("a data directory from before the file opens with (0, 0) rebuilt from its batches", async () => {
    const rt = memoryRuntime();
    await logWithEpochs(rt, [0, 0, 0, 0, 0, 0]);
    const log = await PartitionLog.open(rt, DIR, { segmentBytes: 400 });
    expect(await rt.fs.exists(PATH)).toBe(false);
    const store = await LeaderEpochStore.open(rt.fs, DIR, log);
    expect(store.loadReport).toMatchObject({ source: "rebuilt", rebuildReason: "missing" });
    expect(store.entries()).toEqual([e(0, 0)]);
    expect(await fileText(rt)).toBe("0\n1\n0 0\n");
    expect(store.endOffsetFor(0, log.logEndOffset)).toEqual({ leaderEpoch: 0, endOffset: 18 });
    // The next open reads the file instead of scanning.
    const again = await LeaderEpochStore.open(rt.fs, DIR, log);
    expect(again.loadReport).toMatchObject({ source: "checkpoint", entriesDropped: 0 });
    expect(again.entries()).toEqual([e(0, 0)]);
    await log.close();
  });

  it("batches without a leader epoch (-1) give an empty cache; an empty log too", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR, { segmentBytes: 400 });
    expect((await LeaderEpochStore.open(rt.fs, DIR, log)).entries()).toEqual([]);
    await log.append(makeBatch(2));
    expect((await scanLogEpochs(log)).entries()).toEqual([]);
    await log.close();
  });

  it("the scan finds every epoch change across segments", async () => {
    const rt = memoryRuntime();
    await logWithEpochs(rt, [0, 0, 2, 2, 2, 5, 7, 7]);
    const log = await PartitionLog.open(rt, DIR, { segmentBytes: 400 });
    expect(log.segmentCount).toBeGreaterThan(2);
    const store = await LeaderEpochStore.open(rt.fs, DIR, log);
    expect(store.entries()).toEqual([e(0, 0), e(2, 6), e(5, 15), e(7, 18)]);
    expect(store.endOffsetFor(3, log.logEndOffset)).toEqual({ leaderEpoch: 2, endOffset: 15 });
    expect(store.epochForOffset(17)).toBe(5);
    await log.close();
  });

  it("a corrupt file is rebuilt from the batches, not an error", async () => {
    for (const garbage of ["", "0\n2\n0 0\n", "0\n2\n5 0\n2 6\n", "\u0000\u0000\u0000"]) {
      const rt = memoryRuntime();
      await logWithEpochs(rt, [1, 1, 4, 4]);
      await rt.fs.open(PATH, { create: true, write: true }).then(async (file) => {
        await file.writeAt(new TextEncoder().encode(garbage), 0);
        await file.close();
      });
      const log = await PartitionLog.open(rt, DIR, { segmentBytes: 400 });
      const store = await LeaderEpochStore.open(rt.fs, DIR, log);
      expect(store.loadReport, JSON.stringify(garbage)).toMatchObject({
        source: "rebuilt",
        rebuildReason: "corrupt",
      });
      expect(store.entries()).toEqual([e(1, 0), e(4, 6)]);
      expect(await readEpochCheckpoint(rt.fs, DIR)).toEqual({
        kind: "ok",
        entries: [e(1, 0), e(4, 6)],
      });
      await log.close();
    }
  });

  it("entries past the log end (a batch lost after its epoch was recorded) are dropped", async () => {
    const rt = memoryRuntime();
    await logWithEpochs(rt, [1, 1, 1]);
    let log = await PartitionLog.open(rt, DIR, { segmentBytes: 400 });
    const store = await LeaderEpochStore.open(rt.fs, DIR, log);
    // The ordering rule: the epoch is recorded before its batch is appended. Here the append
    // never happens (the process died in between).
    await store.assign(3, log.logEndOffset);
    expect(await fileText(rt)).toBe("0\n2\n1 0\n3 9\n");
    await log.close();
    log = await PartitionLog.open(rt, DIR, { segmentBytes: 400 });
    const reopened = await LeaderEpochStore.open(rt.fs, DIR, log);
    expect(reopened.loadReport).toMatchObject({ source: "checkpoint", entriesDropped: 1 });
    expect(reopened.entries()).toEqual([e(1, 0)]);
    expect(await fileText(rt)).toBe("0\n1\n1 0\n");
    await log.close();
  });

  it("a log start moved while the file was not told is applied at open", async () => {
    const rt = memoryRuntime();
    await logWithEpochs(rt, [1, 1, 2, 2, 3]);
    let log = await PartitionLog.open(rt, DIR, { segmentBytes: 400 });
    await LeaderEpochStore.open(rt.fs, DIR, log);
    await log.deleteRecordsBefore(7);
    await log.close();
    log = await PartitionLog.open(rt, DIR, { segmentBytes: 400 });
    const store = await LeaderEpochStore.open(rt.fs, DIR, log);
    expect(store.loadReport).toMatchObject({ source: "checkpoint", entriesDropped: 1 });
    expect(store.entries()).toEqual([e(2, 7), e(3, 12)]);
    expect((await scanLogEpochs(log)).entries()).toEqual(store.entries());
    await log.close();
  });
});

/**
 * The store says what a scan of the log says, except for a log with no record at or past its
 * start: then neither has a batch of it to go by (the store may keep the latest epoch it knew,
 * the scan may take the epoch of a batch left below the start), so each holds at most one entry,
 * at the log start.
 */
async function expectInStep(store: LeaderEpochStore, log: PartitionLog, context: string) {
  const scanned = (await scanLogEpochs(log)).entries();
  const kept = store.entries();
  if (log.logEndOffset === log.logStartOffset) {
    for (const entries of [scanned, kept]) {
      expect(entries.length, context).toBeLessThanOrEqual(1);
      for (const entry of entries) expect(entry.startOffset, context).toBe(log.logStartOffset);
    }
  } else {
    expect(kept, context).toEqual(scanned);
  }
}

describe("LeaderEpochStore in step with its log", () => {
  it("assign, truncateFromEnd and truncateFromStart persist before they resolve", async () => {
    const rt = memoryRuntime();
    const log = await PartitionLog.open(rt, DIR, { segmentBytes: 400 });
    const store = await LeaderEpochStore.open(rt.fs, DIR, log);
    for (const epoch of [0, 0, 3, 3, 6]) {
      await store.assign(epoch, log.logEndOffset);
      await log.append(makeBatch(3), { leaderEpoch: epoch });
    }
    expect(await fileText(rt)).toBe("0\n3\n0 0\n3 6\n6 12\n");
    await log.truncateTo(12);
    expect(await store.truncateFromEnd(log.logEndOffset)).toEqual([e(6, 12)]);
    expect(await fileText(rt)).toBe("0\n2\n0 0\n3 6\n");
    await log.deleteRecordsBefore(4);
    expect(await store.truncateFromStart(log.logStartOffset)).toBe(true);
    expect(await fileText(rt)).toBe("0\n2\n0 4\n3 6\n");
    expect(store.entries()).toEqual((await scanLogEpochs(log)).entries());
    await log.close();
  });

  const plan = simSeeds(40);
  it(`follows the ordering rule through random appends, cuts and power cuts (${plan.title})`, async () => {
    for (const seed of plan.seeds) {
      const random = new SeededRandom(seed);
      const rt = memoryRuntime(seed);
      let proc = new ProcessFileSystem(rt.disk);
      let log = await PartitionLog.open({ ...rt, fs: proc }, DIR, { segmentBytes: 400 });
      let store = await LeaderEpochStore.open(proc, DIR, log);
      let epoch = 0;
      for (let step = 0; step < 40; step++) {
        const context = `SIM_SEED=${seed} npx vitest run test/log/leader-epoch-store.test.ts ` +
          `(step ${step})`;
        const roll = random.int(10);
        if (roll < 6) {
          if (random.chance(0.25)) epoch += 1 + random.int(2);
          await store.assign(epoch, log.logEndOffset);
          await log.append(makeBatch(1 + random.int(3)), { leaderEpoch: epoch, durable: true });
        } else if (roll < 7) {
          await log.truncateTo(
            log.logStartOffset + random.int(log.logEndOffset - log.logStartOffset + 1),
          );
          await store.truncateFromEnd(log.logEndOffset);
        } else if (roll < 8) {
          const to = log.logStartOffset + random.int(log.logEndOffset - log.logStartOffset + 1);
          await log.deleteRecordsBefore(to);
          await store.truncateFromStart(log.logStartOffset);
        } else {
          // Power cut: unsynced writes are lost or torn; the next process opens both again.
          proc.kill();
          rt.disk.crash();
          proc = new ProcessFileSystem(rt.disk);
          log = await PartitionLog.open({ ...rt, fs: proc }, DIR, { segmentBytes: 400 });
          store = await LeaderEpochStore.open(proc, DIR, log);
          expect(store.loadReport.source, context).toBe("checkpoint");
          epoch = Math.max(epoch, store.latestEpoch);
        }
        await expectInStep(store, log, context);
      }
      await log.close();
    }
  });
});
