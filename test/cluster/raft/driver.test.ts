// RaftDriver over the simulation Runtime: a single voter, then a seeded 3-node quorum with
// message delay, loss and partitions and power cuts that lose unsynced writes.
//
//   npx vitest run test/cluster/raft/driver.test.ts          150 seeds
//   SIM_SEEDS=500 npx vitest run test/cluster/raft/driver.test.ts
//   SIM_SEED=17 npx vitest run test/cluster/raft/driver.test.ts -t "keeps its promises"   replay one seed
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import type { Runtime } from "../../../runtime/types.ts";
import { NotControllerError, RaftDriver } from "../../../src/cluster/raft/driver.ts";
import {
  decodeSnapshot,
  LOG_FILE,
  RAFT_DIR,
  scanLogFrames,
  SNAPSHOT_FILE,
} from "../../../src/cluster/raft/storage.ts";
import { encodeRaftMessage } from "../../../src/controller/raft/codec.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { captureLogs } from "../../support/log-capture.ts";
import {
  fixedSeedNames,
  runWatched,
  runWatchedSeed,
  SeedTrace,
  simSeeds,
} from "../../support/sim-seeds.ts";
import { DATA_DIR, DriverCluster, entryKey } from "./driver-cluster.ts";

const TEST_PATH = "test/cluster/raft/driver.test.ts";
const CONFIG = { electionTimeoutMs: 300, heartbeatIntervalMs: 50, appendEntriesMax: 16 };
const BOUNDS = { maxSteps: 200_000, maxVirtualMs: 30_000 };
const utf8 = new TextEncoder();
const bytes = (text: string) => utf8.encode(text);

