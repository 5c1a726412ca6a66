// One seed's random life of a partition log on a simulated disk: appends (plain, durable,
// several batches, replicated with offsets, concurrent bursts), reads, rolls (tiny segments and
// indexes), retention, truncation, record deletion, flushes, virtual time passing, clean
// restarts and power cuts at random points, including in the middle of any operation.

import type { SimWorld } from "../../../runtime/sim/world.ts";
import type { LogConfig } from "../../../src/log/config.ts";
import { checkLogDir } from "../../../src/log/log-check.ts";
import { type LogRuntime, PartitionLog } from "../../../src/log/partition-log.ts";
import {
  encodeBatch,
  setBaseOffset,
  setPartitionLeaderEpoch,
} from "../../../src/log/record-batch.ts";
import { ProcessFileSystem } from "../../log/support.ts";
import { checkLeaderEpochs } from "./leader-epoch-invariant.ts";
import { check, checkAfterRestart, checkLive, LogModel } from "./log-model.ts";

const DIR = "/data/topic-0";
const NODE = "broker";

export interface WorkloadOptions {
  steps: number;
  /** Called with a line per operation; the driver prints the tail when a seed fails. */
  trace: (line: string) => void;
  /**
   * Open the log with its leader-epoch cache, stamp batches with a rising leader epoch, and
   * check after every step and open that the cache says what the batches say
   * (leader-epoch-invariant.ts). Off: the seeds play exactly as before it existed.
   */
  leaderEpochs?: boolean;
}

type Random = SimWorld["random"];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[random.int(items.length)];
}

function randomConfig(random: Random): Partial<LogConfig> {
  return {
    segmentBytes: 400 + random.int(1600),
    segmentMs: pick(random, [500, 5_000, 7 * 24 * 3600_000]),
    retentionMs: pick(random, [-1, 2_000, 20_000]),
    retentionBytes: pick(random, [-1, -1, 800 + random.int(3000)]),
    flushMessages: pick(random, [Infinity, Infinity, 3, 17]),
    flushMs: pick(random, [Infinity, Infinity, 100, 1_000]),
    indexIntervalBytes: pick(random, [0, 60, 250, 4096]),
    segmentIndexBytes: pick(random, [12, 24, 60, 10_240]),
    fileDeleteDelayMs: pick(random, [0, 0, 300]),
  };
}

/** Runs one seed inside world.run; throws (with vitest's message) on the first violation. */
export class LogWorkload {
  readonly #world: SimWorld;
  readonly #random: Random;
  readonly #config: Partial<LogConfig>;
  readonly #options: WorkloadOptions;
  readonly model = new LogModel();
  #proc!: ProcessFileSystem;
  #log: PartitionLog | null = null;
  #counter = 0;
  /** The leader epoch new batches carry (options.leaderEpochs). */
  #epoch = 0;

  constructor(world: SimWorld, options: WorkloadOptions) {
    this.#world = world;
    this.#random = world.random;
    this.#options = options;
    this.#config = randomConfig(this.#random);
    options.trace(`config ${JSON.stringify(this.#config)}`);
  }

  get #rt(): LogRuntime {
    const node = this.#world.node(NODE);
    return { fs: this.#proc, clock: node.clock, timers: node.runtime.timers };
  }

