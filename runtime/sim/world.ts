// A simulated cluster: named nodes sharing one virtual clock, scheduler and network, each with its
// own disk and process, all driven from one seed. A failing run reports its seed, and the same
// seed replays it exactly.
//
//   const world = new SimWorld({ seed: 42 });
//   const rt = world.runtime("broker-1");
//   await world.run(async () => { ... }, { maxSteps: 100_000, maxVirtualMs: 60_000 });
//   world.crash("broker-1"); // power cut; rt now acts as the restarted process on the same disk

import type { Runtime, SignalName } from "../types.ts";
import { NodeClock } from "./clock.ts";
import type { CrashMode, CrashReport } from "./fs-crash.ts";
import { SimFileSystem, type SimFileSystemOptions } from "./fs.ts";
import { SimHttp } from "./http.ts";
import { SimNetwork } from "./network.ts";
import { SeededRandom } from "./prng.ts";
import { SimProcess } from "./process.ts";
import { SimProcessTable } from "./process-table.ts";
import { type RunBounds, SimScheduler } from "./scheduler.ts";
import { SimTrace } from "./trace.ts";

export interface SimWorldOptions {
  seed: number;
  /** One-way network latency per chunk, uniform in [min, max] ms (default [1, 5]). */
  latencyMs?: readonly [number, number];
  /** Unread bytes per connection direction before write() waits (default 256 KiB). */
  inFlightBytesMax?: number;
  /** Connect deadline when ConnectOptions.timeoutMs is absent (default 10 s). */
  connectTimeoutMsDefault?: number;
  /** Options for every node's disk (the Random is derived from the seed). */
  fs?: Omit<SimFileSystemOptions, "random">;
  /** Environment every node's process sees, unless runtime() is given its own. */
  env?: Readonly<Record<string, string>>;
  /** Trace lines kept for failure reports (default 1000). */
  traceRecentMax?: number;
}

export interface SimNodeOptions {
  env?: Readonly<Record<string, string>>;
  args?: readonly string[];
}

/** One simulated host: its disk, its process and its view of the clock. */
export interface SimNode {
  readonly name: string;
  readonly fs: SimFileSystem;
  readonly process: SimProcess;
  readonly clock: NodeClock;
  readonly runtime: Runtime;
  crashes: number;
}

const FIRST_PID = 1000;

export class SimWorld {
  readonly seed: number;
  /** For the test's own choices; nodes get streams of their own. */
  readonly random: SeededRandom;
  readonly scheduler: SimScheduler;
  readonly net: SimNetwork;
  readonly http: SimHttp;
  readonly trace: SimTrace;
  readonly #root: SeededRandom;
  readonly #options: SimWorldOptions;
  readonly #nodes = new Map<string, SimNode>();
  readonly #processes = new SimProcessTable();

  constructor(options: SimWorldOptions) {
    this.seed = options.seed;
    this.#options = options;
    this.#root = new SeededRandom(options.seed);
    this.random = this.#root.fork("world");
    this.trace = new SimTrace({ recentMax: options.traceRecentMax });
    this.scheduler = new SimScheduler({
      describe: () => this.describe(),
      onFire: (timer) => this.record(`fire ${timer.owner || "world"}#${timer.seq}`),
    });
    this.net = new SimNetwork({
      scheduler: this.scheduler,
      random: this.#root.fork("net"),
      latencyMs: options.latencyMs,
      inFlightBytesMax: options.inFlightBytesMax,
      connectTimeoutMsDefault: options.connectTimeoutMsDefault,
      record: (event) => this.record(event),
    });
    this.http = new SimHttp(this.net, this.scheduler);
  }

  /** The Runtime of node, created on first use; options apply only then. */
  runtime(name: string, options: SimNodeOptions = {}): Runtime {
    return this.node(name, options).runtime;
  }

  /** The node with its disk, process and clock, created on first use. */
  node(name: string, options: SimNodeOptions = {}): SimNode {
    const existing = this.#nodes.get(name);
    if (existing !== undefined) return existing;
    if (name === "" || name.includes(":")) {
      throw new RangeError(`bad node name ${JSON.stringify(name)}`);
    }
    const timers = this.scheduler.timers(name);
    const fs = new SimFileSystem({
      ...this.#options.fs,
      random: this.#root.fork(`fs:${name}`),
      clock: { nowMs: () => this.scheduler.clock.elapsedMs, sleep: (ms) => timers.sleep(ms) },
    });
    const process = new SimProcess({
      env: options.env ?? this.#options.env,
      args: options.args,
      pid: FIRST_PID + this.#nodes.size,
      table: this.#processes,
    });
    const clock = new NodeClock(this.scheduler.clock);
    const runtime: Runtime = {
      name: "sim",
      fs,
      net: this.net.forNode(name),
      http: this.http.forNode(name),
      clock,
      timers,
      random: this.#root.fork(`random:${name}`),
      process,
    };
    const node: SimNode = { name, fs, process, clock, runtime, crashes: 0 };
    this.#nodes.set(name, node);
    return node;
  }

  /** Drives virtual time until fn settles (see SimScheduler.run). */
  run<T>(fn: () => Promise<T>, bounds: RunBounds): Promise<T> {
    return this.scheduler.run(fn, bounds);
  }

  /**
   * Power cut on node: its timers never fire, its listeners and servers vanish, its connection
   * ends freeze while their peers are reset, and its disk keeps only what crash() leaves. The
   * node's Runtime then serves as the restarted process.
   */
  crash(name: string, options: { mode?: CrashMode } = {}): CrashReport {
    const node = this.node(name);
    node.crashes++;
    this.scheduler.cancelOwner(name);
    this.net.crashNode(name);
    this.http.crashNode(name);
    node.process.restart();
    const report = node.fs.crash(options);
    this.record(
      `crash ${name}: dir ops ${report.dirOpsKept}/${report.dirOpsPending}, ` +
        `file ops ${report.fileOpsKept}/${report.fileOpsPending}, torn ${report.tornWrites}`,
    );
    return report;
  }

  /** Delivers signal to node's handlers as the next event at the current virtual time. */
  signal(name: string, signal: SignalName): void {
    const node = this.node(name);
    this.record(`signal ${name} ${signal}`);
    this.scheduler.schedule(name, 0, () => void node.process.deliverSignal(signal));
  }

  /** Adds a line to the trace, stamped with virtual time. */
  record(event: string): void {
    this.trace.record(`${this.scheduler.clock.elapsedMs.toFixed(3)} ${event}`);
  }

  /** Seed and replay hint, appended to every failure the driver reports. */
  describe(): string {
    return `seed ${this.seed} (replay: new SimWorld({ seed: ${this.seed} }))`;
  }
}
