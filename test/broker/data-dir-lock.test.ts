// dataDir/.lock on one simulated host: several processes share a disk and a process table, so a
// holder can be alive, killed (dead pid) or restarted under the same pid (reused pid).
import { describe, expect, it } from "vitest";
import { SimFileSystem } from "../../runtime/sim/fs.ts";
import { SeededRandom } from "../../runtime/sim/prng.ts";
import { SimProcess } from "../../runtime/sim/process.ts";
import { SimProcessTable } from "../../runtime/sim/process-table.ts";
import { SimWorld } from "../../runtime/sim/world.ts";
import type { FileHandle, FileSystem, Random, Timers } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import {
  DATA_DIR_LOCK_FILE,
  DataDirLock,
  type LockRuntime,
} from "../../src/broker/data-dir-lock.ts";
import { formatHolder, parseHolder } from "../../src/broker/lock-holder.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { crc32c } from "../../src/log/crc32c.ts";
import { silentLogger } from "../../src/logging/logger.ts";
import { startBroker } from "../../src/server/start-broker.ts";
import { captureLogs } from "../support/log-capture.ts";
import { SeedTrace, simSeeds } from "../support/sim-seeds.ts";

const DIR = "/data";
const LOCK = `${DIR}/${DATA_DIR_LOCK_FILE}`;
const bounds = { maxSteps: 200_000, maxVirtualMs: 600_000 };

/** One simulated host: a disk, a process table, and processes started on it. */
class Host {
  readonly world: SimWorld;
  readonly fs = new SimFileSystem();
  readonly table = new SimProcessTable();
  #nextPid = 100;

  constructor(seed = 1) {
    this.world = new SimWorld({ seed });
  }

  get timers(): Timers {
    return this.world.runtime("host").timers;
  }

  spawn(fs: FileSystem = this.fs): { rt: LockRuntime; process: SimProcess } {
    const process = new SimProcess({ pid: this.#nextPid++, table: this.table });
    const random = new SeededRandom(process.pid);
    return { rt: { name: "sim", fs, process, random, timers: this.timers }, process };
  }

  async lockText(): Promise<string> {
    return new TextDecoder().decode(await this.fs.readFile(LOCK));
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.world.run(fn, bounds);
  }
}

async function lockedError(p: Promise<unknown>): Promise<TributaryError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TributaryError);
  expect((err as TributaryError).code).toBe("DATA_DIR_LOCKED");
  return err as TributaryError;
}