describe("raft driver, one voter", () => {
  it("commits its proposals durably and redelivers them after a restart", async () => {
    const world = new SimWorld({ seed: 7 });
    const sent: number[] = [];
    const title = "one voter restart";
    await runWatched(world, fixedSeedNames(TEST_PATH, title), async () => {
      const rt = world.runtime("c1");
      const open = async (committed: Array<[number, number, string]>, snapshots: number[]) => {
        const driver = await RaftDriver.open(rt, {
          dataDir: DATA_DIR,
          config: { ...CONFIG, nodeId: 1, voterIds: [1] },
          logger: captureLogs().logger,
          snapshotEveryEntries: 1000,
          transport: { send: (to) => sent.push(to) },
          takeSnapshot: () => new Uint8Array(0),
        });
        driver.onCommit((entries) => {
          for (const e of entries) committed.push([e.index, e.term, entryKey(e.term, e.data)]);
        });
        driver.onSnapshot((index) => snapshots.push(index));
        const leader = new Promise<void>((resolve) =>
          driver.onLeaderChange((id) => id === 1 && resolve())
        );
        driver.start();
        await leader;
        return driver;
      };
      const first: Array<[number, number, string]> = [];
      const driver = await open(first, []);
      const acks = await Promise.all(["a", "b", "c"].map((t) => driver.propose(bytes(t))));
      expect(acks).toEqual([{ index: 2, term: 1 }, { index: 3, term: 1 }, { index: 4, term: 1 }]);
      expect(first).toEqual([[1, 1, "1:noop"], [2, 1, "1:a"], [3, 1, "1:b"], [4, 1, "1:c"]]);
      expect(driver.status()).toEqual({
        role: "leader",
        term: 1,
        leaderId: 1,
        commitIndex: 4,
        lastIndex: 4,
        appliedIndex: 4,
      });
      // A power cut right after the acknowledgements: nothing acknowledged may be lost.
      world.crash("c1", { mode: "lose-all-unsynced" });
      const second: Array<[number, number, string]> = [];
      const again = await open(second, []);
      await again.propose(bytes("d"));
      expect(second).toEqual([
        [1, 1, "1:noop"],
        [2, 1, "1:a"],
        [3, 1, "1:b"],
        [4, 1, "1:c"],
        [5, 2, "2:noop"],
        [6, 2, "2:d"],
      ]);
      await again.close();
      expect(sent, "a single voter sends nothing").toEqual([]);
    }, BOUNDS);
  });

  it("restarts from its snapshot and redelivers only the entries after it", async () => {
    const world = new SimWorld({ seed: 8 });
    const title = "one voter snapshot";
    await runWatched(world, fixedSeedNames(TEST_PATH, title), async () => {
      const rt = world.runtime("c1");
      const taken: number[] = [];
      const open = async (log: string[]) => {
        const driver = await RaftDriver.open(rt, {
          dataDir: DATA_DIR,
          config: { ...CONFIG, nodeId: 1, voterIds: [1] },
          logger: captureLogs().logger,
          snapshotEveryEntries: 3,
          transport: { send: () => {} },
          takeSnapshot: (index) => {
            taken.push(index);
            return bytes(`image@${index}`);
          },
        });
        driver.onSnapshot((index, term, data) =>
          log.push(`snapshot ${index}@${term} ${new TextDecoder().decode(data)}`)
        );
        driver.onCommit((entries) => log.push(...entries.map((e) => `${e.index}`)));
        const leader = new Promise<void>((resolve) =>
          driver.onLeaderChange((id) => id === 1 && resolve())
        );
        driver.start();
        await leader;
        return driver;
      };
      const firstLog: string[] = [];
      const driver = await open(firstLog);
      for (const t of ["a", "b", "c", "d"]) await driver.propose(bytes(t));
      expect(taken).toEqual([3]);
      await driver.close();
      world.crash("c1", { mode: "lose-all-unsynced" });
      const log: string[] = [];
      const again = await open(log);
      await again.propose(bytes("e"));
      expect(log).toEqual(["snapshot 3@1 image@3", "4", "5", "6", "7"]);
      await again.close();
    }, BOUNDS);
  });

  it("settles every proposal when it closes with some still queued", async () => {
    const world = new SimWorld({ seed: 14 });
    await runWatched(world, fixedSeedNames(TEST_PATH, "close settles"), async () => {
      const driver = await RaftDriver.open(world.runtime("c1"), {
        dataDir: DATA_DIR,
        config: { ...CONFIG, nodeId: 1, voterIds: [1] },
        logger: captureLogs().logger,
        snapshotEveryEntries: 100,
        transport: { send: () => {} },
        takeSnapshot: () => new Uint8Array(0),
      });
      const leader = new Promise<void>((resolve) =>
        driver.onLeaderChange((id) => id === 1 && resolve())
      );
      driver.start();
      await leader;
      const proposals = ["a", "b", "c"].map((t) => driver.propose(bytes(t)));
      await driver.close();
      const outcomes = await Promise.race([
        Promise.allSettled(proposals),
        world.scheduler.timers("test").sleep(5_000).then(() => "still pending"),
      ]);
      expect(outcomes).not.toBe("still pending");
      for (const outcome of outcomes as PromiseSettledResult<unknown>[]) {
        expect(outcome.status).toBe("rejected");
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(NotControllerError);
      }
    }, BOUNDS);
  });

  it("re-arms a timer the host fires early instead of losing it", async () => {
    const world = new SimWorld({ seed: 10 });
    await runWatched(world, fixedSeedNames(TEST_PATH, "early timers"), async () => {
      const inner = world.runtime("c1");
      // Real hosts may run a timeout a little before the monotonic clock reaches its deadline
      // (setTimeout rounds to whole ms, performance.now does not).
      const early: Runtime = {
        ...inner,
        timers: {
          setTimeout: (fn, delayMs) => inner.timers.setTimeout(fn, Math.max(0, delayMs - 0.7)),
          sleep: (delayMs, signal) => inner.timers.sleep(delayMs, signal),
        },
      };
      const driver = await RaftDriver.open(early, {
        dataDir: DATA_DIR,
        config: { ...CONFIG, nodeId: 1, voterIds: [1] },
        logger: captureLogs().logger,
        snapshotEveryEntries: 100,
        transport: { send: () => {} },
        takeSnapshot: () => new Uint8Array(0),
      });
      const leader = new Promise<void>((resolve) =>
        driver.onLeaderChange((id) => id === 1 && resolve())
      );
      driver.start();
      const timers = world.scheduler.timers("test");
      const outcome = await Promise.race([
        leader.then(() => "leader"),
        timers.sleep(10 * CONFIG.electionTimeoutMs).then(() => "no election"),
      ]);
      expect(outcome).toBe("leader");
      await driver.close();
    }, BOUNDS);
  });

  it("refuses proposals with NOT_CONTROLLER when it is not the leader", async () => {
    const world = new SimWorld({ seed: 9 });
    await runWatched(world, fixedSeedNames(TEST_PATH, "refuses"), async () => {
      const { logger, lines } = captureLogs();
      const driver = await RaftDriver.open(world.runtime("c1"), {
        dataDir: DATA_DIR,
        config: { ...CONFIG, nodeId: 1, voterIds: [1, 2, 3] },
        logger,
        snapshotEveryEntries: 100,
        transport: { send: () => {} },
        takeSnapshot: () => new Uint8Array(0),
      });
      driver.start();
      const refused = await driver.propose(bytes("x")).then(
        () => null,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(NotControllerError);
      expect((refused as NotControllerError).code).toBe("NOT_CONTROLLER");
      expect((refused as NotControllerError).leaderId).toBe(null);
      // A leader of term 4 appends to it: now it knows whom to send proposals to.
      driver.receive(
        3,
        encodeRaftMessage({
          type: "append",
          term: 4,
          prevLogIndex: 0,
          prevLogTerm: 0,
          entries: [],
          leaderCommit: 0,
        }),
      );
      driver.receive(2, new Uint8Array([0xff, 0x00]));
      driver.receive(2, new Uint8Array([0x80]));
      const again = await driver.propose(bytes("y")).then(() => null, (err: unknown) => err);
      expect((again as NotControllerError).leaderId).toBe(3);
      expect(driver.status().term).toBe(4);
      expect(driver.droppedMessages).toBe(2);
      const dropped = lines.filter((l) => l.event === "raft.message.dropped");
      expect(dropped.map((l) => l.from)).toEqual([2, 2]);
      await driver.close();
      const closed = await driver.propose(bytes("z")).then(() => null, (err: unknown) => err);
      expect(closed).toBeInstanceOf(TributaryError);
    }, BOUNDS);
  });
});

describe("raft driver, losing leadership and storage", () => {
  it("rejects a waiting proposal with NOT_CONTROLLER when its leader is cut off", async () => {
    const world = new SimWorld({ seed: 12 });
    await runWatched(world, fixedSeedNames(TEST_PATH, "leadership lost"), async () => {
      const cluster = new DriverCluster({
        world,
        nodeCount: 3,
        config: CONFIG,
        snapshotEveryEntries: 100,
        delayMsMax: 5,
        syncMsMax: 2,
        trace: (text) => world.record(text),
      });
      await Promise.all([cluster.open(1), cluster.open(2), cluster.open(3)]);
      await cluster.until(() => cluster.leader() !== null, 10_000, "a leader");
      const old = cluster.leader() as RaftDriver;
      const oldId = old.status().leaderId as number;
      await old.propose(bytes("before"));
      cluster.isolate(oldId);
      const outcome = await old.propose(bytes("cut off")).then(
        () => null,
        (err: unknown) => err,
      );
      expect(outcome).toBeInstanceOf(NotControllerError);
      expect((outcome as NotControllerError).code).toBe("NOT_CONTROLLER");
      // It stepped down (check-quorum) without knowing the new leader yet.
      expect(old.status().role).toBe("follower");
      cluster.heal();
      await cluster.until(
        () => cluster.leader() !== null && cluster.leader() !== old,
        10_000,
        "a new leader",
      );
      expect(cluster.violations).toEqual([]);
      for (const m of cluster.members) await m.driver?.close();
    }, BOUNDS);
  });

  it("stops on a failed write and refuses proposals with KAFKA_STORAGE_ERROR", async () => {
    const world = new SimWorld({ seed: 13 });
    await runWatched(world, fixedSeedNames(TEST_PATH, "storage failure"), async () => {
      const node = world.node("c1");
      const { logger, lines } = captureLogs();
      const driver = await RaftDriver.open(node.runtime, {
        dataDir: DATA_DIR,
        config: { ...CONFIG, nodeId: 1, voterIds: [1] },
        logger,
        snapshotEveryEntries: 100,
        transport: { send: () => {} },
        takeSnapshot: () => new Uint8Array(0),
      });
      const leader = new Promise<void>((resolve) =>
        driver.onLeaderChange((id) => id === 1 && resolve())
      );
      driver.start();
      await leader;
      await driver.propose(bytes("fits"));
      node.fs.faults.capacityBytes = node.fs.usedBytes();
      const failed = await driver.propose(bytes("does not fit")).then(
        () => null,
        (err: unknown) => err,
      );
      expect((failed as TributaryError).code).toBe("KAFKA_STORAGE_ERROR");
      expect(driver.failure?.code).toBe("KAFKA_STORAGE_ERROR");
      expect(lines.filter((l) => l.event === "raft.driver.failed")).toHaveLength(1);
      const later = await driver.propose(bytes("later")).then(() => null, (err: unknown) => err);
      expect((later as TributaryError).code).toBe("KAFKA_STORAGE_ERROR");
      await driver.close();
    }, BOUNDS);
  });
});

describe("raft driver, 3 nodes on a faulty network and disks", () => {
  const plan = simSeeds(150);
  const FAULT_PHASE_MS = 3_000;
  const LIVENESS_BOUND_MS = 10 * CONFIG.electionTimeoutMs;

  it(`keeps its promises (${plan.title})`, async () => {
    let installs = 0;
    let acked = 0;
    let crashes = 0;
    let livenessMsMax = 0;
    for (const seed of plan.seeds) {
      const trace = new SeedTrace(plan.replaying);
      const names = {
        simulation: "raft driver simulation",
        testPath: TEST_PATH,
        replay: `SIM_SEED=${seed} npx vitest run ${TEST_PATH} -t "keeps its promises"`,
      };
      const world = new SimWorld({ seed });
      const result = await runWatchedSeed(
        seed,
        names,
        () => world.run(() => runSeed(world, trace.line), BOUNDS),
        trace,
      );
      installs += result.installs;
      acked += result.acked;
      crashes += result.crashes;
      livenessMsMax = Math.max(livenessMsMax, result.livenessMs);
    }
    if (plan.seeds.length >= 50) {
      console.log(
        `raft driver simulation: ${plan.title}, ${acked} proposals acknowledged, ${crashes} ` +
          `crashes, ${installs} snapshots installed, slowest recovery ${livenessMsMax}ms`,
      );
      // The faults must bite: followers fall behind far enough to need a snapshot.
      expect(installs).toBeGreaterThan(0);
      expect(crashes).toBeGreaterThan(plan.seeds.length);
    }
    if (plan.seeds.length >= 50) expect(acked).toBeGreaterThan(plan.seeds.length);
  }, 300_000);

  async function runSeed(world: SimWorld, line: (text: string) => void) {
    const random = world.random.fork("faults");
    const timers = world.scheduler.timers("test");
    const cluster = new DriverCluster({
      world,
      nodeCount: 3,
      config: CONFIG,
      snapshotEveryEntries: 8,
      delayMsMax: 10,
      syncMsMax: 4,
      trace: (text) => world.record(text) ?? line(`${world.scheduler.clock.elapsedMs} ${text}`),
    });
    const failures: unknown[] = [];
    const reopen = (id: number) => {
      const life = cluster.member(id).lives;
      cluster.open(id).catch((err) => {
        // A crash during open may fail its file operations: only a live open must succeed.
        if (cluster.member(id).lives === life + 1) failures.push(err);
      });
    };
    for (const m of cluster.members) reopen(m.id);
    const acks: Array<{ index: number; term: number; key: string }> = [];
    let proposalCount = 0;
    const propose = () => {
      const leader = cluster.leader();
      if (leader === null) return;
      const tag = `p${proposalCount++}`;
      leader.propose(bytes(tag)).then(
        (at) => acks.push({ ...at, key: entryKey(at.term, bytes(tag)) }),
        (err: unknown) => {
          if (!(err instanceof TributaryError)) failures.push(err);
        },
      );
    };
    let crashes = 0;
    const faultEndMs = world.scheduler.clock.elapsedMs + FAULT_PHASE_MS;
    while (world.scheduler.clock.elapsedMs < faultEndMs) {
      await timers.sleep(10 + random.int(40));
      for (let i = random.int(3); i > 0; i--) propose();
      const roll = random.int(100);
      const id = 1 + random.int(3);
      const member = cluster.member(id);
      if (roll < 4 && member.driver !== null) {
        cluster.crash(id);
        crashes++;
      } else if (roll < 30 && member.driver === null) {
        reopen(id);
      } else if (roll < 34) {
        cluster.isolate(id);
      } else if (roll < 40) {
        cluster.heal();
      } else if (roll < 43) {
        cluster.lossPercent = random.int(30);
      }
      if (failures.length > 0) throw failures[0];
      if (cluster.violations.length > 0) throw cluster.violations[0];
    }
    // Faults stop: every node up, the network whole. A proposal must commit within the bound.
    cluster.heal();
    for (const m of cluster.members) {
      if (m.driver === null) {
        // A node crashed while opening has its open frozen with its timers: crash it again.
        cluster.crash(m.id);
        reopen(m.id);
      }
    }
    const healedMs = world.scheduler.clock.elapsedMs;
    let final: { index: number; term: number } | null = null;
    const deadline = healedMs + LIVENESS_BOUND_MS;
    while (final === null) {
      if (world.scheduler.clock.elapsedMs > deadline) {
        throw new Error(`no proposal committed within ${LIVENESS_BOUND_MS} ms of healing`);
      }
      const leader = cluster.leader();
      if (leader === null) {
        await cluster.until(() => cluster.leader() !== null, LIVENESS_BOUND_MS, "a leader");
        continue;
      }
      final = await leader.propose(bytes("final")).catch(() => null);
    }
    const livenessMs = world.scheduler.clock.elapsedMs - healedMs;
    if (livenessMs > LIVENESS_BOUND_MS) {
      throw new Error(`the final proposal took ${livenessMs} ms after healing`);
    }
    const finalIndex = final.index;
    await cluster.until(
      () => cluster.members.every((m) => m.applied.length >= finalIndex),
      LIVENESS_BOUND_MS,
      `every node applying ${finalIndex}`,
    );
    if (failures.length > 0) throw failures[0];
    if (cluster.violations.length > 0) throw cluster.violations[0];
    for (const m of cluster.members) expect(m.driver?.failure ?? null).toBe(null);
    // Every acknowledged proposal is in every node's committed log, where it was acknowledged.
    for (const ack of acks) {
      expect(cluster.safety.keyAt(ack.index), `ack at ${ack.index}`).toBe(ack.key);
      for (const m of cluster.members) expect(m.applied[ack.index - 1]).toBe(ack.key);
    }
    for (const m of cluster.members) await m.driver?.close();
    return {
      installs: cluster.snapshotsInstalled,
      acked: acks.length,
      crashes,
      livenessMs,
    };
  }
});

describe("raft driver, a node far behind", () => {
  it("catches up by snapshot after the log it missed was compacted", async () => {
    const world = new SimWorld({ seed: 11 });
    await runWatched(world, fixedSeedNames(TEST_PATH, "far behind"), async () => {
      const cluster = new DriverCluster({
        world,
        nodeCount: 3,
        config: CONFIG,
        snapshotEveryEntries: 5,
        delayMsMax: 5,
        syncMsMax: 2,
        trace: (text) => world.record(text),
      });
      await Promise.all([cluster.open(1), cluster.open(2), cluster.open(3)]);
      await cluster.until(() => cluster.leader() !== null, 10_000, "a leader");
      const first = cluster.leader() as RaftDriver;
      const behind = cluster.members.find((m) => m.driver !== first) as typeof cluster.members[0];
      cluster.crash(behind.id);
      let last = { index: 0, term: 0 };
      for (let i = 0; i < 30; i++) last = await first.propose(bytes(`q${i}`));
      const leaderStatus = first.status();
      expect(leaderStatus.commitIndex).toBe(last.index);
      // The leader's log on disk starts after its latest snapshot: the entries the crashed node
      // misses are gone from it.
      const leaderId = leaderStatus.leaderId as number;
      const disk = world.node(`c${leaderId}`).fs;
      const dir = `${DATA_DIR}/${RAFT_DIR}`;
      const snapshotIndex = decodeSnapshot(disk.durableSnapshot(`${dir}/${SNAPSHOT_FILE}`)).index;
      const frames = scanLogFrames(disk.durableSnapshot(`${dir}/${LOG_FILE}`)).frames;
      expect(snapshotIndex).toBeGreaterThanOrEqual(last.index - 5);
      expect(frames.length).toBeLessThan(5);
      expect(frames[0]?.index ?? snapshotIndex + 1).toBe(snapshotIndex + 1);
      await cluster.open(behind.id);
      const catching = cluster.member(behind.id);
      await cluster.until(() => catching.applied.length >= last.index, 10_000, "catch-up");
      expect(catching.installs).toBeGreaterThan(0);
      expect(catching.applied).toEqual(
        cluster.members.find((m) => m.driver === first)?.applied.slice(0, catching.applied.length),
      );
      expect(cluster.violations).toEqual([]);
      for (const m of cluster.members) await m.driver?.close();
    }, BOUNDS);
  });
});
