// Bytes of responses the server holds and has not yet written: reserved when a request is read,
// resized to the encoded frame, released once the host took the frame. One budget per connection
// and one for the whole listener (see Reservation for what each counts); a request waits for
// room in both before it is handled, and while it waits its connection is not read, so a client
// that does not read its responses is held back by TCP instead of growing the broker's memory.
//
// Waiters are served first come, first served (a large request is not starved by small ones),
// and a request larger than the whole budget still runs once nothing else holds any of it.

import { assert } from "../../../model/errors.ts";

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

/**
 * One request's share of the budgets. On its connection's budget it holds an estimate from the
 * start (so one connection's pipelined requests cannot all compute large responses at once);
 * on the listener's it holds only the encoded frame, from encoding until the host took it: a
 * Fetch parked waiting for data holds no listener bytes, so many idle long-polling consumers do
 * not crowd out the rest, while many clients that do not read soon exhaust it. The listener's
 * budget gates reading: a request is read only while the listener holds no more than its max.
 */
export class Reservation {
  readonly #connection: ByteBudget;
  readonly #listener: ByteBudget;
  #bytes: number;
  #listenerBytes = 0;
  #released = false;

  private constructor(connection: ByteBudget, listener: ByteBudget, bytes: number) {
    this.#connection = connection;
    this.#listener = listener;
    this.#bytes = bytes;
  }

  /**
   * Takes `bytes` of the connection's budget, then waits for room in the listener's; null
   * (holding nothing) if the signal aborted first. Only a connection's own read loop takes its
   * budget, one request at a time, so holding it while waiting for the listener cannot deadlock.
   */
  static async take(
    budgets: { connection: ByteBudget; listener: ByteBudget },
    bytes: number,
    signal: AbortSignal,
  ): Promise<Reservation | null> {
    if (!(await budgets.connection.acquire(bytes, signal))) return null;
    if (!(await budgets.listener.acquire(0, signal))) {
      budgets.connection.release(bytes);
      return null;
    }
    return new Reservation(budgets.connection, budgets.listener, bytes);
  }

  /** Bytes held on the connection's budget. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The response is encoded: hold exactly its size, on both budgets, until release(). */
  resize(bytes: number): void {
    if (this.#released) return;
    if (bytes > this.#bytes) this.#connection.grow(bytes - this.#bytes);
    else this.#connection.release(this.#bytes - bytes);
    this.#bytes = bytes;
    if (bytes > this.#listenerBytes) this.#listener.grow(bytes - this.#listenerBytes);
    else this.#listener.release(this.#listenerBytes - bytes);
    this.#listenerBytes = bytes;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#connection.release(this.#bytes);
    this.#listener.release(this.#listenerBytes);
  }
}
