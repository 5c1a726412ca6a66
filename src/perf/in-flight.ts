// Bounds the records a run has sent but not yet seen settled, so a loop that fires sends
// without awaiting each one cannot queue the whole run in memory. wait() resolves once the
// count is back down to half the limit (hysteresis keeps the waits few and long).

export class InFlightWindow {
  readonly limit: number;
  #count = 0;
  #wake: (() => void) | null = null;

  constructor(limit: number) {
    this.limit = Math.max(1, Math.floor(limit));
  }

  get count(): number {
    return this.#count;
  }

  /** Counts one more in flight; returns a promise to await first when the window is full. */
  add(n = 1): Promise<void> | null {
    this.#count += n;
    if (this.#count < this.limit) return null;
    return new Promise<void>((resolve) => (this.#wake = resolve));
  }

  done(n = 1): void {
    this.#count -= n;
    if (this.#wake !== null && this.#count <= this.limit / 2) {
      const wake = this.#wake;
      this.#wake = null;
      wake();
    }
  }
}
