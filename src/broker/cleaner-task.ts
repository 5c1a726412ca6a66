// Log compaction runs as a periodic task beside retention: every interval, one cleaning pass over
// each open log whose cleanup.policy compacts, one log at a time (the cleaner skips logs that are
// not dirty enough). Passes stay below each partition's high watermark, and the next run is
// scheduled when the previous one ends, so runs never overlap.
import type { Clock, TimerHandle, Timers } from "../../runtime/types.ts";
import type { CleanResult, LogCleaner } from "../log/cleaner.ts";
import { policyCompacts } from "../log/config.ts";
import type { Partition } from "./partition.ts";

export interface CleanerTaskOptions {
  intervalMs: number;
  timers: Pick<Timers, "setTimeout">;
  clock: Pick<Clock, "nowMs">;
  cleaner: LogCleaner;
  partitions: () => Iterable<Partition>;
  /** Registers the run so the broker's close() waits for it. */
  track: (run: Promise<void>) => Promise<void>;
  /** A failure with no caller to throw to. */
  report: (what: string, err: unknown) => void;
}

export class CleanerTask {
  readonly #options: CleanerTaskOptions;
  #timer: TimerHandle | null = null;
  #stopped = false;

  constructor(options: CleanerTaskOptions) {
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
    this.#options.track(this.runOnce().then(() => undefined)).then(next, (err: unknown) => {
      this.#options.report("log cleaning", err);
      next();
    });
  }

  /** One pass over every compacted log; a failing partition is reported, the others still run. */
  async runOnce(): Promise<Map<string, CleanResult>> {
    const results = new Map<string, CleanResult>();
    const nowMs = this.#options.clock.nowMs();
    for (const p of [...this.#options.partitions()]) {
      if (p.closed || this.#stopped || !policyCompacts(p.log.config.cleanupPolicy)) continue;
      try {
        const options = { nowMs, uncleanableFrom: p.highWatermark };
        results.set(p.name, await p.track(this.#options.cleaner.clean(p.log, options)));
      } catch (err) {
        this.#options.report(`log cleaning of ${p.name}`, err);
      }
    }
    return results;
  }
}
