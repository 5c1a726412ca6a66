// N real cluster nodes (broker + controller each) in one SimWorld, with the node lifecycle the
// cluster simulation drives: start, power cut (world.crash) and restart on the same disk.
//
// A crashed node's objects are dropped at once: its timers never fire again, so nothing the old
// incarnation started can finish; the restarted process is a new startClusterNode on the node's
// Runtime. A start that fails (it waited too long to be unfenced, say) is retried, bounded.
import type { SimWorld } from "../../../runtime/sim/world.ts";
import type { FileSystem } from "../../../runtime/types.ts";
import { createLogger, type Logger } from "../../../src/logging/logger.ts";
import type { ClusterServeOptions } from "../../../src/server/cluster-options.ts";
import {
  type RunningClusterNode,
  startClusterNode,
} from "../../../src/server/start-cluster-node.ts";

const CONTROLLER_PORT = 9193;
const BROKER_PORT = 9093;
const START_ATTEMPTS_MAX = 20;
const RESTART_BACKOFF_MS = 1_000;
const OFFSETS_PARTITIONS = 3;

export interface SimClusterOptions {
  nodeCount: number;
  minInsyncReplicas: number;
  replicaLagTimeMaxMs: number;
  /** Log lines (info and up) of every node go here, for the failure report. */
  log: (line: string) => void;
}

export function nodeName(id: number): string {
  return `n${id}`;
}

export class SimCluster {
  readonly world: SimWorld;
  readonly ids: number[];
  readonly bootstrap: string;
  readonly #options: SimClusterOptions;
  /** The running incarnation of each node, null while it is down or starting. */
  readonly #running = new Map<number, RunningClusterNode | null>();
  /** Bumped by every crash: a start of an older incarnation is discarded. */
  readonly #incarnation = new Map<number, number>();
  readonly #starting = new Set<number>();
  /** Being killed: the page cache is being made durable; no restart until it is done. */
  readonly #crashing = new Set<number>();
  /** Told of every node that came up (a new incarnation), before anything else sees it. */
  onUp: (id: number, node: RunningClusterNode) => void = () => {};
  crashes = 0;
  startFailures = 0;
  /** Set when a node could not be restarted at all. */
  startError: unknown = null;
  /** Duplicate batches counted by incarnations that are gone. */
  #duplicatesGone = 0;

  constructor(world: SimWorld, options: SimClusterOptions) {
    this.world = world;
    this.#options = options;
    this.ids = Array.from({ length: options.nodeCount }, (_, i) => i + 1);
    this.bootstrap = this.ids.map((id) => `${nodeName(id)}:${BROKER_PORT}`).join(",");
    for (const id of this.ids) {
      this.#running.set(id, null);
      this.#incarnation.set(id, 0);
    }
  }

  /** Starts every node and resolves once all are up. */
  async startAll(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.#start(id)));
  }

  running(id: number): RunningClusterNode | null {
    return this.#running.get(id) ?? null;
  }

  /** The nodes up now, by id. */
  up(): Array<[number, RunningClusterNode]> {
    const out: Array<[number, RunningClusterNode]> = [];
    for (const id of this.ids) {
      const node = this.#running.get(id);
      if (node) out.push([id, node]);
    }
    return out;
  }

  /** Down: crashed and not yet restarted (starting counts as down). */
  isDown(id: number): boolean {
    return this.#running.get(id) === null;
  }

  downCount(): number {
    return this.ids.filter((id) => this.isDown(id)).length;
  }

  /**
   * "power-cut": unsynced writes are lost, the tail may be torn. "kill": the process dies and
   * the page cache survives (every file and directory is made durable first).
   */
  async crash(id: number, how: "power-cut" | "kill"): Promise<void> {
    this.crashes++;
    const gone = this.#running.get(id);
    if (gone) this.#duplicatesGone += duplicateBatchesOf(gone);
    this.#incarnation.set(id, (this.#incarnation.get(id) ?? 0) + 1);
    this.#running.set(id, null);
    this.#starting.delete(id);
    if (how === "kill") {
      const node = this.world.node(nodeName(id));
      this.world.scheduler.cancelOwner(nodeName(id));
      node.fs.processDied();
      this.#crashing.add(id);
      // The page cache is made durable at once: a slow disk does not slow this modelling step.
      try {
        await node.fs.immediately(() => syncTree(node.fs, "/"));
      } finally {
        this.#crashing.delete(id);
      }
    }
    this.world.crash(nodeName(id));
  }

  /**
   * Idempotent batches the brokers recognised as retries (tributary_produce_duplicate_batches_total),
   * summed over every incarnation so far: the duplicates resets and timeouts made.
   */
  duplicateBatches(): number {
    let total = this.#duplicatesGone;
    for (const [, node] of this.up()) total += duplicateBatchesOf(node);
    return total;
  }

