// A counting semaphore for in-flight requests. Waiters are served first come, first served, and
// a waiter whose signal aborts leaves the queue, so the queue never outlives its callers' deadlines.

import { assert } from "../../model/errors.ts";

export class Slots {
  readonly max: number;
  #used = 0;
  readonly #waiters: Array<(granted: boolean) => void> = [];

  constructor(max: number) {
    assert(Number.isInteger(max) && max >= 1, `slot count must be a positive integer, got ${max}`);
    this.max = max;
  }

  get used(): number {
    return this.#used;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes a slot if one is free and nobody waits: the wait-free path of acquire(). */
  tryAcquire(): boolean {
    if (this.#used >= this.max || this.#waiters.length > 0) return false;
    this.#used++;
    return true;
  }

  /** Resolves true once a slot is held, or false if the signal aborted first. */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.#used < this.max && this.#waiters.length === 0) {
      this.#used++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter = (granted: boolean) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(granted);
      };
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        resolve(false);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  release(): void {
    assert(this.#used > 0, "release without acquire");
    const next = this.#waiters.shift();
    if (next !== undefined) next(true);
    else this.#used--;
  }
}
