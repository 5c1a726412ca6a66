// The producer's bounded memory: every record reserves its estimated bytes here when sent and
// gives them back once its batch is acknowledged or failed. When the pool is full, send() waits
// (backpressure) instead of growing without limit. Waiters are served first come, first served,
// so a small record cannot overtake a large one that is waiting (per-partition order holds).

import { TributaryError } from "../model/errors.ts";

interface Waiter {
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class BufferPool {
  readonly bytesMax: number;
  #bytesUsed = 0;
  #waiters: Waiter[] = [];
  #closedError: Error | null = null;

  constructor(bytesMax: number) {
    if (!Number.isSafeInteger(bytesMax) || bytesMax <= 0) {
      throw new TributaryError(
        "INVALID_CONFIG",
        `bufferBytesMax must be a positive integer, got ${bytesMax}`,
      );
    }
    this.bytesMax = bytesMax;
  }

  get bytesUsed(): number {
    return this.#bytesUsed;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** null when reserved at once; otherwise a promise that resolves once the bytes are reserved. */
  reserve(bytes: number): Promise<void> | null {
    if (this.#closedError) throw this.#closedError;
    if (bytes > this.bytesMax) {
      throw new TributaryError(
        "RECORD_LIST_TOO_LARGE",
        `record of ~${bytes} bytes exceeds the producer buffer (bufferBytesMax ${this.bytesMax})`,
      );
    }
    if (this.#waiters.length === 0 && this.#bytesUsed + bytes <= this.bytesMax) {
      this.#bytesUsed += bytes;
      return null;
    }
    return new Promise<void>((resolve, reject) => this.#waiters.push({ bytes, resolve, reject }));
  }

  release(bytes: number): void {
    this.#bytesUsed -= bytes;
    if (this.#bytesUsed < 0) this.#bytesUsed = 0;
    while (this.#waiters.length > 0 && this.#bytesUsed + this.#waiters[0].bytes <= this.bytesMax) {
      const waiter = this.#waiters.shift() as Waiter;
      this.#bytesUsed += waiter.bytes;
      waiter.resolve();
    }
  }

  /** Fails every waiter and every later reserve() with err (producer closed). */
  close(err: Error): void {
    this.#closedError = err;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(err);
  }
}
