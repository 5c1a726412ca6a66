// Bytes of responses the server holds and has not yet written: reserved when a request is read
// (an estimate of its response), resized to the encoded frame, released once the host took the
// frame. One budget per connection and one for the whole listener; a request waits for room in
// both before it is handled, and while it waits its connection is not read, so a client that
// does not read its responses is held back by TCP instead of growing the broker's memory.
//
// Waiters are served first come, first served (a large request is not starved by small ones),
// and a request larger than the whole budget still runs once nothing else holds any of it.

import { assert } from "../../errors.ts";

interface Waiter {
  bytes: number;
  grant: (granted: boolean) => void;
}

export class ByteBudget {
  readonly bytesMax: number;
  #used = 0;
  readonly #waiters: Waiter[] = [];

  constructor(bytesMax: number) {
    assert(
      Number.isSafeInteger(bytesMax) && bytesMax >= 1,
      `byte budget must be a positive integer, got ${bytesMax}`,
    );
    this.bytesMax = bytesMax;
  }

  get used(): number {
    return this.#used;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves true once `bytes` are held, or false if the signal aborted first. */
  acquire(bytes: number, signal?: AbortSignal): Promise<boolean> {
    assert(Number.isSafeInteger(bytes) && bytes >= 0, `bytes must be >= 0, got ${bytes}`);
    if (signal?.aborted) return Promise.resolve(false);
    if (this.#waiters.length === 0 && this.#fits(bytes)) {
      this.#used += bytes;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        bytes,
        grant: (granted) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(granted);
        },
      };
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        resolve(false);
        // The one that left may have been the head holding back smaller ones behind it.
        this.#grantWaiters();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Takes more without waiting: a response came out bigger than its estimate. */
  grow(bytes: number): void {
    assert(Number.isSafeInteger(bytes) && bytes >= 0, `bytes must be >= 0, got ${bytes}`);
    this.#used += bytes;
  }

  release(bytes: number): void {
    assert(bytes >= 0 && bytes <= this.#used, `release of ${bytes} with ${this.#used} held`);
    this.#used -= bytes;
    this.#grantWaiters();
  }

  #fits(bytes: number): boolean {
    return this.#used === 0 || this.#used + bytes <= this.bytesMax;
  }

  #grantWaiters(): void {
    while (this.#waiters.length > 0 && this.#fits(this.#waiters[0].bytes)) {
      const next = this.#waiters.shift() as Waiter;
      this.#used += next.bytes;
      next.grant(true);
    }
  }
}

/** One request's share of its connection's and the listener's budgets. */
export class Reservation {
  readonly #budgets: readonly ByteBudget[];
  #bytes: number;
  #released = false;

  constructor(budgets: readonly ByteBudget[], bytes: number) {
    this.#budgets = budgets;
    this.#bytes = bytes;
  }

  /**
   * Takes both budgets' share, in order; false (holding nothing) if the signal aborted first.
   * Budgets are always taken in the same order (connection, then listener), so two requests
   * cannot each hold one while waiting for the other.
   */
  static async take(
    budgets: readonly ByteBudget[],
    bytes: number,
    signal: AbortSignal,
  ): Promise<Reservation | null> {
    const held: ByteBudget[] = [];
    for (const budget of budgets) {
      if (!(await budget.acquire(bytes, signal))) {
        for (const b of held) b.release(bytes);
        return null;
      }
      held.push(budget);
    }
    return new Reservation(budgets, bytes);
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The response is encoded: hold exactly its size from now on. */
  resize(bytes: number): void {
    if (this.#released) return;
    for (const b of this.#budgets) {
      if (bytes > this.#bytes) b.grow(bytes - this.#bytes);
      else b.release(this.#bytes - bytes);
    }
    this.#bytes = bytes;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const b of this.#budgets) b.release(this.#bytes);
  }
}
