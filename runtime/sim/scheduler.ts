// Virtual time for the simulation: a clock that only moves when the driver fires the next timer.
//
// run(fn, bounds) is the driver and the only code of the simulation that touches the host event
// loop: it yields to the host (so every pending promise reaction of the simulated code runs),
// then jumps virtual time to the earliest timer and fires it, one timer per step, until fn's
// promise settles. Timers due at the same instant fire in the order they were set, so a run is a
// pure function of the seed. Bounds on steps and virtual time are mandatory; a run with no timer
// left and an unsettled promise is a deadlock and fails instead of hanging.

import { RuntimeIoError, type TimerHandle, type Timers } from "../types.ts";
import { VirtualClock } from "./clock.ts";
import { type QueuedTimer, TimerQueue } from "./timer-queue.ts";

export interface RunBounds {
  /** Timers fired by this run at most. */
  maxSteps: number;
  /** Virtual milliseconds this run may advance at most. */
  maxVirtualMs: number;
  /** Host turns to wait, with no timer pending, before calling it a deadlock (default 50). */
  idleTurnsMax?: number;
}

export type SimStopReason = "maxSteps" | "maxVirtualMs" | "deadlock";

/** The driver gave up: a bound was hit or nothing could make progress. */
export class SimStopError extends Error {
  readonly reason: SimStopReason;
  constructor(reason: SimStopReason, message: string) {
    super(message);
    this.name = "SimStopError";
    this.reason = reason;
  }
}

const IDLE_TURNS_MAX_DEFAULT = 50;

export class SimScheduler {
  readonly clock = new VirtualClock();
  #seq = 0;
  #running = false;
  #uncaught: unknown[] = [];
  readonly #queue = new TimerQueue();
  readonly #describe: () => string;
  readonly #onFire: (timer: QueuedTimer) => void;

  /**
   * describe() is appended to failure messages (the seed and how to replay it); onFire sees each
   * timer just before it runs (the world's trace).
   */
  constructor(options: { describe?: () => string; onFire?: (timer: QueuedTimer) => void } = {}) {
    this.#describe = options.describe ?? (() => "");
    this.#onFire = options.onFire ?? (() => {});
  }

  get pendingTimers(): number {
    return this.#queue.size;
  }

  /** Queues fn to run delayMs of virtual time from now, on behalf of owner. */
  schedule(owner: string, delayMs: number, fn: () => void): QueuedTimer {
    if (!Number.isFinite(delayMs)) throw new RuntimeIoError("EINVAL", `timer delay ${delayMs} ms`);
    const timer = {
      dueMs: this.clock.elapsedMs + Math.max(0, delayMs),
      seq: ++this.#seq,
      owner,
      fn,
      cancelled: false,
    };
    this.#queue.push(timer);
    return timer;
  }

  cancel(timer: QueuedTimer): void {
    this.#queue.cancel(timer);
  }

  /** Drops every pending timer of owner: a crashed process never wakes up again. */
  cancelOwner(owner: string): void {
    this.#queue.cancelOwner(owner);
  }

  /** The Timers of one simulated process. */
  timers(owner: string): Timers {
    return {
      setTimeout: (fn: () => void, delayMs: number): TimerHandle => {
        const timer = this.schedule(owner, delayMs, fn);
        return { cancel: () => this.cancel(timer) };
      },
      sleep: (delayMs: number, signal?: AbortSignal) => this.#sleep(owner, delayMs, signal),
    };
  }

  /** Drives virtual time until fn settles; returns its value or rethrows its error. */
  async run<T>(fn: () => Promise<T>, bounds: RunBounds): Promise<T> {
    if (this.#running) throw new Error("SimScheduler.run is not re-entrant");
    this.#running = true;
    try {
      return await this.#drive(fn, bounds);
    } finally {
      this.#running = false;
    }
  }

  async #drive<T>(fn: () => Promise<T>, bounds: RunBounds): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    Promise.resolve().then(fn).then(
      (value) => (outcome = { ok: true, value }),
      (error: unknown) => (outcome = { ok: false, error }),
    );
    const startMs = this.clock.elapsedMs;
    const idleTurnsMax = bounds.idleTurnsMax ?? IDLE_TURNS_MAX_DEFAULT;
    let steps = 0;
    let idleTurns = 0;
    for (;;) {
      await hostTurn();
      if (this.#uncaught.length > 0) throw this.#uncaught.shift();
      if (outcome !== undefined) {
        if (outcome.ok) return outcome.value;
        throw outcome.error;
      }
      const next = this.#queue.peek();
      if (next === undefined) {
        if (++idleTurns >= idleTurnsMax) {
          this.#stop("deadlock", "no timer pending and the run has not settled");
        }
        continue;
      }
      idleTurns = 0;
      if (next.dueMs - startMs > bounds.maxVirtualMs) {
        this.#stop("maxVirtualMs", `next timer is past maxVirtualMs=${bounds.maxVirtualMs}`);
      }
      if (++steps > bounds.maxSteps) {
        this.#stop("maxSteps", `fired maxSteps=${bounds.maxSteps} timers`);
      }
      this.#fire(this.#queue.pop() as QueuedTimer);
    }
  }

  #fire(timer: QueuedTimer): void {
    this.clock.advanceTo(timer.dueMs);
    this.#onFire(timer);
    try {
      timer.fn();
    } catch (err) {
      // A throwing timer callback would crash a real process: fail the run with it.
      this.#uncaught.push(err);
    }
  }

  #stop(reason: SimStopReason, what: string): never {
    const context = this.#describe();
    const message =
      `simulation stopped (${reason}): ${what} at virtual ${this.clock.elapsedMs} ms` +
      `, ${this.#queue.size} timers pending${context === "" ? "" : `; ${context}`}`;
    throw new SimStopError(reason, message);
  }

  #sleep(owner: string, delayMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        this.cancel(timer);
        reject(signal?.reason);
      };
      const timer = this.schedule(owner, delayMs, () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** One turn of the host loop: every queued microtask of the simulated code runs before it ends. */
function hostTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