  get #load(): { leaderEpochs?: boolean } {
    return this.#options.leaderEpochs === true ? { leaderEpochs: true } : {};
  }

  get log(): PartitionLog {
    check(this.#log !== null, "log is open");
    return this.#log;
  }

  async run(): Promise<void> {
    await this.#open([0, 0]);
    for (let step = 0; step < this.#options.steps; step++) {
      await this.#step(step);
      if (this.#log !== null) checkLive(this.#log, this.model);
      if (this.#log !== null && this.#options.leaderEpochs === true) {
        await checkLeaderEpochs(this.#log, `after step ${step}`);
      }
    }
    await this.log.close();
    this.model.markAllDurable();
    await this.#checkDir("final");
    await this.#open([this.model.logStart, this.model.logStart]);
    await this.log.close();
  }

  async #step(step: number): Promise<void> {
    const trace = (what: string) => this.#options.trace(`${step}: ${what}`);
    if (this.#options.leaderEpochs === true && this.#random.int(10) === 0) {
      this.#epoch += 1 + this.#random.int(2);
      trace(`leader epoch ${this.#epoch}`);
    }
    const roll = this.#random.int(100);
    if (roll < 22) return await this.#append(trace, false);
    if (roll < 34) return await this.#append(trace, true);
    if (roll < 38) return await this.#appendWithOffsets(trace);
    if (roll < 45) return await this.#burst(trace);
    if (roll < 60) return await this.#read(trace);
    if (roll < 63) return await this.#truncate(trace);
    if (roll < 66) return await this.#deleteRecords(trace);
    if (roll < 71) return await this.#retention(trace);
    if (roll < 74) return await this.#flush(trace);
    if (roll < 79) return await this.#sleep(trace);
    if (roll < 83) return await this.#restart(trace);
    if (roll < 91) return await this.#crashDuring(trace);
    return await this.#crashNow(trace);
  }

  // ---------------------------------------------------------------------------------------------
  // Operations on a healthy log

  #newBatch(baseOffset = 0): Uint8Array {
    const records = [];
    const count = 1 + this.#random.int(4);
    const nowMs = this.#rt.clock.nowMs();
    for (let i = 0; i < count; i++) {
      const id = ++this.#counter;
      const value = new Uint8Array(this.#random.int(40)).fill(id & 0xff);
      records.push({
        key: new TextEncoder().encode(`r${id}`),
        value,
        timestamp: nowMs - 50 + this.#random.int(100),
      });
    }
    const bytes = encodeBatch({ records });
    setBaseOffset(bytes, 0, baseOffset);
    if (this.#options.leaderEpochs === true) setPartitionLeaderEpoch(bytes, 0, this.#epoch);
    return bytes;
  }

  #newBatches(): Uint8Array {
    const parts = Array.from({ length: 1 + this.#random.int(3) }, () => this.#newBatch());
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  }

  async #append(trace: (s: string) => void, durable: boolean): Promise<void> {
    const bytes = this.#random.int(5) === 0 ? this.#newBatches() : this.#newBatch();
    const result = await this.log.append(bytes, { durable });
    const added = this.model.add(bytes);
    trace(`append ${durable ? "durable " : ""}[${result.baseOffset}, ${result.lastOffset}]`);
    check(
      result.baseOffset === added[0].base,
      `append got base ${result.baseOffset}, model ${added[0].base}`,
    );
    check(
      result.lastOffset === added[added.length - 1].last,
      `append got last ${result.lastOffset}`,
    );
    if (durable) { for (const batch of added) batch.durable = true; }
  }

  async #appendWithOffsets(trace: (s: string) => void): Promise<void> {
    const gap = this.#random.int(3) === 0 ? 1 + this.#random.int(5) : 0;
    const bytes = this.#newBatch(this.model.end + gap);
    const durable = this.#random.int(2) === 0;
    const result = await this.log.appendWithOffsets(bytes, { durable });
    trace(
      `appendWithOffsets ${durable ? "durable " : ""}[${result.baseOffset}, ${result.lastOffset}]`,
    );
    const added = this.model.add(bytes);
    if (durable) { for (const batch of added) batch.durable = true; }
  }

  /** Concurrent appends: applied in call order, acknowledged in any order. */
  async #burst(trace: (s: string) => void): Promise<void> {
    const count = 2 + this.#random.int(6);
    const started = this.#startBurst(count);
    const results = await Promise.all(started.map((s) => s.done));
    trace(`burst of ${count}: ${results.map((r) => r.baseOffset).join(",")}`);
    started.forEach((s, i) => {
      check(
        results[i].baseOffset === s.batches[0].base,
        `burst append ${i} got ${results[i].baseOffset}, model ${s.batches[0].base}`,
      );
      if (s.durable) { for (const batch of s.batches) batch.durable = true; }
    });
  }

  #startBurst(count: number) {
    return Array.from({ length: count }, () => {
      const bytes = this.#newBatch();
      const durable = this.#random.int(2) === 0;
      const done = this.log.append(bytes, { durable });
      // The log assigns offsets in call order, so the model knows them before the ack.
      const copy = bytes.slice();
      setBaseOffset(copy, 0, this.model.end);
      return { done, durable, batches: this.model.add(copy) };
    });
  }

  async #read(trace: (s: string) => void): Promise<void> {
    const log = this.log;
    const span = log.logEndOffset - log.logStartOffset;
    const offset = log.logStartOffset + this.#random.int(span + 1);
    const maxBytes = this.#random.int(4) === 0 ? 0 : this.#random.int(900);
    const maxOffset = this.#random.int(3) === 0
      ? offset + this.#random.int(log.logEndOffset - offset + 2)
      : undefined;
    const result = await log.read(offset, maxBytes, maxOffset === undefined ? {} : { maxOffset });
    trace(
      `read(${offset}, ${maxBytes}, ${maxOffset}) -> ${result.bytes.length} bytes, next ${result.nextOffset}`,
    );
    this.model.checkRead(
      offset,
      maxBytes,
      Math.min(maxOffset ?? Infinity, log.logEndOffset),
      result,
    );
    if (this.#random.int(4) === 0) {
      const ts = this.#rt.clock.nowMs() - this.#random.int(30_000);
      const found = await log.offsetForTimestamp(ts);
      trace(`offsetForTimestamp(${ts}) -> ${JSON.stringify(found)}`);
      const expected = this.model.offsetForTimestamp(ts);
      check(
        JSON.stringify(found) === JSON.stringify(expected),
        `offsetForTimestamp(${ts}) gave ${JSON.stringify(found)}, model ${
          JSON.stringify(expected)
        }`,
      );
    }
  }

  /** A truncation point that keeps the batch holding the log start offset. */
  #truncationPoint(): number {
    const holding = this.model.visible()[0];
    const floor = holding === undefined
      ? this.model.logStart
      : Math.max(this.model.logStart, holding.last + 1);
    return floor + this.#random.int(Math.max(1, this.model.end - floor + 2));
  }

  #applyTruncation(offset: number): void {
    this.model.batches = this.model.batches.filter((b) => b.last < offset);
  }

  async #truncate(trace: (s: string) => void): Promise<void> {
    const offset = this.#truncationPoint();
    await this.log.truncateTo(offset);
    trace(`truncateTo(${offset}) -> end ${this.log.logEndOffset}`);
    if (offset >= this.model.end) {
      return check(
        this.log.logEndOffset === this.model.end,
        "truncateTo past the end changed the log",
      );
    }
    this.#applyTruncation(offset);
    // With no batch left at or after the log start, the log may end below it (the end then
    // falls back to where the data ends, and the start follows it down).
    const kept = this.model.batches.at(-1);
    const floor = kept === undefined ? 0 : kept.last + 1;
    const end = this.log.logEndOffset;
    check(
      end >= floor && end <= offset,
      `truncateTo(${offset}) left end ${end}, kept data ends ${floor}`,
    );
    this.model.end = end;
    this.model.logStart = Math.min(this.model.logStart, end);
  }

  async #deleteRecords(trace: (s: string) => void): Promise<void> {
    const offset = this.model.logStart + this.#random.int(this.model.end - this.model.logStart + 1);
    await this.log.deleteRecordsBefore(offset);
    trace(`deleteRecordsBefore(${offset})`);
    this.model.logStart = Math.max(this.model.logStart, offset);
  }

  async #retention(trace: (s: string) => void): Promise<void> {
    await this.#rt.timers.sleep(this.#random.int(25_000));
    const deleted = await this.log.applyRetention();
    trace(
      `applyRetention at ${this.#rt.clock.nowMs()} -> ${deleted} segments, start ${this.log.logStartOffset}`,
    );
    check(
      this.log.logStartOffset >= this.model.logStart,
      "retention moved the log start backwards",
    );
    this.model.logStart = this.log.logStartOffset;
  }

  async #flush(trace: (s: string) => void): Promise<void> {
    await this.log.flush();
    trace("flush");
    this.model.markAllDurable();
    check(
      this.log.recoveryPoint === this.log.logEndOffset,
      "flush() left the recovery point behind",
    );
  }

  async #sleep(trace: (s: string) => void): Promise<void> {
    const ms = this.#random.int(3_000);
    await this.#rt.timers.sleep(ms);
    trace(`sleep ${ms}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Restarts and crashes

  async #open(logStartRange: [number, number]): Promise<void> {
    this.#proc = new ProcessFileSystem(this.#world.node(NODE).fs);
    this.#log = await PartitionLog.open(this.#rt, DIR, this.#config, this.#load);
    await this.#checkDir("after open");
    if (this.#options.leaderEpochs === true) await checkLeaderEpochs(this.#log, "after open");
    await checkAfterRestart(this.#log, this.model, logStartRange);
  }

  async #checkDir(when: string): Promise<void> {
    const report = await checkLogDir(this.#world.node(NODE).fs, DIR);
    check(
      report.problems.length === 0,
      `log directory ${when}:\n  ${report.problems.join("\n  ")}`,
    );
  }

  async #restart(trace: (s: string) => void): Promise<void> {
    await this.log.close();
    this.model.markAllDurable();
    trace("clean restart");
    await this.#open([this.model.logStart, this.model.logStart]);
    check(
      this.log.loadReport.segmentsRecovered === 0,
      `a clean restart rescanned: ${JSON.stringify(this.log.loadReport)}`,
    );
  }

  async #crashNow(trace: (s: string) => void): Promise<void> {
    this.#powerCut(trace);
    await this.#reopenAfterCrash(trace, [this.model.logStart, this.model.logStart]);
  }

  /** Starts an operation, lets it run a random number of microtask turns, then cuts power. */
  async #crashDuring(trace: (s: string) => void): Promise<void> {
    const turns = this.#random.int(60);
    const kind = pick(
      this.#random,
      ["burst", "burst", "truncate", "deleteRecords", "retention", "flush", "close"] as const,
    );
    let logStartRange: [number, number] = [this.model.logStart, this.model.logStart];
    let pending: Promise<unknown>;
    if (kind === "burst") {
      pending = Promise.all(
        this.#startBurst(1 + this.#random.int(6)).map((s) =>
          s.done.then(() => this.#markIfDurable(s))
        ),
      );
    } else if (kind === "truncate") {
      const offset = this.#truncationPoint();
      pending = this.log.truncateTo(offset);
      // Durable batches at or past the cut may go either way; the rest must stay.
      for (const batch of this.model.batches) if (batch.last >= offset) batch.durable = false;
      logStartRange = [0, this.model.logStart];
    } else if (kind === "deleteRecords") {
      const offset = this.model.logStart +
        this.#random.int(this.model.end - this.model.logStart + 1);
      pending = this.log.deleteRecordsBefore(offset);
      logStartRange = [this.model.logStart, Math.max(this.model.logStart, offset)];
    } else if (kind === "retention") {
      pending = this.log.applyRetention(this.#rt.clock.nowMs() + this.#random.int(40_000));
      logStartRange = [this.model.logStart, this.model.end];
    } else {
      pending = kind === "flush" ? this.log.flush() : this.log.close();
    }
    const outcome = pending.then(() => "done", () => "failed");
    for (let i = 0; i < turns; i++) await Promise.resolve();
    this.#powerCut((s) => trace(`${s} during ${kind} after ${turns} turns`));
    trace(`${kind} ${await outcome}`);
    await this.#reopenAfterCrash(trace, logStartRange);
  }

  #markIfDurable(started: { durable: boolean; batches: { durable: boolean }[] }): void {
    if (started.durable) { for (const batch of started.batches) batch.durable = true; }
  }

  #powerCut(trace: (s: string) => void): void {
    this.#proc.kill();
    const mode = pick(
      this.#random,
      ["random-prefix", "random-prefix", "lose-all-unsynced"] as const,
    );
    const report = this.#world.crash(NODE, { mode });
    trace(`power cut (${mode}): ${JSON.stringify(report)}`);
    this.#log = null;
  }

  /** Sometimes cuts power again while recovery runs, then opens for real. */
  async #reopenAfterCrash(
    trace: (s: string) => void,
    logStartRange: [number, number],
  ): Promise<void> {
    if (this.#random.int(4) === 0) {
      const turns = this.#random.int(80);
      this.#proc = new ProcessFileSystem(this.#world.node(NODE).fs);
      const opening = PartitionLog.open(this.#rt, DIR, this.#config, this.#load).then(
        (log) => log,
        () => null,
      );
      for (let i = 0; i < turns; i++) await Promise.resolve();
      this.#powerCut((s) => trace(`${s} during recovery after ${turns} turns`));
      await opening;
    }
    await this.#open(logStartRange);
    trace(`reopened: ${JSON.stringify(this.log.loadReport)} end ${this.log.logEndOffset}`);
  }
}
