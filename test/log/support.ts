// Shared helpers for the partition log tests: batches, a hand-driven clock, and file system
// wrappers that count fsyncs or fence a crashed process off the disk.

import type {
  Clock,
  DirEntry,
  FileHandle,
  FileSystem,
  OpenOptions,
  TimerHandle,
  Timers,
} from "../../runtime/types.ts";
import { RuntimeIoError } from "../../runtime/types.ts";
import { SimFileSystem } from "../../runtime/sim/fs.ts";
import { SeededRandom } from "../../runtime/sim/prng.ts";
import type { LogRuntime } from "../../src/log/partition-log.ts";
import { encodeBatch } from "../../src/log/record-batch.ts";
import { concatBytes } from "../support/bytes.ts";

export const T0 = 1_700_000_000_000;

/** A batch of `records` records with values of valueBytes, timestamps t, t+1, ... */
export function makeBatch(
  records: number,
  options: { valueBytes?: number; timestamp?: number; tag?: number } = {},
): Uint8Array {
  const valueBytes = options.valueBytes ?? 10;
  const timestamp = options.timestamp ?? T0;
  const tag = options.tag ?? 0;
  const list = [];
  for (let i = 0; i < records; i++) {
    const value = new Uint8Array(valueBytes).fill((tag + i) & 0xff);
    list.push({ key: new TextEncoder().encode(`k${tag}-${i}`), value, timestamp: timestamp + i });
  }
  return encodeBatch({ records: list });
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** Time that moves only when the test says so; due timers fire inside advance(). */
export class ManualTime implements Clock, Timers {
  #nowMs: number;
  #timers: { dueMs: number; fn: () => void; cancelled: boolean }[] = [];

  constructor(startMs = T0) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  monotonicMs(): number {
    return this.#nowMs - T0;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const timer = { dueMs: this.#nowMs + delayMs, fn, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  sleep(): Promise<void> {
    throw new Error("ManualTime.sleep is not supported; use advance()");
  }

  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  advance(ms: number): void {
    this.#nowMs += ms;
    const due = this.#timers.filter((t) => !t.cancelled && t.dueMs <= this.#nowMs);
    this.#timers = this.#timers.filter((t) => !due.includes(t));
    for (const timer of due) timer.fn();
  }
}

export interface MemoryLogRuntime extends LogRuntime {
  fs: FileSystem;
  disk: SimFileSystem;
  time: ManualTime;
}

export function memoryRuntime(seed = 1): MemoryLogRuntime {
  const disk = new SimFileSystem({ random: new SeededRandom(seed) });
  const time = new ManualTime();
  return { fs: disk, disk, time, clock: time, timers: time };
}

/** Counts fsyncs (file and directory) through it; optionally delays each one. */
export class CountingFileSystem implements FileSystem {
  fileSyncs = 0;
  dirSyncs = 0;
  readonly #inner: FileSystem;
  readonly #delay: () => Promise<void>;

  constructor(inner: FileSystem, delay: () => Promise<void> = () => Promise.resolve()) {
    this.#inner = inner;
    this.#delay = delay;
  }

  get syncs(): number {
    return this.fileSyncs + this.dirSyncs;
  }

  async open(path: string, options?: OpenOptions): Promise<FileHandle> {
    const handle = await this.#inner.open(path, options);
    const sync = async (): Promise<void> => {
      this.fileSyncs++;
      await this.#delay();
      await handle.sync();
    };
    return {
      path: handle.path,
      readAt: (buf, position) => handle.readAt(buf, position),
      writeAt: (data, position) => handle.writeAt(data, position),
      append: (data) => handle.append(data),
      truncate: (size) => handle.truncate(size),
      size: () => handle.size(),
      sync,
      close: () => handle.close(),
    };
  }

  readFile(path: string): Promise<Uint8Array> {
    return this.#inner.readFile(path);
  }
  mkdirp(path: string): Promise<void> {
    return this.#inner.mkdirp(path);
  }
  list(path: string): Promise<DirEntry[]> {
    return this.#inner.list(path);
  }
  rename(from: string, to: string): Promise<void> {
    return this.#inner.rename(from, to);
  }
  remove(path: string, options?: { recursive?: boolean }): Promise<void> {
    return this.#inner.remove(path, options);
  }
  exists(path: string): Promise<boolean> {
    return this.#inner.exists(path);
  }
  async syncDir(path: string): Promise<void> {
    this.dirSyncs++;
    await this.#delay();
    await this.#inner.syncDir(path);
  }
  makeTempDir(prefix: string): Promise<string> {
    return this.#inner.makeTempDir(prefix);
  }
}

/**
 * One process's view of a disk. After kill() every call fails with ECLOSED, as a crashed
 * process can no longer touch the disk: without it, the async continuations of a log that
 * "died" in a simulated power cut could still create or remove files under the restarted one.
 */
export class ProcessFileSystem implements FileSystem {
  readonly #inner: FileSystem;
  #dead = false;

  constructor(inner: FileSystem) {
    this.#inner = inner;
  }

  kill(): void {
    this.#dead = true;
  }

  #check(op: string): void {
    if (this.#dead) {
      throw new RuntimeIoError("ECLOSED", `${op}: the process that opened this disk crashed`);
    }
  }

  async open(path: string, options?: OpenOptions): Promise<FileHandle> {
    this.#check("open");
    const handle = await this.#inner.open(path, options);
    this.#check("open");
    return handle;
  }
  async readFile(path: string): Promise<Uint8Array> {
    this.#check("readFile");
    return await this.#inner.readFile(path);
  }
  async mkdirp(path: string): Promise<void> {
    this.#check("mkdirp");
    await this.#inner.mkdirp(path);
  }
  async list(path: string): Promise<DirEntry[]> {
    this.#check("list");
    return await this.#inner.list(path);
  }
  async rename(from: string, to: string): Promise<void> {
    this.#check("rename");
    await this.#inner.rename(from, to);
  }
  async remove(path: string, options?: { recursive?: boolean }): Promise<void> {
    this.#check("remove");
    await this.#inner.remove(path, options);
  }
  async exists(path: string): Promise<boolean> {
    this.#check("exists");
    return await this.#inner.exists(path);
  }
  async syncDir(path: string): Promise<void> {
    this.#check("syncDir");
    await this.#inner.syncDir(path);
  }
  async makeTempDir(prefix: string): Promise<string> {
    this.#check("makeTempDir");
    return await this.#inner.makeTempDir(prefix);
  }
}
