// The faults of the cluster simulation, drawn from the world's seed: crashes with restarts (kill
// -9, or a power cut of a node that is not a partition's last in-sync replica),
// symmetric partitions (a pair, an isolated node, a bridge: two sides that both reach one node
// but not each other), one-way cuts (one direction of a pair, or everything a node sends, or
// everything it receives: bytes stall and handshakes hang, nothing is reset), message loss (a
// lost chunk resets its connection), latency spikes, a failing fsync and a slow disk (at times
// longer than replica.lag.time.max.ms, so that the node's follower replicas can leave the ISR).
// Each fault is undone after a while; heal() undoes what is left.
import type { SeededRandom } from "../../../runtime/sim/prng.ts";
import type { SimFileSystem } from "../../../runtime/sim/fs.ts";
import { type Runtime, RuntimeIoError } from "../../../runtime/types.ts";
import { nodeName, type SimCluster } from "./sim-cluster.ts";

export interface FaultStats {
  crashes: number;
  /** Of the crashes, those that lost unsynced writes (the others are kill -9). */
  powerCuts: number;
  partitions: number;
  bridges: number;
  isolations: number;
  loss: number;
  latency: number;
  fsyncFailures: number;
  /** One-way cuts: of one direction of a pair, or of a node's outbound or inbound traffic. */
  oneWayCuts: number;
  slowDisks: number;
}

export function noFaults(): FaultStats {
  return {
    crashes: 0,
    powerCuts: 0,
    partitions: 0,
    bridges: 0,
    isolations: 0,
    loss: 0,
    latency: 0,
    fsyncFailures: 0,
    oneWayCuts: 0,
    slowDisks: 0,
  };
}

const FAULT_GAP_MS: readonly [number, number] = [200, 1_500];
const FAULT_LENGTH_MS: readonly [number, number] = [300, 4_000];
/** The nth next sync of a node fails: soon, so that it happens within the fault window. */
const SYNCS_BEFORE_FAILURE_MAX = 40;
/** A slow disk lasts longer than other faults: past replica.lag.time.max.ms (2 to 10 s) at times. */
const SLOW_DISK_MS: readonly [number, number] = [1_000, 12_000];
const FAULT_KINDS = 8;

export class FaultPlan {
  readonly stats = noFaults();
  readonly #cluster: SimCluster;
  readonly #random: SeededRandom;
  readonly #rt: Runtime;
  readonly #record: (line: string) => void;
  /** Undo actions of faults in force, run when their time is up or at heal(). */
  readonly #pending = new Set<() => void>();

  constructor(cluster: SimCluster, rt: Runtime, record: (line: string) => void) {
    this.#cluster = cluster;
    this.#random = cluster.world.random;
    this.#rt = rt;
    this.#record = record;
  }

  /** Plays faults until stopped() (checked between faults). */
  async run(stopped: () => boolean): Promise<void> {
    for (let n = 0; n < 1_000 && !stopped(); n++) {
      await this.#rt.timers.sleep(this.#between(FAULT_GAP_MS));
      if (stopped()) return;
      this.#one();
    }
  }