describe("data directory lock", () => {
  it("refuses a second process while the holder lives, naming the directory and the holder", async () => {
    const host = new Host();
    await host.fs.mkdirp(DIR);
    const a = host.spawn();
    const b = host.spawn();
    await host.run(async () => {
      const held = await DataDirLock.acquire(a.rt, DIR, silentLogger);
      expect(parseHolder(await host.fs.readFile(LOCK))?.pid).toBe(a.process.pid);
      const err = await lockedError(DataDirLock.acquire(b.rt, DIR, silentLogger));
      expect(err.message).toBe(
        `data directory ${DIR} is locked by pid ${a.process.pid} (sim): ` +
          `another broker is using it (${LOCK})`,
      );
      // The same process cannot lock it twice either (a second Broker in one process).
      await lockedError(DataDirLock.acquire(a.rt, DIR, silentLogger));
      await held.release();
      expect(await host.fs.exists(LOCK)).toBe(false);
      const { logger, lines: events } = captureLogs();
      const next = await DataDirLock.acquire(b.rt, DIR, logger);
      expect(events.map((e) => e.event)).toEqual(["datadir.locked"]);
      // A release by a process whose lock was taken over leaves the new holder's file alone.
      await held.release();
      expect(parseHolder(await host.fs.readFile(LOCK))?.pid).toBe(b.process.pid);
      await next.release();
    });
  });

  it("takes over the lock of a killed holder (dead pid)", async () => {
    const host = new Host();
    await host.fs.mkdirp(DIR);
    const a = host.spawn();
    const b = host.spawn();
    await host.run(async () => {
      await DataDirLock.acquire(a.rt, DIR, silentLogger);
      a.process.kill();
      const { logger, lines: events } = captureLogs();
      await DataDirLock.acquire(b.rt, DIR, logger);
      expect(parseHolder(await host.fs.readFile(LOCK))?.pid).toBe(b.process.pid);
      const taken = events.find((e) => e.event === "datadir.stale_lock_taken");
      expect(taken).toMatchObject({ level: "warn", pid: a.process.pid, reason: "dead" });
      expect((await host.fs.list(DIR)).map((e) => e.name)).toEqual([DATA_DIR_LOCK_FILE]);
    });
  });

  it("takes over a lock whose pid now belongs to a process started later (reused pid)", async () => {
    const host = new Host();
    await host.fs.mkdirp(DIR);
    const a = host.spawn();
    await host.run(async () => {
      const before = await DataDirLock.acquire(a.rt, DIR, silentLogger);
      a.process.restart(); // killed and started again under the same pid
      const { logger, lines: events } = captureLogs();
      const after = await DataDirLock.acquire(a.rt, DIR, logger);
      expect(after.holder.pid).toBe(before.holder.pid);
      expect(after.holder.startTime).not.toBe(before.holder.startTime);
      const taken = events.find((e) => e.event === "datadir.stale_lock_taken");
      expect(taken).toMatchObject({ pid: a.process.pid, reason: "pid-reused" });
    });
  });

  it("takes over a lock file a crash left empty or torn, after waiting for its text", async () => {
    for (const content of ["", "pid=12"]) {
      const host = new Host();
      await host.fs.mkdirp(DIR);
      const f = await host.fs.open(LOCK, { create: true, write: true });
      await f.writeAt(new TextEncoder().encode(content), 0);
      await f.close();
      const b = host.spawn();
      const { logger, lines: events } = captureLogs();
      await host.run(() => DataDirLock.acquire(b.rt, DIR, logger));
      expect(parseHolder(await host.fs.readFile(LOCK))?.pid).toBe(b.process.pid);
      expect(events.find((e) => e.event === "datadir.stale_lock_taken")?.reason).toBe(
        "unreadable",
      );
    }
  });

  it("a breaker killed halfway leaves a stale break file that is broken in turn", async () => {
    const host = new Host();
    await host.fs.mkdirp(DIR);
    const dead = host.spawn();
    const breaker = host.spawn();
    const b = host.spawn();
    await host.run(async () => {
      await DataDirLock.acquire(dead.rt, DIR, silentLogger);
      dead.process.kill();
      // What the breaker had done when it was killed: claimed the break file for those bytes.
      const stale = await host.fs.readFile(LOCK);
      const breakName = `${LOCK}.break-${crc32c(stale).toString(16).padStart(8, "0")}`;
      const { startTime } = await breaker.process.processStatus(breaker.process.pid);
      const f = await host.fs.open(breakName, { exclusive: true, write: true });
      await f.writeAt(
        formatHolder({ pid: breaker.process.pid, startTime, runtime: "sim", nonce: "b" }),
        0,
      );
      await f.close();
      // While the breaker lives, it is the one taking over: others are refused, naming it.
      const err = await lockedError(DataDirLock.acquire(b.rt, DIR, silentLogger));
      expect(err.message).toContain(`pid ${breaker.process.pid} `);
      breaker.process.kill();
      await DataDirLock.acquire(b.rt, DIR, silentLogger);
      expect(parseHolder(await host.fs.readFile(LOCK))?.pid).toBe(b.process.pid);
      expect((await host.fs.list(DIR)).map((e) => e.name)).toEqual([DATA_DIR_LOCK_FILE]);
    });
  });

  it("a live holder's file written in two steps is waited for, not broken", async () => {
    const host = new Host();
    await host.fs.mkdirp(DIR);
    const a = host.spawn();
    const b = host.spawn();
    // A claim caught between its exclusive create and its write: empty for 50 ms.
    const f = await host.fs.open(LOCK, { exclusive: true, write: true });
    await host.run(async () => {
      const { startTime } = await a.process.processStatus(a.process.pid);
      const text = formatHolder({ pid: a.process.pid, startTime, runtime: "sim", nonce: "1" });
      const writer = host.timers.sleep(50).then(() => f.writeAt(text, 0));
      await lockedError(DataDirLock.acquire(b.rt, DIR, silentLogger));
      await writer;
    });
  });

  it("opening a second Broker on the same directory fails until the first is closed", async () => {
    const world = new SimWorld({ seed: 7 });
    const rt = world.runtime("b1");
    const options = { nodeId: 1, dataDir: DIR, host: "127.0.0.1", port: 0 };
    await world.run(async () => {
      const first = await Broker.open(rt, options);
      await lockedError(Broker.open(rt, options));
      await first.close();
      const second = await Broker.open(rt, options);
      await second.close();
      expect(await rt.fs.exists(`${DIR}/${DATA_DIR_LOCK_FILE}`)).toBe(false);
    }, bounds);
  });

  it("--memory storage takes no lock: each broker has a file system of its own", async () => {
    const world = new SimWorld({ seed: 8 });
    const rt = world.runtime("b1");
    await world.run(async () => {
      const options = { storage: "memory", port: 0, httpPort: null } as const;
      const a = await startBroker(rt, options);
      const b = await startBroker(rt, options);
      await b.close();
      await a.close();
    }, bounds);
  });
});

