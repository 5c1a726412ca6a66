// What ends every wait of the manager when it closes. Listeners are removed when their wait
// ends some other way, so a long-running manager does not collect one per fetch, as reactions
// to a single "closed" promise would.
export class CloseSignal {
  #closed = false;
  readonly #listeners = new Set<() => void>();

  get closed(): boolean {
    return this.#closed;
  }

  /** Calls fn on close (at once when already closed); the result unsubscribes. */
  onClose(fn: () => void): () => void {
    if (this.#closed) {
      fn();
      return () => {};
    }
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const fn of listeners) fn();
  }

  /** Listeners waiting now (tests: nothing leaks). */
  get listeners(): number {
    return this.#listeners.size;
  }
}