  /** Undoes every fault in force and restarts every node that is down. */
  heal(): void {
    for (const undo of [...this.#pending]) undo();
    this.#pending.clear();
    const { world } = this.#cluster;
    world.net.healAll();
    world.net.setLoss(0);
    world.net.setLatency(1, 5);
    for (const id of this.#cluster.ids) {
      failSyncIn(world.node(nodeName(id)).fs, 0);
      world.node(nodeName(id)).fs.setSlowDisk(null);
      this.#cluster.restart(id);
    }
  }

  #one(): void {
    const ids = this.#cluster.ids;
    const pick = () => ids[this.#random.int(ids.length)];
    const kind = this.#random.int(FAULT_KINDS);
    const minority = Math.floor((ids.length - 1) / 2);
    if (kind === 0 && this.#cluster.downCount() < minority) {
      const id = pick();
      if (this.#cluster.isDown(id)) return;
      // A power cut of a partition's last in-sync replica loses records its high watermark
      // covers: outside Kafka's guarantee (one ISR member survives), so that one is killed.
      const powerCut = this.#random.int(2) === 0 && !this.#cluster.lastInSync(id);
      this.stats.crashes++;
      if (powerCut) this.stats.powerCuts++;
      failSyncIn(this.#cluster.world.node(nodeName(id)).fs, 0);
      this.#record(`fault: ${powerCut ? "power cut" : "kill -9"} n${id}`);
      void this.#cluster.crash(id, powerCut ? "power-cut" : "kill").then(() =>
        this.#later(() => this.#cluster.restart(id))
      );
    } else if (kind === 1) {
      const a = pick();
      const b = pick();
      if (a === b) return;
      this.stats.partitions++;
      this.#record(`fault: partition n${a} n${b}`);
      this.#cut([[a, b]]);
    } else if (kind === 2) {
      const id = pick();
      this.stats.isolations++;
      this.#record(`fault: isolate n${id}`);
      this.#cut(ids.filter((o) => o !== id).map((o) => [id, o]));
    } else if (kind === 3) {
      // A bridge: the others split in two sides that both reach one node.
      const bridge = pick();
      const others = ids.filter((o) => o !== bridge);
      const left = others.filter((_, i) => i % 2 === 0);
      const right = others.filter((_, i) => i % 2 === 1);
      this.stats.bridges++;
      this.#record(`fault: bridge n${bridge} between ${left} and ${right}`);
      this.#cut(left.flatMap((l) => right.map((r) => [l, r] as [number, number])));
    } else if (kind === 4) {
      const odds = 0.002 + this.#random.float() * 0.02;
      const { net } = this.#cluster.world;
      if (this.#random.int(2) === 0) {
        this.stats.loss++;
        this.#record(`fault: loss ${odds.toFixed(4)}`);
        net.setLoss(odds);
        this.#later(() => net.setLoss(0));
      } else {
        const maxMs = 20 + this.#random.int(300);
        this.stats.latency++;
        this.#record(`fault: latency 1-${maxMs} ms`);
        net.setLatency(1, maxMs);
        this.#later(() => net.setLatency(1, 5));
      }
    } else if (kind === 5 && this.#cluster.downCount() < minority) {
      // A failed fsync leaves the node's storage in doubt: as for Kafka's failed log dir, an
      // operator restarts it, which is what undoing this fault does.
      const id = pick();
      if (this.#cluster.isDown(id)) return;
      const syncs = 1 + this.#random.int(SYNCS_BEFORE_FAILURE_MAX);
      failSyncIn(this.#cluster.world.node(nodeName(id)).fs, syncs);
      this.stats.fsyncFailures++;
      this.#record(`fault: the ${syncs}th next fsync fails on n${id}`);
      this.#later(() => {
        failSyncIn(this.#cluster.world.node(nodeName(id)).fs, 0);
        if (this.#cluster.isDown(id)) return;
        void this.#cluster.crash(id, "kill").then(() => this.#cluster.restart(id));
      });
    } else if (kind === 6) {
      this.#oneWay(pick());
    } else if (kind === 7) {
      const id = pick();
      const fs = this.#cluster.world.node(nodeName(id)).fs;
      if (fs.slowDisk !== null) return;
      const plan = {
        writeMs: [0, 1 + this.#random.int(10)],
        syncMs: [20, 50 + this.#random.int(451)],
      } as const;
      this.stats.slowDisks++;
      const lengthMs = this.#between(SLOW_DISK_MS);
      this.#record(
        `fault: slow disk on n${id} for ${lengthMs} ms (sync ${plan.syncMs.join("-")} ms)`,
      );
      fs.setSlowDisk(plan);
      this.#later(() => fs.setSlowDisk(null), lengthMs);
    }
  }

  /** One direction of a pair, or all a node sends, or all it receives, is cut. */
  #oneWay(id: number): void {
    const others = this.#cluster.ids.filter((o) => o !== id);
    const how = this.#random.int(3);
    let cuts: Array<[number, number]>;
    if (how === 0) {
      const to = others[this.#random.int(others.length)];
      cuts = [[id, to]];
      this.#record(`fault: cut one way n${id} -> n${to}`);
    } else if (how === 1) {
      cuts = others.map((o) => [id, o]);
      this.#record(`fault: cut n${id}'s outbound`);
    } else {
      cuts = others.map((o) => [o, id]);
      this.#record(`fault: cut n${id}'s inbound`);
    }
    this.stats.oneWayCuts++;
    const { net } = this.#cluster.world;
    for (const [from, to] of cuts) net.cutOneWay(nodeName(from), nodeName(to));
    this.#later(() => {
      for (const [from, to] of cuts) net.healOneWay(nodeName(from), nodeName(to));
    });
  }

  #cut(pairs: ReadonlyArray<readonly [number, number]>): void {
    const { net } = this.#cluster.world;
    for (const [a, b] of pairs) net.partition(nodeName(a), nodeName(b));
    this.#later(() => {
      for (const [a, b] of pairs) net.heal(nodeName(a), nodeName(b));
    });
  }

  /** Runs undo after the fault's length, or at heal(), whichever comes first. */
  #later(undo: () => void, lengthMs = this.#between(FAULT_LENGTH_MS)): void {
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      this.#pending.delete(once);
      undo();
    };
    this.#pending.add(once);
    void this.#rt.timers.sleep(lengthMs).then(once);
  }

  #between([min, max]: readonly [number, number]): number {
    return min + this.#random.int(max - min + 1);
  }
}

/** SimFileSystem's sync hook, which its fault plan uses (its sync counter is private). */
interface SyncHook {
  checkSync(path: string): void;
  failSyncIn?: number;
}

/**
 * Makes the syncsth next sync of fs fail with EIO (0: none). The fault plan's failSyncNumber
 * counts from the disk's creation, a count it does not expose, so the hook is wrapped instead.
 */
export function failSyncIn(fs: SimFileSystem, syncs: number): void {
  const hook = fs as unknown as SyncHook;
  if (hook.failSyncIn === undefined) {
    const inner = hook.checkSync.bind(fs);
    hook.checkSync = (path) => {
      inner(path);
      if (hook.failSyncIn === undefined || hook.failSyncIn <= 0) return;
      if (--hook.failSyncIn === 0) {
        throw new RuntimeIoError("EIO", `injected EIO on sync of ${path}`);
      }
    };
  }
  hook.failSyncIn = syncs;
}
