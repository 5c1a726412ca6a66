// A background job the broker runs every interval (retention, log cleaning). The next run is
// scheduled when the previous one ends, so runs never overlap, and a failed run is reported
// (there is no caller to throw to) without stopping later ones.
import type { TimerHandle, Timers } from "../../runtime/types.ts";

export interface PeriodicTaskOptions {
  intervalMs: number;
  timers: Pick<Timers, "setTimeout">;
  /** Registers the run so the broker's close() waits for it. */
  track: (run: Promise<void>) => Promise<void>;
  /** A failure with no caller to throw to. */
  report: (what: string, err: unknown) => void;
  /** Names the job in reports, e.g. "retention". */
  what: string;
  run: () => Promise<void>;
}

export class PeriodicTask {
  readonly #options: PeriodicTaskOptions;
  #timer: TimerHandle | null = null;
  #stopped = false;

  constructor(options: PeriodicTaskOptions) {
    this.#options = options;
  }

  /** True once stop() was called: a run in progress should end early. */
  get stopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    if (this.#stopped) return;
    this.#timer = this.#options.timers.setTimeout(() => this.#fire(), this.#options.intervalMs);
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  #fire(): void {
    this.#timer = null;
    if (this.#stopped) return;
    const next = () => this.start();
    this.#options.track(this.#options.run()).then(next, (err: unknown) => {
      this.#options.report(this.#options.what, err);
      next();
    });
  }
}
