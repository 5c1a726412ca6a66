// Appends in flight, in queue order, so that a sync round can wait for the appends queued ahead
// of it to finish writing before it picks what its fsync covers (group-commit.ts). Waiting here
// holds no lock, which keeps lock holders that await a round free of deadlock.

import type { AsyncLock } from "./async-lock.ts";

export class AppendQueue {
  readonly #lock: AsyncLock;
  #entered = 0;
  /** Tickets of appends queued or writing, oldest first. */
  readonly #unfinished: number[] = [];
  /** Rounds waiting, in ticket order (rounds start one after another). */
  readonly #waiters: { ticket: number; resolve: () => void }[] = [];

  /** lock: the log's write lock, which orders appends (FIFO). */
  constructor(lock: AsyncLock) {
    this.#lock = lock;
  }

  /** Runs an append under the write lock, counted in and out. */
  async run<T>(append: () => Promise<T>): Promise<T> {
    const ticket = ++this.#entered;
    this.#unfinished.push(ticket);
    try {
      return await this.#lock.exclusive(append);
    } finally {
      // Appends leave in queue order (FIFO lock), except one refused by a full lock queue.
      this.#unfinished.splice(this.#unfinished.indexOf(ticket), 1);
      const oldest = this.#oldest();
      while (this.#waiters.length > 0 && this.#waiters[0].ticket < oldest) {
        (this.#waiters.shift() as { resolve: () => void }).resolve();
      }
    }
  }

  /** Resolves once every append queued so far has finished (written or failed). */
  drained(): Promise<void> {
    const ticket = this.#entered;
    if (this.#oldest() > ticket) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ ticket, resolve }));
  }

  #oldest(): number {
    return this.#unfinished.length > 0 ? this.#unfinished[0] : Infinity;
  }
}
