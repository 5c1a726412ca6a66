// Whether a log takes writes. A full disk (ENOSPC on a write) degrades it: reads keep serving,
// appends are still attempted (one that succeeds clears the state at once), and a background
// probe (write-probe.ts) retries a tiny durable write with exponential back-off, so the log is
// reported healthy again once space is freed even while nobody appends. Other storage failures
// are not this: they take the log out of service (PartitionLog#fail).

import { TributaryError } from "../model/errors.ts";
import { isIoError } from "../../runtime/types.ts";
import type { Clock, TimerHandle, Timers } from "../../runtime/types.ts";

export const PROBE_BACKOFF_MS_MIN = 100;
export const PROBE_BACKOFF_MS_MAX = 30_000;

export interface WriteHealthOptions {
  timers: Timers;
  clock: Pick<Clock, "nowMs">;
  /** A small durable write; rejects while the disk is still full. */
  probe: () => Promise<void>;
  /** Told when writes start failing (with the error) and when they work again (null). */
  onChange?: (degraded: TributaryError | null) => void;
  backoffMsMin?: number;
  backoffMsMax?: number;
}

/** Whether err (or what caused it) is a file system out of space. */
export function isOutOfSpace(err: unknown): boolean {
  // Bounded: cause chains are a few links long; the cap guards against a cycle.
  let cause: unknown = err;
  for (let depth = 0; depth < 8 && cause instanceof Error; depth++) {
    if (isIoError(cause, "ENOSPC")) return true;
    cause = cause.cause;
  }
  return false;
}

export class WriteHealth {
  readonly #options: WriteHealthOptions;
  readonly #backoffMsMin: number;
  readonly #backoffMsMax: number;
  #degraded: TributaryError | null = null;
  #degradedSinceMs = -1;
  #backoffMs: number;
  #timer: TimerHandle | null = null;
  #probing = false;
  #stopped = false;
  #probes = 0;
  #waiters: Array<() => void> = [];

  constructor(options: WriteHealthOptions) {
    this.#options = options;
    this.#backoffMsMin = options.backoffMsMin ?? PROBE_BACKOFF_MS_MIN;
    this.#backoffMsMax = options.backoffMsMax ?? PROBE_BACKOFF_MS_MAX;
    this.#backoffMs = this.#backoffMsMin;
  }

  /** The error appends failed with while degraded, or null. */
  get degraded(): TributaryError | null {
    return this.#degraded;
  }

  /** Wall-clock ms when writes started failing (-1 while healthy). */
  get degradedSinceMs(): number {
    return this.#degradedSinceMs;
  }

  /** Probe writes attempted since the log opened. */
  get probes(): number {
    return this.#probes;
  }

  /** A write failed for lack of space: remember why and start probing. */
  markDegraded(error: TributaryError): void {
    if (this.#stopped) return;
    const changed = this.#degraded === null;
    if (changed) {
      this.#degradedSinceMs = this.#options.clock.nowMs();
      this.#backoffMs = this.#backoffMsMin;
    }
    this.#degraded = error;
    if (changed) this.#options.onChange?.(error);
    this.#schedule();
  }

  /** A write succeeded: the log is healthy again. */
  markHealthy(): void {
    if (this.#degraded === null) return;
    this.#degraded = null;
    this.#degradedSinceMs = -1;
    this.#timer?.cancel();
    this.#timer = null;
    for (const wake of this.#waiters.splice(0)) wake();
    this.#options.onChange?.(null);
  }

  /** Resolves once writes work again (at once when they do now). */
  whenHealthy(): Promise<void> {
    if (this.#degraded === null) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The log closes: no more probes. */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#timer !== null || this.#probing || this.#stopped) return;
    const delayMs = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#backoffMsMax);
    this.#timer = this.#options.timers.setTimeout(() => {
      this.#timer = null;
      void this.#probe();
    }, delayMs);
  }

  async #probe(): Promise<void> {
    if (this.#degraded === null || this.#stopped) return;
    this.#probing = true;
    this.#probes++;
    let ok = false;
    try {
      await this.#options.probe();
      ok = true;
    } catch {
      // Still failing (full, or something else): the log stays degraded and the probe tries
      // again after a longer wait. Appends keep reporting the error that degraded the log.
    } finally {
      this.#probing = false;
    }
    if (ok) this.markHealthy();
    else this.#schedule();
  }
}
