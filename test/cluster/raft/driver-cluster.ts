// A quorum of RaftDrivers on one SimWorld: each node has its own sim disk (with a sync latency, so
// a power cut lands on writes in flight), and an in-test bus carries transport bytes to the other
// node's receive() with seeded delay, loss and partitions. The state machine of each node is the
// list of committed entry keys; checks run as events happen (see SafetyLog).
import {
  type FileHandle,
  type FileSystem,
  type Random,
  type Runtime,
  RuntimeIoError,
  type Timers,
} from "../../../runtime/types.ts";
import type { SimWorld } from "../../../runtime/sim/world.ts";
import { RaftDriver } from "../../../src/cluster/raft/driver.ts";
import {
  decodeSnapshot,
  LOG_FILE,
  QUORUM_STATE_FILE,
  RAFT_DIR,
  scanLogFrames,
  SNAPSHOT_FILE,
} from "../../../src/cluster/raft/storage.ts";
import { decodeRaftMessage } from "../../../src/controller/raft/codec.ts";
import type { SimFileSystem } from "../../../runtime/sim/fs.ts";
import type { RaftConfig } from "../../../src/controller/raft/types.ts";
import { silentLogger } from "../../../src/logging/logger.ts";

export const DATA_DIR = "/data";
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function entryKey(term: number, data: Uint8Array | null): string {
  return `${term}:${data === null ? "noop" : fromUtf8.decode(data)}`;
}

/** A disk whose syncs take virtual time: a crash during one loses the write it was to make durable. */
class SlowFileSystem implements FileSystem {
  readonly #inner: FileSystem;
  readonly #timers: Timers;
  readonly #random: Random;
  readonly #syncMsMax: number;

  constructor(inner: FileSystem, timers: Timers, random: Random, syncMsMax: number) {
    this.#inner = inner;
    this.#timers = timers;
    this.#random = random;
    this.#syncMsMax = syncMsMax;
  }

  #dead = false;

  /**
   * The process this disk belonged to died (a crash): its promise chains that were not waiting
   * on a timer would go on touching the disk, which no dead process can. Every later call fails.
   */
  kill(): void {
    this.#dead = true;
  }

  #alive(): void {
    if (this.#dead) throw new RuntimeIoError("EIO", "the process that opened this disk crashed");
  }

