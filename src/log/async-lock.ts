// A fair readers-writer lock for async code. Waiters are served in arrival order: a shared
// request behind a waiting exclusive one waits too, so a stream of readers cannot starve
// truncation or retention. Used with only exclusive() it is a FIFO mutex.
//
// The queue is bounded by the callers (the broker bounds in-flight requests per partition);
// waitersMax is a backstop that turns a runaway caller into an error instead of unbounded memory.

import { assert, TributaryError } from "../model/errors.ts";

interface Waiter {
  exclusive: boolean;
  grant: () => void;
}

export class AsyncLock {
  readonly name: string;
  readonly waitersMax: number;
  #readers = 0;
  #writer = false;
  #queue: Waiter[] = [];
  #head = 0;

  constructor(name: string, options: { waitersMax?: number } = {}) {
    this.name = name;
    this.waitersMax = options.waitersMax ?? 100_000;
  }

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    await this.#acquire(false);
    try {
      return await fn();
    } finally {
      this.#release(false);
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await this.#acquire(true);
    try {
      return await fn();
    } finally {
      this.#release(true);
    }
  }

  /** True while anyone holds or waits for the lock. */
  get busy(): boolean {
    return this.#writer || this.#readers > 0 || this.#head < this.#queue.length;
  }

  #acquire(exclusive: boolean): Promise<void> {
    const waiting = this.#queue.length - this.#head;
    if (waiting === 0 && this.#canGrant(exclusive)) {
      this.#take(exclusive);
      return Promise.resolve();
    }
    if (waiting >= this.waitersMax) {
      throw new TributaryError(
        "KAFKA_STORAGE_ERROR",
        `${this.name}: more than ${this.waitersMax} waiters`,
      );
    }
    return new Promise((resolve) => {
      this.#queue.push({ exclusive, grant: resolve });
    });
  }

  #release(exclusive: boolean): void {
    if (exclusive) {
      assert(this.#writer, `${this.name}: exclusive release without holder`);
      this.#writer = false;
    } else {
      assert(this.#readers > 0, `${this.name}: shared release without holder`);
      this.#readers--;
    }
    this.#grantWaiters();
  }

  #grantWaiters(): void {
    while (this.#head < this.#queue.length) {
      const next = this.#queue[this.#head];
      if (!this.#canGrant(next.exclusive)) break;
      this.#head++;
      this.#take(next.exclusive);
      next.grant();
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #canGrant(exclusive: boolean): boolean {
    return exclusive ? !this.#writer && this.#readers === 0 : !this.#writer;
  }

  #take(exclusive: boolean): void {
    if (exclusive) this.#writer = true;
    else this.#readers++;
  }
}
