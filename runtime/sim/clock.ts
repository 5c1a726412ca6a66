// Virtual time. It starts at a fixed epoch and moves only when the scheduler fires a timer, so
// every timestamp a simulated broker writes is reproducible from the seed.

import type { Clock } from "../types.ts";

/** Virtual wall-clock time at which every simulation starts (2023-11-14T22:13:20Z). */
export const SIM_EPOCH_MS = 1_700_000_000_000;

export class VirtualClock implements Clock {
  #elapsedMs = 0;

  /** Virtual milliseconds since the simulation started. */
  get elapsedMs(): number {
    return this.#elapsedMs;
  }

  /** Moves time forward to elapsedMs; time never goes backwards. */
  advanceTo(elapsedMs: number): void {
    if (elapsedMs > this.#elapsedMs) this.#elapsedMs = elapsedMs;
  }

  nowMs(): number {
    return Math.floor(SIM_EPOCH_MS + this.#elapsedMs);
  }

  monotonicMs(): number {
    return this.#elapsedMs;
  }
}

/**
 * One node's view of the clock: the same monotonic time, but a wall clock that can be skewed
 * (NTP drift, a mis-set host) without affecting any other node.
 */
export class NodeClock implements Clock {
  /** Added to the wall clock; may be negative. Change it at any time. */
  skewMs = 0;
  readonly #base: VirtualClock;

  constructor(base: VirtualClock) {
    this.#base = base;
  }

  nowMs(): number {
    return Math.floor(this.#base.nowMs() + this.skewMs);
  }

  monotonicMs(): number {
    return this.#base.monotonicMs();
  }
}
