// Retention runs as a periodic task: every interval, applyRetention on every open log, one at a
// time (PeriodicTask keeps runs from overlapping).
import type { Clock } from "../../runtime/types.ts";
import { PeriodicTask, type PeriodicTaskOptions } from "./periodic-task.ts";
import type { Partition } from "./partition.ts";

export interface RetentionTaskOptions extends Omit<PeriodicTaskOptions, "what" | "run"> {
  clock: Pick<Clock, "nowMs">;
  partitions: () => Iterable<Partition>;
}

export class RetentionTask {
  readonly #options: RetentionTaskOptions;
  readonly #periodic: PeriodicTask;

  constructor(options: RetentionTaskOptions) {
    this.#options = options;
    this.#periodic = new PeriodicTask({ ...options, what: "retention", run: () => this.runOnce() });
  }

  start(): void {
    this.#periodic.start();
  }

  stop(): void {
    this.#periodic.stop();
  }

  /** One pass over every log; a failing partition is reported and the others still run. */
  async runOnce(): Promise<void> {
    const nowMs = this.#options.clock.nowMs();
    for (const p of [...this.#options.partitions()]) {
      if (p.closed || this.#periodic.stopped || p.offlineReason !== null) continue;
      try {
        await p.track(p.log.applyRetention(nowMs));
      } catch (err) {
        this.#options.report(`retention of ${p.name}`, err);
      }
    }
  }
}
