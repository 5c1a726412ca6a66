// The broker-wide budget of open file descriptors (log.open.files.max).
//
// Every descriptor the data directory takes goes through one OpenFileBudget: the segment and
// index files of every partition (LazyFile, lazy-file.ts) and the short-lived ones (checkpoints,
// directory fsyncs, listings; cached-fs.ts). A file whose handle is idle (no operation in
// flight) sits in a least-recently-used list and may be closed to make room; its next operation
// reopens it. A handle is never closed while an operation on it is in flight (it is pinned),
// and a handle with unsynced writes is fsynced before it is closed (lazy-file.ts), so eviction
// changes neither what readers see nor what a crash can lose.
//
// Slots: `#taken` counts descriptors open, being opened or being closed; it never exceeds
// openFilesMax. A request beyond it waits (FIFO) and makes the budget evict idle handles, clean
// ones first (closing them costs nothing), then dirty ones (an fsync each). A freed slot goes
// to the first waiter. Waiters wait only for operations in flight, which hold no slot request
// themselves, so the wait always ends.

import { assert, TributaryError } from "../model/errors.ts";
import { IoErrorCode, isIoError } from "../../runtime/types.ts";

/** What the budget can close: an open file with no operation in flight. */
export interface Evictable {
  /** Closes the host handle (fsyncing unsynced writes first); never rejects. */
  evict(): Promise<void>;
}

export interface FileBudgetStats {
  openFilesMax: number;
  /** Descriptors open (or being opened or closed) now. */
  open: number;
  /** Most descriptors open at once since the budget was made. */
  openPeak: number;
  /** Handles closed to make room. */
  evictions: number;
  /** Of those, handles that had to be fsynced first. */
  dirtyEvictions: number;
  /** Requests waiting for a slot now. */
  waiting: number;
}

/** Attempts of one open after the host said EMFILE, each after closing one idle handle. */
const HOST_EMFILE_RETRIES_MAX = 16;
/** Backstop on queued slot requests; callers bound their concurrency well below it. */
const WAITERS_MAX = 1_000_000;

export class OpenFileBudget {
  readonly openFilesMax: number;
  #taken = 0;
  #peak = 0;
  /** Idle open handles in least-recently-used order (Map keeps insertion order). */
  readonly #idleClean = new Map<Evictable, true>();
  readonly #idleDirty = new Map<Evictable, true>();
  readonly #waiters: (() => void)[] = [];
  #waitersHead = 0;
  /** Evictions under way; each frees one slot for a waiter. */
  #evicting = 0;
  #evictions = 0;
  #dirtyEvictions = 0;

  constructor(openFilesMax: number) {
    if (!Number.isSafeInteger(openFilesMax) || openFilesMax < 1) {
      throw new TributaryError(
        "INVALID_CONFIG",
        `log.open.files.max must be a positive integer, got ${openFilesMax}`,
      );
    }
    this.openFilesMax = openFilesMax;
  }

  get stats(): FileBudgetStats {
    return {
      openFilesMax: this.openFilesMax,
      open: this.#taken,
      openPeak: this.#peak,
      evictions: this.#evictions,
      dirtyEvictions: this.#dirtyEvictions,
      waiting: this.#waiting,
    };
  }

  get #waiting(): number {
    return this.#waiters.length - this.#waitersHead;
  }

  /** Takes one slot, waiting (and evicting idle handles) while none is free. */
  reserve(): Promise<void> {
    if (this.#waiting === 0 && this.#taken < this.openFilesMax) {
      this.#take();
      return Promise.resolve();
    }
    if (this.#waiting >= WAITERS_MAX) {
      throw new TributaryError("KAFKA_STORAGE_ERROR", "too many waiters for an open file slot");
    }
    const granted = new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#evictForWaiters();
    return granted;
  }

  /** Gives a slot back: to the first waiter, or to the pool. */
  release(): void {
    assert(this.#taken > 0, "open file slot released without being taken");
    if (this.#waiting > 0) {
      const grant = this.#waiters[this.#waitersHead++];
      this.#compactWaiters();
      grant();
      return;
    }
    this.#taken--;
  }

  /** Runs fn holding one slot (a descriptor the host opens and closes within fn). */
  async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    await this.reserve();
    try {
      return await this.retryOnHostEmfile(fn);
    } finally {
      this.release();
    }
  }

  /**
   * Runs fn (which opens one descriptor); when the host itself has none left (sockets, the
   * runtime's own files or descriptors still closing took what the budget counted as free),
   * closes one idle handle and tries again, a bounded number of times.
   */
  async retryOnHostEmfile<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0;; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const retry = attempt < HOST_EMFILE_RETRIES_MAX &&
          isIoError(err, IoErrorCode.TooManyOpenFiles) && (await this.shed());
        if (!retry) throw err;
      }
    }
  }

  /** The file's handle is open with nothing in flight: it may be evicted from now on. */
  idle(file: Evictable, dirty: boolean): void {
    this.#idleClean.delete(file);
    this.#idleDirty.delete(file);
    (dirty ? this.#idleDirty : this.#idleClean).set(file, true);
    this.#evictForWaiters();
  }

  /** The file is in use (or closing): it must not be evicted. */
  busy(file: Evictable): void {
    this.#idleClean.delete(file);
    this.#idleDirty.delete(file);
  }

  /**
   * Closes one idle handle to give the host a descriptor back (the host refused an open with
   * EMFILE: sockets or other files took what the budget assumed free). False when none is idle.
   */
  async shed(): Promise<boolean> {
    const victim = this.#pickVictim();
    if (victim === null) return false;
    await victim.file.evict();
    this.#countEviction(victim.dirty);
    this.release();
    return true;
  }

  #take(): void {
    this.#taken++;
    if (this.#taken > this.#peak) this.#peak = this.#taken;
    assert(this.#taken <= this.openFilesMax, "open files stay within log.open.files.max");
  }

  /** Starts one eviction per waiter not yet covered by one, as far as idle handles allow. */
  #evictForWaiters(): void {
    // Each round removes one handle from the idle lists, so this ends.
    while (this.#waiting > this.#evicting) {
      const victim = this.#pickVictim();
      if (victim === null) return;
      this.#evicting++;
      void victim.file.evict().finally(() => {
        this.#evicting--;
        this.#countEviction(victim.dirty);
        this.release();
      });
    }
  }

  #pickVictim(): { file: Evictable; dirty: boolean } | null {
    for (const [list, dirty] of [[this.#idleClean, false], [this.#idleDirty, true]] as const) {
      const first = list.keys().next();
      if (first.done !== true) {
        list.delete(first.value);
        return { file: first.value, dirty };
      }
    }
    return null;
  }

  #countEviction(dirty: boolean): void {
    this.#evictions++;
    if (dirty) this.#dirtyEvictions++;
  }

  #compactWaiters(): void {
    if (this.#waitersHead > 1024 && this.#waitersHead * 2 > this.#waiters.length) {
      this.#waiters.splice(0, this.#waitersHead);
      this.#waitersHead = 0;
    }
  }
}
