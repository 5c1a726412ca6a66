// One seed's life of a compacted partition log on a simulated disk: keyed appends and tombstones
// (plain, durable, concurrent bursts), cleaning passes (alone, or with appends and reads running
// meanwhile), virtual time passing, flushes, clean restarts, and power cuts: at once, at a random
// disk operation in the middle of a cleaning pass (writing the cleaned segment, committing the
// swap, removing old segments, writing the checkpoint), and in the middle of the recovery that
// follows. compaction-model.ts says what must hold after each step.

import type { SimWorld } from "../../../runtime/sim/world.ts";
import { LogCleaner } from "../../../src/log/cleaner.ts";
import type { LogConfig } from "../../../src/log/config.ts";
import { checkLogDir } from "../../../src/log/log-check.ts";
import { type LogRuntime, PartitionLog } from "../../../src/log/partition-log.ts";
import { FuseFileSystem, keyed, readRecords } from "../../log/cleaner-support.ts";
import { ProcessFileSystem } from "../../log/support.ts";
import { checkCompacted, CompactionModel, type ModelRecord } from "./compaction-model.ts";
import { check } from "./log-model.ts";

const DIR = "/data/compacted-0";
const NODE = "broker";

export interface CompactionWorkloadOptions {
  steps: number;
  trace: (line: string) => void;
}

type Random = SimWorld["random"];
type Entry = readonly [string, string | null];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[random.int(items.length)];
}

function randomConfig(random: Random): Partial<LogConfig> {
  return {
    segmentBytes: 200 + random.int(800),
    cleanupPolicy: "compact",
    retentionMs: -1,
    deleteRetentionMs: pick(random, [0, 300, 3_000]),
    minCompactionLagMs: pick(random, [0, 0, 800]),
    minCleanableDirtyRatio: pick(random, [0, 0.2, 0.5]),
    indexIntervalBytes: pick(random, [0, 100, 4096]),
    segmentIndexBytes: pick(random, [24, 10_240]),
    flushMessages: pick(random, [Infinity, Infinity, 5]),
    flushMs: pick(random, [Infinity, 500]),
  };
}

/** What a seed exercised, so a run can show it covered the interesting paths (SIM_STATS=1). */
export interface CompactionStats {
  passes: number;
  recordsRemoved: number;
  cutsMidClean: number;
  swapsFinishedAtOpen: number;
  recoveriesCut: number;
  tombstonesGone: number;
}

export class CompactionWorkload {
  readonly stats: CompactionStats = {
    passes: 0,
    recordsRemoved: 0,
    cutsMidClean: 0,
    swapsFinishedAtOpen: 0,
    recoveriesCut: 0,
    tombstonesGone: 0,
  };
  readonly #world: SimWorld;
  readonly #random: Random;
  readonly #config: Partial<LogConfig>;
  readonly #options: CompactionWorkloadOptions;
  readonly #keys: number;
  readonly #offsetMapBytesMax: number;
  readonly model: CompactionModel;
  #proc!: ProcessFileSystem;
  #fuse!: FuseFileSystem;
  #tripAt = Infinity;
  #log: PartitionLog | null = null;
  #counter = 0;

  constructor(world: SimWorld, options: CompactionWorkloadOptions) {
    this.#world = world;
    this.#random = world.random;
    this.#options = options;
    this.#config = randomConfig(this.#random);
    this.#keys = 2 + this.#random.int(14);
    this.#offsetMapBytesMax = pick(this.#random, [100, 400, 1 << 20]);
    this.model = new CompactionModel(this.#config.deleteRetentionMs as number);
    options.trace(
      `config ${JSON.stringify(this.#config)} keys ${this.#keys} map ${this.#offsetMapBytesMax}`,
    );
  }

  get #rt(): LogRuntime {
    const node = this.#world.node(NODE);
    return { fs: this.#fuse, clock: node.clock, timers: node.runtime.timers };
  }

  get #live(): PartitionLog {
    check(this.#log !== null, "log is open");
    return this.#log;
  }

  get #nowMs(): number {
    return this.#world.node(NODE).clock.nowMs();
  }

  #cleaner(): LogCleaner {
    return new LogCleaner(this.#rt, { offsetMapBytesMax: this.#offsetMapBytesMax });
  }