  /** True when node id is the only in-sync replica of some partition, as far as known. */
  lastInSync(id: number): boolean {
    for (const [, node] of this.up()) {
      for (const topic of node.membership.committed.image.topics()) {
        for (const p of topic.partitions) if (p.isr.length === 1 && p.isr[0] === id) return true;
      }
      return false;
    }
    return true;
  }

  /** Starts the node again in the background; see whenAllUp(). */
  restart(id: number): void {
    if (!this.isDown(id) || this.#starting.has(id) || this.#crashing.has(id)) return;
    void this.#start(id).catch((err) => void (this.startError ??= err));
  }

  /** Resolves once every node is up, or rejects after timeoutMs of virtual time. */
  async whenAllUp(timeoutMs: number): Promise<void> {
    const rt = this.world.runtime("sim-driver");
    const deadline = rt.clock.monotonicMs() + timeoutMs;
    while (this.downCount() > 0) {
      if (this.startError !== null) throw this.startError;
      if (rt.clock.monotonicMs() > deadline) {
        const down = this.ids.filter((id) => this.isDown(id));
        throw new Error(`nodes ${down.join(",")} not up after ${timeoutMs} ms`);
      }
      for (const id of this.ids) if (this.isDown(id)) this.restart(id);
      await rt.timers.sleep(100);
    }
  }

  async #start(id: number): Promise<void> {
    this.#starting.add(id);
    const incarnation = this.#incarnation.get(id);
    const rt = this.world.runtime(nodeName(id));
    for (let attempt = 1; attempt <= START_ATTEMPTS_MAX; attempt++) {
      try {
        const node = await startClusterNode(rt, {
          dataDir: "/data",
          host: nodeName(id),
          port: BROKER_PORT,
          httpPort: null,
          // Few __consumer_offsets partitions: the group's coordinator still moves with its
          // partition's leadership, and the replication work stays small.
          offsetsTopicPartitions: OFFSETS_PARTITIONS,
          cluster: this.#clusterOptions(id),
          logger: this.#logger(id),
        });
        if (this.#incarnation.get(id) !== incarnation) return;
        this.#starting.delete(id);
        this.onUp(id, node);
        this.#running.set(id, node);
        return;
      } catch (err) {
        if (this.#incarnation.get(id) !== incarnation) return;
        this.startFailures++;
        this.#options.log(`start n${id} failed (attempt ${attempt}): ${messageOf(err)}`);
        await rt.timers.sleep(RESTART_BACKOFF_MS);
      }
    }
    this.#starting.delete(id);
    throw new Error(`node ${id} did not start in ${START_ATTEMPTS_MAX} attempts`);
  }

  #logger(id: number): Logger {
    const rt = this.world.runtime(nodeName(id));
    return createLogger({
      write: (line) => this.#options.log(line),
      level: "info",
      format: "text",
      nowMs: () => rt.clock.nowMs(),
    });
  }

  #clusterOptions(nodeId: number): ClusterServeOptions {
    return {
      nodeId,
      processRoles: ["broker", "controller"],
      voters: this.ids.map((id) => ({ id, host: nodeName(id), port: CONTROLLER_PORT })),
      controllerPort: CONTROLLER_PORT,
      rack: null,
      advertisedHost: nodeName(nodeId),
      brokerSessionTimeoutMs: 1500,
      brokerHeartbeatIntervalMs: 250,
      replicaLagTimeMaxMs: this.#options.replicaLagTimeMaxMs,
      minInsyncReplicas: this.#options.minInsyncReplicas,
      defaultReplicationFactor: 1,
      offsetsTopicReplicationFactor: Math.min(3, this.ids.length),
      uncleanLeaderElectionEnable: false,
      autoLeaderRebalanceEnable: true,
      controlledShutdownEnable: true,
    };
  }
}

/** fsync of every file and directory under dir: what a kill -9 leaves in the page cache. */
async function syncTree(fs: FileSystem, dir: string): Promise<void> {
  for (const entry of await fs.list(dir)) {
    const path = dir === "/" ? `/${entry.name}` : `${dir}/${entry.name}`;
    if (entry.isDirectory) await syncTree(fs, path);
    else if (entry.isFile) {
      const file = await fs.open(path);
      try {
        await file.sync();
      } finally {
        await file.close();
      }
    }
  }
  await fs.syncDir(dir);
}

function duplicateBatchesOf(node: RunningClusterNode): number {
  let total = 0;
  for (const m of node.metrics.render().matchAll(DUPLICATES_LINE)) total += Number(m[1]);
  return total;
}

const DUPLICATES_LINE = /^tributary_produce_duplicate_batches_total\{[^}]*\} (\d+)$/gm;

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
