// The fetch purgatory: fetches that found fewer than minBytes wait here, keyed by the
// partitions they read, until appends to those partitions bring enough new bytes, their wait
// runs out, their signal aborts, or the broker closes. Appends wake waiters directly (no polling).
//
// New bytes are estimated from what was appended, as Kafka does; the woken fetch then reads
// for real, so an estimate that overshoots (a partition's own maxBytes) only answers early.
import { assert } from "../model/errors.ts";
import type { TimerHandle, Timers } from "../../runtime/types.ts";

export const PARKED_FETCHES_MAX_DEFAULT = 10_000;

export interface ParkOptions {
  /** Partition keys ("topic\0partition") whose appends may satisfy this fetch. */
  keys: string[];
  /** New bytes still needed to reach minBytes. */
  bytesNeeded: number;
  waitMs: number;
  signal?: AbortSignal;
  /** Called exactly once when the fetch should answer now. */
  complete: () => void;
}

interface Parked {
  keys: string[];
  bytesNeeded: number;
  timer: TimerHandle | null;
  signal?: AbortSignal;
  onAbort: () => void;
  complete: () => void;
  done: boolean;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class FetchPurgatory {
  readonly #timers: Pick<Timers, "setTimeout">;
  readonly #parkedMax: number;
  readonly #byKey = new Map<string, Set<Parked>>();
  readonly #all = new Set<Parked>();

  constructor(timers: Pick<Timers, "setTimeout">, options: { parkedMax?: number } = {}) {
    this.#timers = timers;
    this.#parkedMax = options.parkedMax ?? PARKED_FETCHES_MAX_DEFAULT;
    assert(this.#parkedMax >= 0, "parkedMax must be >= 0");
  }

  get parkedCount(): number {
    return this.#all.size;
  }

  /** Parks a fetch; false (nothing parked) when the purgatory is full. */
  park(options: ParkOptions): boolean {
    if (this.#all.size >= this.#parkedMax) return false;
    const parked: Parked = {
      keys: options.keys,
      bytesNeeded: options.bytesNeeded,
      timer: null,
      signal: options.signal,
      onAbort: () => this.#fire(parked),
      complete: options.complete,
      done: false,
    };
    this.#all.add(parked);
    for (const key of parked.keys) {
      let set = this.#byKey.get(key);
      if (set === undefined) this.#byKey.set(key, set = new Set());
      set.add(parked);
    }
    if (options.signal?.aborted === true) {
      this.#fire(parked);
      return true;
    }
    options.signal?.addEventListener("abort", parked.onAbort, { once: true });
    parked.timer = this.#timers.setTimeout(() => this.#fire(parked), Math.max(0, options.waitMs));
    return true;
  }

  /** Bytes were appended to (and became readable on) the partition with this key. */
  onAppend(key: string, bytes: number): void {
    const set = this.#byKey.get(key);
    if (set === undefined) return;
    for (const parked of [...set]) {
      parked.bytesNeeded -= bytes;
      if (parked.bytesNeeded <= 0) this.#fire(parked);
    }
  }

  /** Answers every fetch waiting on this key now (its partition went away). */
  completeKey(key: string): void {
    const set = this.#byKey.get(key);
    if (set === undefined) return;
    for (const parked of [...set]) this.#fire(parked);
  }

  /** Answers every parked fetch now (broker closing). */
  completeAll(): void {
    for (const parked of [...this.#all]) this.#fire(parked);
  }

  #fire(parked: Parked): void {
    if (parked.done) return;
    parked.done = true;
    this.#all.delete(parked);
    parked.timer?.cancel();
    parked.signal?.removeEventListener("abort", parked.onAbort);
    for (const key of parked.keys) {
      const set = this.#byKey.get(key);
      set?.delete(parked);
      if (set?.size === 0) this.#byKey.delete(key);
    }
    parked.complete();
  }
}