  async run(): Promise<void> {
    await this.#open();
    for (let step = 0; step < this.#options.steps; step++) {
      await this.#step((what) => this.#options.trace(`${step}: ${what}`));
    }
    await this.#live.close();
    this.model.markAllDurable();
    await this.#open();
    await this.#checkFullRead("final");
    this.stats.tombstonesGone = this.model.tombstonesGone(await readRecords(this.#live));
    await this.#live.close();
  }

  async #step(trace: (s: string) => void): Promise<void> {
    const roll = this.#random.int(100);
    if (roll < 30) return await this.#append(trace, this.#random.int(10) < 4);
    if (roll < 36) return await this.#burst(trace);
    if (roll < 50) return await this.#clean(trace);
    if (roll < 56) return await this.#cleanWhileBusy(trace);
    if (roll < 64) return await this.#sleep(trace);
    if (roll < 68) return await this.#flush(trace);
    if (roll < 76) return await this.#checkFullRead("check");
    if (roll < 80) return await this.#restart(trace);
    if (roll < 96) return await this.#crashDuringClean(trace);
    return await this.#crashNow(trace);
  }

  // ---------------------------------------------------------------------------------------------
  // Operations on a healthy log

  #entries(): Entry[] {
    return Array.from({ length: 1 + this.#random.int(4) }, () => {
      const key = `k${this.#random.int(this.#keys)}`;
      const value = this.#random.int(100) < 15 ? null : `v${++this.#counter}`;
      return [key, value] as const;
    });
  }

