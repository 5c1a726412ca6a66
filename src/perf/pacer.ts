// Paces a run to a fixed rate: acquire(n) returns null while the run is behind its schedule
// (no promise, no timer: the hot path stays cheap) and otherwise a promise that resolves when
// the next n records are due. Shared by every connection of a run, so --rate is the total.

import type { Clock, Timers } from "../../runtime/types.ts";

export class Pacer {
  readonly #clock: Pick<Clock, "monotonicMs">;
  readonly #timers: Pick<Timers, "sleep">;
  readonly #perMs: number;
  #startMs = -1;
  #issued = 0;

  /** rate: records per second; 0 means unpaced (acquire always returns null). */
  constructor(
    rt: { clock: Pick<Clock, "monotonicMs">; timers: Pick<Timers, "sleep"> },
    rate: number,
  ) {
    this.#clock = rt.clock;
    this.#timers = rt.timers;
    this.#perMs = rate / 1000;
  }

  acquire(n = 1): Promise<void> | null {
    if (this.#perMs === 0) return null;
    const nowMs = this.#clock.monotonicMs();
    if (this.#startMs < 0) this.#startMs = nowMs;
    const dueMs = this.#startMs + this.#issued / this.#perMs;
    this.#issued += n;
    if (dueMs <= nowMs) return null;
    return this.#timers.sleep(dueMs - nowMs);
  }
}