  #delay(): Promise<void> {
    return this.#timers.sleep(this.#random.int(this.#syncMsMax + 1));
  }

  async open(path: string, options?: Parameters<FileSystem["open"]>[1]): Promise<FileHandle> {
    this.#alive();
    const handle = await this.#inner.open(path, options);
    return {
      path: handle.path,
      readAt: (buf, position) => handle.readAt(buf, position),
      writeAt: (data, position) => (this.#alive(), handle.writeAt(data, position)),
      append: (data) => (this.#alive(), handle.append(data)),
      truncate: (size) => (this.#alive(), handle.truncate(size)),
      size: () => handle.size(),
      sync: async () => {
        this.#alive();
        await this.#delay();
        this.#alive();
        await handle.sync();
      },
      close: () => handle.close(),
    };
  }
  readFile(path: string) {
    this.#alive();
    return this.#inner.readFile(path);
  }
  mkdirp(path: string) {
    this.#alive();
    return this.#inner.mkdirp(path);
  }
  list(path: string) {
    this.#alive();
    return this.#inner.list(path);
  }
  rename(from: string, to: string) {
    this.#alive();
    return this.#inner.rename(from, to);
  }
  remove(path: string, options?: { recursive?: boolean }) {
    this.#alive();
    return this.#inner.remove(path, options);
  }
  exists(path: string) {
    this.#alive();
    return this.#inner.exists(path);
  }
  async syncDir(path: string) {
    this.#alive();
    await this.#delay();
    await this.#inner.syncDir(path);
  }
  makeTempDir(prefix: string) {
    return this.#inner.makeTempDir(prefix);
  }
}

/** The bytes a power cut would leave in path (empty when it would not exist). */
function durable(disk: SimFileSystem, path: string): Uint8Array {
  try {
    return disk.durableSnapshot(path);
  } catch {
    return new Uint8Array(0);
  }
}

/** Election safety and the state machine matching property, across every node and restart. */
export class SafetyLog {
  readonly #leaderOfTerm = new Map<number, number>();
  /** The committed entry at each index, as first seen anywhere. */
  readonly #committedAt = new Map<number, string>();

  get leaderTerms(): number {
    return this.#leaderOfTerm.size;
  }

  leader(id: number, term: number): void {
    const known = this.#leaderOfTerm.get(term);
    if (known !== undefined && known !== id) {
      throw new Error(`term ${term} has two leaders: c${known} and c${id}`);
    }
    this.#leaderOfTerm.set(term, id);
  }

  committed(id: number, index: number, key: string): void {
    const known = this.#committedAt.get(index);
    if (known !== undefined && known !== key) {
      throw new Error(`c${id} committed ${key} at ${index}, where ${known} was committed`);
    }
    this.#committedAt.set(index, key);
  }

  keyAt(index: number): string | undefined {
    return this.#committedAt.get(index);
  }
}

export interface ClusterOptions {
  world: SimWorld;
  nodeCount: number;
  config: Omit<RaftConfig, "nodeId" | "voterIds">;
  snapshotEveryEntries: number;
  /** Bus delay per message, uniform in [1, this] ms. */
  delayMsMax: number;
  syncMsMax: number;
  trace: (line: string) => void;
}

interface Member {
  id: number;
  name: string;
  runtime: Runtime;
  /** This life's view of the disk; a new one per open, killed by a crash. */
  disk: SlowFileSystem;
  newDisk: () => SlowFileSystem;
  driver: RaftDriver | null;
  /** This life's state machine: keys of the applied entries, index 1 first. */
  applied: string[];
  /** Snapshots installed from a leader (not the one a restart loads). */
  installs: number;
  lives: number;
}

export class DriverCluster {
  readonly safety = new SafetyLog();
  readonly members: Member[] = [];
  /**
   * Checks that failed inside a driver's callbacks (which would only stop that driver): the test
   * fails on the first one.
   */
  readonly violations: Error[] = [];
  readonly #options: ClusterOptions;
  readonly #random: Random;
  readonly #cut = new Set<number>();
  lossPercent = 0;
  #waiters: Array<() => void> = [];

  constructor(options: ClusterOptions) {
    this.#options = options;
    this.#random = options.world.random.fork("bus");
    for (let id = 1; id <= options.nodeCount; id++) {
      const name = `c${id}`;
      const node = options.world.node(name);
      const random = options.world.random.fork(`disk:${name}`);
      const newDisk = () =>
        new SlowFileSystem(node.fs, node.runtime.timers, random, options.syncMsMax);
      const disk = newDisk();
      const runtime: Runtime = { ...node.runtime, fs: disk };
      this.members.push({
        id,
        name,
        runtime,
        disk,
        newDisk,
        driver: null,
        applied: [],
        installs: 0,
        lives: 0,
      });
    }
  }

  get snapshotsInstalled(): number {
    return this.members.reduce((sum, m) => sum + m.installs, 0);
  }

  member(id: number): Member {
    return this.members[id - 1];
  }

  /** Opens (or reopens after a crash) the driver of member id from its disk. */
  async open(id: number): Promise<void> {
    const member = this.member(id);
    const life = ++member.lives;
    member.disk = member.newDisk();
    member.runtime = { ...member.runtime, fs: member.disk };
    const { config, snapshotEveryEntries } = this.#options;
    const voterIds = this.members.map((m) => m.id);
    const driver = await RaftDriver.open(member.runtime, {
      dataDir: DATA_DIR,
      config: { ...config, nodeId: id, voterIds },
      logger: silentLogger,
      snapshotEveryEntries,
      transport: { send: (to, bytes) => this.#send(id, to, bytes) },
      takeSnapshot: (index) => utf8.encode(JSON.stringify(member.applied.slice(0, index))),
    });
    if (member.lives !== life) return; // crashed again while opening
    member.applied = [];
    let starting = true;
    driver.onSnapshot((index, term, data) =>
      this.#checked(() => {
        const keys = JSON.parse(fromUtf8.decode(data)) as string[];
        if (keys.length !== index) {
          throw new Error(`c${id}: snapshot at ${index} holds ${keys.length}`);
        }
        if (index > 0 && !keys[index - 1].startsWith(`${term}:`)) {
          throw new Error(`c${id}: snapshot at ${index} is not of term ${term}`);
        }
        keys.forEach((key, i) => this.safety.committed(id, i + 1, key));
        member.applied = keys;
        if (!starting) member.installs++;
        this.#options.trace(`c${id} snapshot ${index}@${term}${starting ? " (restart)" : ""}`);
      })
    );
    driver.onCommit((entries) =>
      this.#checked(() => {
        for (const entry of entries) {
          if (entry.index !== member.applied.length + 1) {
            throw new Error(`c${id}: commit of ${entry.index} after ${member.applied.length}`);
          }
          const key = entryKey(entry.term, entry.data);
          this.safety.committed(id, entry.index, key);
          member.applied.push(key);
        }
        this.#wake();
      })
    );
    driver.onLeaderChange((leaderId, term) => {
      if (leaderId === id) this.#checked(() => this.safety.leader(id, term));
      this.#options.trace(`c${id} sees leader ${leaderId} in term ${term}`);
      this.#wake();
    });
    member.driver = driver;
    driver.start();
    starting = false;
    this.#options.trace(`c${id} open (life ${life})`);
  }

  crash(id: number): void {
    const member = this.member(id);
    member.driver = null;
    member.lives++;
    member.disk.kill();
    this.#options.world.crash(member.name);
    this.#options.trace(`c${id} crash`);
  }

  isolate(id: number): void {
    this.#cut.add(id);
    this.#options.trace(`c${id} isolated`);
  }

  heal(): void {
    this.#cut.clear();
    this.lossPercent = 0;
    this.#options.trace("network healed");
  }

  leader(): RaftDriver | null {
    let best: RaftDriver | null = null;
    for (const m of this.members) {
      const status = m.driver?.status();
      if (status?.role === "leader" && (best === null || status.term > best.status().term)) {
        best = m.driver;
      }
    }
    return best;
  }

  #send(from: number, to: number, bytes: Uint8Array): void {
    this.#checked(() => this.#checkDurable(from, to, bytes));
    if (this.#cut.has(from) || this.#cut.has(to)) return;
    if (this.#random.int(100) < this.lossPercent) return;
    const delayMs = 1 + this.#random.int(this.#options.delayMsMax);
    this.#options.world.scheduler.schedule("bus", delayMs, () => {
      if (this.#cut.has(from) || this.#cut.has(to)) return;
      this.member(to).driver?.receive(from, bytes);
    });
  }

  /**
   * What a message promises is on the sender's disk already, as a power cut would leave it:
   * a granted vote (quorum-state names the candidate in that term) and an acknowledged match
   * (the durable log or snapshot reaches matchIndex).
   */
  #checkDurable(from: number, to: number, bytes: Uint8Array): void {
    const message = decodeRaftMessage(bytes);
    const disk = this.#options.world.node(this.member(from).name).fs;
    const dir = `${DATA_DIR}/${RAFT_DIR}`;
    if (message.type === "voteResponse" && message.granted) {
      const saved = durable(disk, `${dir}/${QUORUM_STATE_FILE}`);
      const state = saved.length === 0
        ? { term: 0, votedFor: null }
        : JSON.parse(fromUtf8.decode(saved));
      if (state.term !== message.term || state.votedFor !== to) {
        throw new Error(
          `c${from} granted c${to} its vote in term ${message.term} before saving it ` +
            `(durable: ${JSON.stringify(state)})`,
        );
      }
    }
    if (message.type === "appendResponse" && message.success && message.matchIndex > 0) {
      const snapshotBytes = durable(disk, `${dir}/${SNAPSHOT_FILE}`);
      const snapshotIndex = snapshotBytes.length === 0 ? 0 : decodeSnapshot(snapshotBytes).index;
      const frames = scanLogFrames(durable(disk, `${dir}/${LOG_FILE}`)).frames;
      const logEnd = frames.length === 0 ? 0 : frames[frames.length - 1].index;
      if (message.matchIndex > Math.max(snapshotIndex, logEnd)) {
        throw new Error(
          `c${from} acknowledged index ${message.matchIndex} with only ${logEnd} durable ` +
            `(snapshot ${snapshotIndex})`,
        );
      }
    }
  }

  #checked(check: () => void): void {
    try {
      check();
    } catch (err) {
      this.violations.push(err instanceof Error ? err : new Error(String(err)));
      this.#wake();
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolves once ready() holds (checked after each commit and leader change); throws at timeoutMs. */
  async until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const timers = this.#options.world.scheduler.timers("test");
    const abort = new AbortController();
    let timedOut = false;
    const deadline = timers.sleep(timeoutMs, abort.signal).then(
      () => (timedOut = true),
      () => {},
    );
    try {
      while (!ready()) {
        if (this.violations.length > 0) throw this.violations[0];
        if (timedOut) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await Promise.race([new Promise<void>((resolve) => this.#waiters.push(resolve)), deadline]);
      }
    } finally {
      abort.abort();
    }
  }
}
