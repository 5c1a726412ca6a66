// Log compaction runs as a periodic task beside retention: every interval, one cleaning pass over
// each open log whose cleanup.policy compacts, one log at a time (the cleaner skips logs that are
// not dirty enough). Passes stay below each partition's high watermark, and the next run is
// scheduled when the previous one ends, so runs never overlap.
import type { Clock } from "../../runtime/types.ts";
import type { CleanResult, LogCleaner } from "../log/cleaner.ts";
import { policyCompacts } from "../log/config.ts";
import type { Logger } from "../logging/logger.ts";
import type { Partition } from "./partition.ts";
import { PeriodicTask, type PeriodicTaskOptions } from "./periodic-task.ts";

export interface CleanerTaskOptions extends Omit<PeriodicTaskOptions, "what" | "run"> {
  clock: Pick<Clock, "nowMs">;
  cleaner: LogCleaner;
  partitions: () => Iterable<Partition>;
  logger: Logger;
}

export class CleanerTask {
  readonly #options: CleanerTaskOptions;
  readonly #periodic: PeriodicTask;

  constructor(options: CleanerTaskOptions) {
    this.#options = options;
    this.#periodic = new PeriodicTask({
      ...options,
      what: "log cleaning",
      run: () => this.runOnce().then(() => undefined),
    });
  }

  start(): void {
    this.#periodic.start();
  }

  stop(): void {
    this.#periodic.stop();
  }

  /** One pass over every compacted log; a failing partition is reported, the others still run. */
  async runOnce(): Promise<Map<string, CleanResult>> {
    const results = new Map<string, CleanResult>();
    const nowMs = this.#options.clock.nowMs();
    for (const p of [...this.#options.partitions()]) {
      if (
        p.closed || this.#periodic.stopped || p.offlineReason !== null ||
        !policyCompacts(p.log.config.cleanupPolicy)
      ) {
        continue;
      }
      try {
        const options = { nowMs, uncleanableFrom: p.highWatermark };
        const result = await p.track(this.#options.cleaner.clean(p.log, options));
        results.set(p.name, result);
        this.#logPass(p.name, result);
      } catch (err) {
        // An invariant failing in this partition's cleaning takes only it offline.
        this.#options.report(`log cleaning of ${p.name}`, p.contain(err) ?? err);
      }
    }
    return results;
  }

  #logPass(partition: string, result: CleanResult): void {
    const level = result.outcome === "cleaned" ? "info" : "debug";
    if (!this.#options.logger.enabled(level)) return;
    this.#options.logger[level](
      "log.cleaned",
      `cleaning pass over ${partition}: ${result.outcome}`,
      {
        partition,
        outcome: result.outcome,
        cleanedUpTo: result.cleanedUpTo,
        recordsRemoved: result.recordsRemoved,
        bytesBefore: result.bytesBefore,
        bytesAfter: result.bytesAfter,
        segmentsAfter: result.segmentsAfter,
      },
    );
  }
}
