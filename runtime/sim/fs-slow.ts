// A slow disk for SimFileSystem: each write (writeAt, append, truncate) and each sync (file sync,
// syncDir) completes a seeded delay of virtual time later, one after another as a disk queue
// does, so operations still complete in the order they were issued. The operation itself takes
// effect at once (the page cache has it); only its completion waits, so a crash during the delay
// keeps what an issued write would keep. Turning the fault off lets the queue drain in order.
import type { FileHandle, Random } from "../types.ts";

export interface SlowDisk {
  /** Per write, uniform in [min, max] ms. */
  writeMs: readonly [number, number];
  /** Per sync (fsync of a file or of a directory), uniform in [min, max] ms. */
  syncMs: readonly [number, number];
}

/** Virtual time as the disk's owner node sees it (its timers die with the node). */
export interface DiskClock {
  nowMs(): number;
  sleep(delayMs: number): Promise<void>;
}

export type DiskOp = "write" | "sync";

export class DiskQueue {
  readonly #clock: DiskClock | null;
  readonly #random: Random;
  #plan: SlowDisk | null = null;
  /** When the last queued operation completes. */
  #busyUntilMs = 0;
  /** Operations delayed so far (for tests and fault counts). */
  delayed = 0;
  /** While above 0, operations complete at once (see SimFileSystem.immediately). */
  bypass = 0;

  constructor(clock: DiskClock | null, random: Random) {
    this.#clock = clock;
    this.#random = random;
  }

  get plan(): SlowDisk | null {
    return this.#plan;
  }

  set(plan: SlowDisk | null): void {
    if (plan !== null && this.#clock === null) {
      throw new RangeError("a slow disk needs a clock (SimFileSystemOptions.clock)");
    }
    if (plan !== null) { for (const range of [plan.writeMs, plan.syncMs]) checkRange(range); }
    this.#plan = plan;
  }

  /** The process died: its waiting completions never come; the queue starts empty. */
  reset(): void {
    this.#busyUntilMs = 0;
  }

  /** op's outcome, once the queue reaches it; op itself when the disk is fast and idle. */
  after<T>(op: DiskOp, outcome: Promise<T>): Promise<T> {
    const clock = this.#clock;
    if (clock === null || this.bypass > 0) return outcome;
    const nowMs = clock.nowMs();
    if (this.#plan === null && this.#busyUntilMs <= nowMs) return outcome;
    let delayMs = 0;
    if (this.#plan !== null) {
      const [minMs, maxMs] = op === "sync" ? this.#plan.syncMs : this.#plan.writeMs;
      delayMs = minMs + this.#random.float() * (maxMs - minMs);
      this.delayed++;
    }
    const dueMs = Math.max(nowMs, this.#busyUntilMs) + delayMs;
    this.#busyUntilMs = dueMs;
    const wait = () => clock.sleep(dueMs - nowMs);
    return outcome.then(
      (value) => wait().then(() => value),
      (err) => wait().then(() => Promise.reject(err)),
    );
  }
}

/** A FileHandle whose writes and syncs go through the disk queue. */
export class QueuedFileHandle implements FileHandle {
  readonly #inner: FileHandle;
  readonly #queue: DiskQueue;

  constructor(inner: FileHandle, queue: DiskQueue) {
    this.#inner = inner;
    this.#queue = queue;
  }

  get path(): string {
    return this.#inner.path;
  }

  readAt(buf: Uint8Array, position: number): Promise<number> {
    return this.#inner.readAt(buf, position);
  }

  writeAt(data: Uint8Array, position: number): Promise<void> {
    return this.#queue.after("write", this.#inner.writeAt(data, position));
  }

  append(data: Uint8Array): Promise<number> {
    return this.#queue.after("write", this.#inner.append(data));
  }

  truncate(size: number): Promise<void> {
    return this.#queue.after("write", this.#inner.truncate(size));
  }

  size(): Promise<number> {
    return this.#inner.size();
  }

  sync(): Promise<void> {
    return this.#queue.after("sync", this.#inner.sync());
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

function checkRange([minMs, maxMs]: readonly [number, number]): void {
  if (!(minMs >= 0 && maxMs >= minMs && Number.isFinite(maxMs))) {
    throw new RangeError(`delay range must satisfy 0 <= min <= max, got [${minMs}, ${maxMs}]`);
  }
}