// ---------------------------------------------------------------------------------------------
// Concurrent claims: 2-4 processes start at once on a directory that is free, stale, empty or
// littered with a killed breaker's file; every file operation takes a random 0-2 ms, and one
// process may be killed after a random number of them. At most one may win; and if none won,
// a process started afterwards must (everyone who could hold it is dead or was refused).

/** fs (and its handles) with a random delay before each operation, dying after opsLeft. */
function jitteryFs(
  fs: FileSystem,
  timers: Timers,
  random: Random,
  life: { opsLeft: number; onDeath: () => void },
): FileSystem {
  const step = async (what: string) => {
    await timers.sleep(random.int(3));
    if (life.opsLeft <= 0) throw new Error(`killed before ${what}`);
    if (--life.opsLeft === 0) life.onDeath();
  };
  const wrap = <T extends object>(target: T, what: string): T =>
    new Proxy(target, {
      get(t, prop) {
        const value = Reflect.get(t, prop, t) as unknown;
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          await step(`${what}.${String(prop)}`);
          const result = await (value as (...a: unknown[]) => unknown).apply(t, args);
          return prop === "open" ? wrap(result as FileHandle, "handle") : result;
        };
      },
    });
  return wrap(fs, "fs");
}

async function seedStartState(host: Host, kind: number): Promise<string> {
  const write = async (path: string, text: string) => {
    const f = await host.fs.open(path, { create: true, write: true, truncate: true });
    await f.writeAt(new TextEncoder().encode(text), 0);
    await f.close();
  };
  const dead = { pid: 99, startTime: "sim-start-0", runtime: "sim", nonce: "dead" };
  const deadText = new TextDecoder().decode(formatHolder(dead));
  switch (kind) {
    case 0:
      return "free";
    case 1:
      await write(LOCK, deadText);
      return "stale";
    case 2:
      await write(LOCK, "");
      return "empty";
    default:
      await write(LOCK, deadText);
      // The break file a breaker (pid 98) killed halfway leaves: named by the stale bytes' CRC.
      await write(
        `${LOCK}.break-${crc32c(formatHolder(dead)).toString(16).padStart(8, "0")}`,
        deadText.replace("pid=99", "pid=98").replace("nonce=dead", "nonce=breaker"),
      );
      return "stale with a stale break file";
  }
}

describe("data directory lock under concurrent starts", () => {
  const plan = simSeeds(300);
  it(`at most one of several simultaneous starts wins (${plan.title})`, async () => {
    for (const seed of plan.seeds) {
      const trace = new SeedTrace(plan.replaying);
      try {
        await concurrentStarts(seed, trace);
      } catch (err) {
        throw trace.failure(err, seed, {
          simulation: "data dir lock",
          testPath: "test/broker/data-dir-lock.test.ts",
        });
      }
    }
  }, 120_000);
});

async function concurrentStarts(seed: number, trace: SeedTrace): Promise<void> {
  const host = new Host(seed);
  const random = new SeededRandom(seed);
  await host.fs.mkdirp(DIR);
  const start = await seedStartState(host, random.int(4));
  const count = 2 + random.int(3);
  const victim = random.float() < 0.5 ? random.int(count) : -1;
  trace.line(`start ${start}, ${count} processes, victim ${victim}`);
  const starters = Array.from({ length: count }, (_, i) => {
    const life = { opsLeft: i === victim ? 1 + random.int(14) : Infinity, onDeath: () => {} };
    const p = host.spawn(jitteryFs(host.fs, host.timers, random, life));
    life.onDeath = () => p.process.kill();
    return p;
  });
  await host.run(async () => {
    const results = await Promise.allSettled(
      starters.map((s) => DataDirLock.acquire(s.rt, DIR, silentLogger)),
    );
    // A victim killed by its very last operation won, but is dead: its lock is stale.
    const winners = results.flatMap((r, i) =>
      r.status === "fulfilled" && host.table.status(starters[i].process.pid).alive
        ? [starters[i]]
        : []
    );
    results.forEach((r, i) =>
      trace.line(
        `pid ${starters[i].process.pid}: ${
          r.status === "fulfilled" ? "won" : (r.reason as Error).message
        }`,
      )
    );
    for (const [i, r] of results.entries()) {
      if (r.status === "rejected" && i !== victim) {
        expect((r.reason as TributaryError).code).toBe("DATA_DIR_LOCKED");
      }
    }
    expect(winners.length).toBeLessThanOrEqual(1);
    const late = host.spawn();
    const lateResult = DataDirLock.acquire(late.rt, DIR, silentLogger);
    if (winners.length === 1) {
      const err = await lockedError(lateResult);
      expect(err.message).toContain(`pid ${winners[0].process.pid} `);
    } else {
      await lateResult;
    }
  });
}
