// The simulated disk: runtime/memory's MemoryFileSystem with power cuts and injected faults on top,
// every outcome drawn from one seeded Random so that a seed replays the same disk.
//
// crash() plays a power cut (see fs-crash.ts for what survives); the fault plan makes a chosen
// sync fail with EIO or caps the space so that writes fail with ENOSPC, short or whole;
// setSlowDisk() delays the completion of writes and syncs in virtual time (fs-slow.ts).

import { MemoryFileSystem, type MemoryFileSystemOptions } from "../memory/memory-fs.ts";
import type { FileNode } from "../memory/fs-nodes.ts";
import { type FileHandle, type OpenOptions, type Random, RuntimeIoError } from "../types.ts";
import { type CrashMode, type CrashReport, crashTree } from "./fs-crash.ts";
import { type DiskClock, DiskQueue, QueuedFileHandle, type SlowDisk } from "./fs-slow.ts";
import { SeededRandom } from "./prng.ts";

export interface MemoryFsFaults {
  /** The nth sync (1-based, file syncs and syncDir counted together) fails with EIO. */
  failSyncNumber?: number;
  /**
   * Writes that would grow the total bytes of all files past this fail with ENOSPC. Raising it
   * (or setting it undefined) frees the space again.
   */
  capacityBytes?: number;
  /**
   * With capacityBytes: a write that does not fit stores the bytes that do before failing with
   * ENOSPC, as a short write on a real disk does (default false: nothing is written).
   */
  partialWrites?: boolean;
}

export interface SimFileSystemOptions extends Omit<MemoryFileSystemOptions, "random"> {
  /** Decides crash outcomes and temp dir names; default: a fixed seed. */
  random?: Random;
  faults?: MemoryFsFaults;
  /** Virtual time of the disk's node; without it setSlowDisk() is refused. */
  clock?: DiskClock;
}

const SEED_DEFAULT = 0x5eed;

export class SimFileSystem extends MemoryFileSystem {
  /** Fault plan; may be changed at any time. */
  faults: MemoryFsFaults;
  readonly #random: Random;
  #syncCount = 0;
  readonly #queue: DiskQueue;

  constructor(options: SimFileSystemOptions = {}) {
    const { faults, clock, random = new SeededRandom(SEED_DEFAULT), ...bounds } = options;
    super({ ...bounds, random });
    this.#random = random;
    this.faults = { ...faults };
    this.#queue = new DiskQueue(clock ?? null, random);
  }

  /** Makes writes and syncs slow (null: fast again; what is queued still completes in order). */
  setSlowDisk(plan: SlowDisk | null): void {
    this.#queue.set(plan);
  }

  get slowDisk(): SlowDisk | null {
    return this.#queue.plan;
  }

  /** Writes and syncs delayed by a slow disk so far. */
  get slowOps(): number {
    return this.#queue.delayed;
  }

  /** The process using the disk died (kill -9): completions it waited for never come. */
  processDied(): void {
    this.#queue.reset();
  }

  /**
   * Runs fn with every write and sync completing at once, slow disk or not: for a harness step
   * that models something instantaneous (a kill -9's page cache staying), not for the process.
   */
  async immediately<T>(fn: () => Promise<T>): Promise<T> {
    this.#queue.bypass++;
    try {
      return await fn();
    } finally {
      this.#queue.bypass--;
    }
  }

  override async open(path: string, options: OpenOptions = {}): Promise<FileHandle> {
    return new QueuedFileHandle(await super.open(path, options), this.#queue);
  }

  override syncDir(path: string): Promise<void> {
    return this.#queue.after("sync", super.syncDir(path));
  }

  /** Power cut: unsynced state survives only partly (see fs-crash.ts); open handles die. */
  crash(options: { mode?: CrashMode } = {}): CrashReport {
    const mode = options.mode ?? "random-prefix";
    this.#queue.reset();
    let report: CrashReport | undefined;
    this.restartWith((root, dirs) => {
      const result = crashTree(root, dirs, this.#random, mode);
      report = result.report;
      return result.dirs;
    });
    return report as CrashReport;
  }

  protected override checkGrowth(node: FileNode, newLength: number): void {
    const capacity = this.faults.capacityBytes;
    if (capacity === undefined || newLength <= node.content.length) return;
    if (this.usedBytes() + newLength - node.content.length > capacity) {
      throw new RuntimeIoError("ENOSPC", `no space left: capacity ${capacity} bytes`);
    }
  }

  /** How many of length bytes written at position fit (all of them unless partial writes are on). */
  protected override bytesThatFit(node: FileNode, position: number, length: number): number {
    const capacity = this.faults.capacityBytes;
    if (capacity === undefined || this.faults.partialWrites !== true) return length;
    const lengthMax = node.content.length + Math.max(0, capacity - this.usedBytes());
    return Math.max(0, Math.min(length, lengthMax - position));
  }

  protected override checkSync(path: string): void {
    this.#syncCount++;
    if (this.#syncCount === this.faults.failSyncNumber) {
      throw new RuntimeIoError("EIO", `injected EIO on sync #${this.#syncCount} (${path})`);
    }
  }
}