  /** Starts an append; the model learns its offsets at once (the log assigns in call order). */
  #startAppend(durable: boolean): { done: Promise<unknown>; added: ModelRecord[] } {
    const entries = this.#entries();
    const nowMs = this.#nowMs;
    const done = this.#live.append(keyed(entries, nowMs), { durable });
    const added = this.model.add(entries, nowMs);
    const acked = done.then(() => {
      if (durable) { for (const r of added) r.durable = true; }
    });
    return { done: acked, added };
  }

  async #append(trace: (s: string) => void, durable: boolean): Promise<void> {
    const { done, added } = this.#startAppend(durable);
    await done;
    trace(`append ${durable ? "durable " : ""}${describe(added)}`);
  }

  async #burst(trace: (s: string) => void): Promise<void> {
    const started = Array.from(
      { length: 2 + this.#random.int(5) },
      () => this.#startAppend(this.#random.int(2) === 0),
    );
    await Promise.all(started.map((s) => s.done));
    trace(`burst of ${started.length} to ${this.model.end}`);
  }

  async #clean(trace: (s: string) => void): Promise<void> {
    const cleaner = this.#cleaner();
    const result = this.#random.int(3) === 0
      ? await cleaner.cleanUntilDone(this.#live)
      : await cleaner.clean(this.#live);
    trace(`clean -> ${JSON.stringify(result)}`);
    check(result.outcome !== "aborted", "a pass with nothing else going on was aborted");
    if (result.outcome === "cleaned") {
      this.stats.passes++;
      this.stats.recordsRemoved += result.recordsRemoved;
      const read = await readRecords(this.#live);
      checkCompacted(read, result.cleanedUpTo);
      this.model.checkRead(read, this.#nowMs);
    }
  }

  /** A pass with appends and full reads running at the same time. */
  async #cleanWhileBusy(trace: (s: string) => void): Promise<void> {
    const cleaning = this.#cleaner().clean(this.#live);
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 1 + this.#random.int(4); i++) {
      work.push(this.#startAppend(this.#random.int(2) === 0).done);
      if (this.#random.int(2) === 0) work.push(this.#checkFullRead("read during clean"));
      for (let turn = this.#random.int(20); turn > 0; turn--) await Promise.resolve();
    }
    const [result] = await Promise.all([cleaning, ...work]);
    trace(`clean while busy -> ${result.outcome} up to ${result.cleanedUpTo}`);
    await this.#checkFullRead("after clean while busy");
  }

  async #sleep(trace: (s: string) => void): Promise<void> {
    const ms = this.#random.int(3_000);
    await this.#rt.timers.sleep(ms);
    trace(`sleep ${ms}`);
  }

  async #flush(trace: (s: string) => void): Promise<void> {
    await this.#live.flush();
    this.model.markAllDurable();
    trace("flush");
  }

  async #checkFullRead(why: string): Promise<void> {
    // Appends already started may not be in the log yet: check only what it held at the start.
    const end = this.#live.logEndOffset;
    const read = await readRecords(this.#live);
    const model = new CompactionModel(this.#config.deleteRetentionMs as number);
    model.records = this.model.records.filter((r) => r.offset < end);
    try {
      model.checkRead(read, this.#nowMs);
    } catch (err) {
      throw new Error(`${why}: ${(err as Error).message}`, { cause: err });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Restarts and crashes

  async #open(): Promise<void> {
    this.#newProcess();
    this.#log = await PartitionLog.open(this.#rt, DIR, this.#config);
    this.stats.swapsFinishedAtOpen += this.#log.loadReport.cleanerSwapsCompleted;
    this.model.cutAt(this.#log.logEndOffset);
    // Whatever open() recovered is durable now.
    this.model.markAllDurable();
    await this.#checkDir("after open");
    await this.#checkFullRead("after open");
  }

  #newProcess(): void {
    this.#proc = new ProcessFileSystem(this.#world.node(NODE).fs);
    this.#tripAt = Infinity;
    this.#fuse = new FuseFileSystem(
      this.#proc,
      (_op, _path, count) => count >= this.#tripAt,
      () => this.#powerCut(),
    );
  }

  async #checkDir(when: string): Promise<void> {
    const fs = this.#world.node(NODE).fs;
    const report = await checkLogDir(fs, DIR);
    check(
      report.problems.length === 0,
      `log directory ${when}:\n  ${report.problems.join("\n  ")}`,
    );
    const leftovers = (await fs.list(DIR)).filter((e) => /\.(cleaned|swap)$/.test(e.name));
    check(leftovers.length === 0, `cleaner files left ${when}: ${leftovers.map((e) => e.name)}`);
  }

  async #restart(trace: (s: string) => void): Promise<void> {
    await this.#live.close();
    this.model.markAllDurable();
    trace("clean restart");
    await this.#open();
  }

  async #crashNow(trace: (s: string) => void): Promise<void> {
    this.#powerCut();
    trace("power cut");
    await this.#reopenAfterCrash(trace);
  }

  /** A pass (sometimes with appends beside it) that loses power at a random disk operation. */
  async #crashDuringClean(trace: (s: string) => void): Promise<void> {
    const after = 1 + this.#random.int(150);
    this.#tripAt = this.#fuse.ops + after;
    const settled: Promise<string>[] = [];
    const outcome = (p: Promise<unknown>) =>
      settled.push(p.then((v) => `ok ${JSON.stringify(v)}`, (e: Error) => `failed: ${e.message}`));
    outcome(this.#cleaner().cleanUntilDone(this.#live));
    for (let i = this.#random.int(3); i > 0; i--) outcome(this.#startAppend(true).done);
    const results = await Promise.all(settled);
    const tripped = this.#fuse.blown;
    if (tripped) this.stats.cutsMidClean++;
    else this.#powerCut();
    trace(`power cut ${tripped ? `at disk op ${after} of a clean` : "after a clean"}: ${results}`);
    await this.#reopenAfterCrash(trace);
  }

  /** The process dies (its disk calls fail from now on) and the node loses power. */
  #powerCut(): void {
    this.#proc.kill();
    this.#fuse.blow();
    const mode = pick(
      this.#random,
      ["random-prefix", "random-prefix", "lose-all-unsynced"] as const,
    );
    const report = this.#world.crash(NODE, { mode });
    this.#options.trace(`  crash (${mode}): ${JSON.stringify(report)}`);
    this.#log = null;
  }

  /** Sometimes cuts power again at a random disk operation of the recovery, then opens. */
  async #reopenAfterCrash(trace: (s: string) => void): Promise<void> {
    if (this.#random.int(3) === 0) {
      this.#newProcess();
      this.#tripAt = 1 + this.#random.int(40);
      this.#log = null;
      const opened = await PartitionLog.open(this.#rt, DIR, this.#config).then(
        (log) => log,
        () => null,
      );
      if (opened !== null) {
        this.#log = opened;
        this.#tripAt = Infinity;
        this.#powerCut();
      } else {
        this.stats.recoveriesCut++;
      }
      trace(`recovery ${opened === null ? "lost power" : "finished, then lost power"}`);
    }
    await this.#open();
    trace(`reopened: ${JSON.stringify(this.#live.loadReport)}`);
  }
}

function describe(records: readonly ModelRecord[]): string {
  return records.map((r) => `${r.offset}:${r.key}=${r.value ?? "∅"}`).join(" ");
}
