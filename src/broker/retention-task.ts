// Retention runs as a periodic task: every interval, applyRetention on every open log, one at a
// time. The next run is scheduled when the previous one ends, so runs never overlap.
import type { Clock, TimerHandle, Timers } from "../../runtime/types.ts";
import type { Partition } from "./partition.ts";

export interface RetentionTaskOptions {
  intervalMs: number;
  timers: Pick<Timers, "setTimeout">;
  clock: Pick<Clock, "nowMs">;
  partitions: () => Iterable<Partition>;
  /** Registers the run so the broker's close() waits for it. */
  track: (run: Promise<void>) => Promise<void>;
  /** A failure with no caller to throw to. */
  report: (what: string, err: unknown) => void;
}

export class RetentionTask {
  readonly #options: RetentionTaskOptions;
  #timer: TimerHandle | null = null;
  #stopped = false;

  constructor(options: RetentionTaskOptions) {
    this.#options = options;
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
    this.#options.track(this.runOnce()).then(next, (err: unknown) => {
      this.#options.report("retention", err);
      next();
    });
  }

  /** One pass over every log; a failing partition is reported and the others still run. */
  async runOnce(): Promise<void> {
    const nowMs = this.#options.clock.nowMs();
    for (const p of [...this.#options.partitions()]) {
      if (p.closed || this.#stopped) continue;
      try {
        await p.track(p.log.applyRetention(nowMs));
      } catch (err) {
        this.#options.report(`retention of ${p.name}`, err);
      }
    }
  }
}
