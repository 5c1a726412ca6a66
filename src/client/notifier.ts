// A wake-up signal between the consumer's fetch loop and its readers: waiters sleep until
// notify() or their own timeout, whichever comes first. No polling loops.

import type { TimerHandle, Timers } from "../../runtime/types.ts";

export class Notifier {
  readonly #timers: Pick<Timers, "setTimeout">;
  #waiters: Array<() => void> = [];

  constructor(timers: Pick<Timers, "setTimeout">) {
    this.#timers = timers;
  }

  /** Resolves on the next notify(), or after timeoutMs (Infinity: no timeout). */
  wait(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: TimerHandle | null = null;
      const wake = () => {
        timer?.cancel();
        resolve();
      };
      this.#waiters.push(wake);
      if (Number.isFinite(timeoutMs)) {
        timer = this.#timers.setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== wake);
          resolve();
        }, Math.max(0, timeoutMs));
      }
    });
  }

  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
