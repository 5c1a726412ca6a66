// RaftStorage on the simulated disk: what a write reported durable survives every power cut, a
// write in flight at the cut leaves the old or a prefix of the new log, and a torn tail is cut.
import { describe, expect, it } from "vitest";
import { SeededRandom, SimFileSystem } from "../../../runtime/sim/mod.ts";
import { encodeFrame, LOG_FILE, RAFT_DIR, RaftStorage } from "../../../src/cluster/raft/storage.ts";
import type { Entry } from "../../../src/controller/raft/types.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import { captureLogs } from "../../support/log-capture.ts";
import { simSeeds } from "../../support/sim-seeds.ts";

const DATA_DIR = "/data";
const LOG_PATH = `${DATA_DIR}/${RAFT_DIR}/${LOG_FILE}`;
const TEST_PATH = "test/cluster/raft/storage.test.ts";

function entry(term: number, tag: string | null): Entry {
  return { term, data: tag === null ? null : new TextEncoder().encode(tag) };
}

async function reopen(fs: SimFileSystem, logger = silentLogger) {
  const storage = await RaftStorage.open(fs, DATA_DIR, logger);
  return { storage, state: await storage.load() };
}

/** Microtask turns: lets an unawaited write get part of the way. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await Promise.resolve();
}

describe("raft storage", () => {
  it("stores hard state, appends, truncates, compacts and snapshots across reopen", async () => {
    const fs = new SimFileSystem();
    let { storage, state } = await reopen(fs);
    expect(state).toEqual({
      term: 0,
      votedFor: null,
      logStartIndex: 0,
      logStartTerm: 0,
      entries: [],
      snapshot: null,
    });
    await storage.saveHardState(3, 2);
    await storage.append(1, [entry(1, null), entry(1, "a"), entry(2, "b")]);
    await storage.append(3, [entry(3, "c"), entry(3, "d")]);
    fs.crash({ mode: "lose-all-unsynced" });
    ({ storage, state } = await reopen(fs));
    expect(state.term).toBe(3);
    expect(state.votedFor).toBe(2);
    expect(state.entries).toEqual([entry(1, null), entry(1, "a"), entry(3, "c"), entry(3, "d")]);

    await storage.saveSnapshot({ index: 2, term: 1, data: new Uint8Array([7]) });
    await storage.compact(2);
    await storage.append(5, [entry(3, "e")]);
    fs.crash({ mode: "lose-all-unsynced" });
    ({ storage, state } = await reopen(fs));
    expect(state.logStartIndex).toBe(2);
    expect(state.logStartTerm).toBe(1);
    expect(state.snapshot).toEqual(new Uint8Array([7]));
    expect(state.entries).toEqual([entry(3, "c"), entry(3, "d"), entry(3, "e")]);

    await storage.installSnapshot({ index: 9, term: 4, data: new Uint8Array([9, 9]) });
    await storage.append(10, [entry(4, "f")]);
    fs.crash({ mode: "lose-all-unsynced" });
    ({ state } = await reopen(fs));
    expect(state.logStartIndex).toBe(9);
    expect(state.logStartTerm).toBe(4);
    expect(state.entries).toEqual([entry(4, "f")]);
  });

  it("cuts a torn tail at load, logs it and makes the cut durable", async () => {
    const fs = new SimFileSystem();
    const { storage } = await reopen(fs);
    await storage.append(1, [entry(1, "a"), entry(1, "b")]);
    await storage.close();
    const whole = fs.snapshot(LOG_PATH);
    const third = encodeFrame(3, entry(1, "c"));
    const file = await fs.open(LOG_PATH, { write: true });
    await file.writeAt(third.subarray(0, third.length - 2), whole.length);
    await file.sync();
    await file.close();
    const { logger, lines } = captureLogs();
    const { state } = await reopen(fs, logger);
    expect(state.entries).toEqual([entry(1, "a"), entry(1, "b")]);
    const cut = lines.filter((line) => line.event === "raft.log.truncated");
    expect(cut).toHaveLength(1);
    expect(cut[0].cutBytes).toBe(third.length - 2);
    expect(fs.durableSnapshot(LOG_PATH)).toEqual(whole);
  });

  it("cuts a frame whose CRC fails and everything after it", async () => {
    const fs = new SimFileSystem();
    const { storage } = await reopen(fs);
    await storage.append(1, [entry(1, "a"), entry(1, "b"), entry(1, "c")]);
    await storage.close();
    const bytes = fs.snapshot(LOG_PATH);
    const first = encodeFrame(1, entry(1, "a")).length;
    const file = await fs.open(LOG_PATH, { write: true });
    await file.writeAt(new Uint8Array([bytes[first + 25] ^ 0xff]), first + 25);
    await file.sync();
    await file.close();
    const { state } = await reopen(fs);
    expect(state.entries).toEqual([entry(1, "a")]);
  });

  it("drops a log that does not continue the snapshot", async () => {
    const fs = new SimFileSystem();
    let { storage } = await reopen(fs);
    await storage.append(1, [entry(1, "a"), entry(1, "b"), entry(1, "c"), entry(1, "d")]);
    // As a crash between saving a leader's snapshot and emptying the log leaves it: the log's
    // entry at the snapshot index has another term.
    await storage.saveSnapshot({ index: 3, term: 2, data: new Uint8Array([3]) });
    let state;
    ({ storage, state } = await reopen(fs));
    expect(state.logStartIndex).toBe(3);
    expect(state.entries).toEqual([]);
    await storage.append(4, [entry(2, "x")]);
    // A snapshot past the end of the log (a follower applied what its log had not stored yet).
    await storage.saveSnapshot({ index: 9, term: 2, data: new Uint8Array([9]) });
    ({ storage, state } = await reopen(fs));
    expect(state.logStartIndex).toBe(9);
    expect(state.entries).toEqual([]);
    // The log keeps what continues a snapshot it holds the last entry of.
    await storage.append(10, [entry(2, "y"), entry(3, "z")]);
    await storage.saveSnapshot({ index: 10, term: 2, data: new Uint8Array([10]) });
    ({ state } = await reopen(fs));
    expect(state.logStartIndex).toBe(10);
    expect(state.entries).toEqual([entry(3, "z")]);
  });

  it("refuses a damaged quorum-state or snapshot with KAFKA_STORAGE_ERROR", async () => {
    for (const name of ["quorum-state", "snapshot"]) {
      const fs = new SimFileSystem();
      const { storage } = await reopen(fs);
      await storage.saveHardState(2, 1);
      await storage.saveSnapshot({ index: 1, term: 1, data: new Uint8Array(8) });
      const file = await fs.open(`${DATA_DIR}/${RAFT_DIR}/${name}`, { write: true });
      await file.writeAt(new Uint8Array([0x7b, 0xff]), 4);
      await file.close();
      const loading = RaftStorage.open(fs, DATA_DIR, silentLogger).then((s) => s.load());
      await expect(loading, name).rejects.toMatchObject({ code: "KAFKA_STORAGE_ERROR" });
    }
  });

  const plan = simSeeds(100);
  it(`loses nothing reported durable across crashes mid-write (${plan.title})`, async () => {
    let tornSeen = 0;
    for (const seed of plan.seeds) {
      const random = new SeededRandom(seed);
      const fs = new SimFileSystem({ random: random.fork("fs") });
      let { storage } = await reopen(fs);
      /** What the storage said is durable. */
      let durable: Entry[] = [];
      let hard = { term: 0, votedFor: null as number | null };
      let tag = 0;
      try {
        for (let round = 0; round < 30; round++) {
          const from = 1 + random.int(durable.length + 1);
          const term = (durable[from - 2]?.term ?? 0) + random.int(2);
          const fresh = Array.from({ length: 1 + random.int(4) }, () => entry(term, `e${tag++}`));
          const next = [...durable.slice(0, from - 1), ...fresh];
          const nextHard = { term: hard.term + random.int(2), votedFor: random.int(3) };
          if (random.int(4) !== 0) {
            await storage.append(from, fresh);
            durable = next;
            await storage.saveHardState(nextHard.term, nextHard.votedFor);
            hard = nextHard;
            continue;
          }
          // A power cut with an append and a hard state write in flight.
          void storage.append(from, fresh).catch(() => {});
          void storage.saveHardState(nextHard.term, nextHard.votedFor).catch(() => {});
          await turns(random.int(12));
          tornSeen += fs.crash().tornWrites;
          ({ storage } = await reopen(fs));
          const state = await storage.load();
          expect(state.entries.slice(0, from - 1)).toEqual(durable.slice(0, from - 1));
          const tail = state.entries.slice(from - 1);
          const oldTail = durable.slice(from - 1);
          const isPrefix = (of: Entry[]) =>
            tail.length <= of.length && tail.every((e, i) => expect(e).toEqual(of[i]) ?? true);
          const oldPrefix = tail.length <= oldTail.length &&
            JSON.stringify(tail) === JSON.stringify(oldTail.slice(0, tail.length));
          expect(oldPrefix || isPrefix(fresh), "the tail is the old log's or the new write's")
            .toBe(true);
          // Everything reported durable before the cut is there (the old tail may have gone
          // only to the in-flight truncation).
          expect(state.entries.length).toBeGreaterThanOrEqual(Math.min(from - 1, durable.length));
          const sameHard = state.term === hard.term && state.votedFor === hard.votedFor;
          const newHard = state.term === nextHard.term && state.votedFor === nextHard.votedFor;
          expect(sameHard || newHard).toBe(true);
          durable = state.entries.map((e) => e);
          hard = { term: state.term, votedFor: state.votedFor };
          // Reloaded state is durable as it stands: another cut right away changes nothing.
          fs.crash({ mode: "lose-all-unsynced" });
          ({ storage } = await reopen(fs));
          expect((await storage.load()).entries).toEqual(durable);
        }
      } catch (err) {
        throw new Error(
          `raft storage seed ${seed} failed: ${
            String(err)
          }\nreplay: SIM_SEED=${seed} npx vitest run ${TEST_PATH}`,
          { cause: err },
        );
      }
    }
    if (plan.seeds.length >= 50) expect(tornSeen).toBeGreaterThan(0);
  });
});
