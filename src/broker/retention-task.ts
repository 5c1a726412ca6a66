// Retention runs as a periodic task: every interval, applyRetention on every open log, one at a
// time (PeriodicTask keeps runs from overlapping), below each partition's high watermark. The
// same pass forgets idempotent producers idle past producer.id.expiration.ms.
import type { Clock } from "../../runtime/types.ts";
import { type Logger, silentLogger } from "../logging/logger.ts";
import { PeriodicTask, type PeriodicTaskOptions } from "./periodic-task.ts";
import type { Partition } from "./partition.ts";

export interface RetentionTaskOptions extends Omit<PeriodicTaskOptions, "what" | "run"> {
  clock: Pick<Clock, "nowMs">;
  partitions: () => Iterable<Partition>;
  logger?: Logger;
}

export class RetentionTask {
  readonly #options: RetentionTaskOptions;
  readonly #periodic: PeriodicTask;
  readonly #logger: Logger;

  constructor(options: RetentionTaskOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
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
        await this.#retain(p, nowMs);
      } catch (err) {
        // An invariant failing in this partition's retention takes only it offline.
        this.#options.report(`retention of ${p.name}`, p.contain(err) ?? err);
      }
    }
  }

  async #retain(p: Partition, nowMs: number): Promise<void> {
    const expired = p.expireProducers(nowMs);
    if (expired > 0) {
      this.#logger.debug("producer.expired", `${p.name}: ${expired} idle producers expired`, {
        partition: p.name,
        producers: expired,
      });
    }
    const startBefore = p.logStartOffset;
    const bytesBefore = p.log.sizeBytes;
    const segments = await p.track(
      p.log.applyRetention(nowMs, { highWatermark: p.highWatermark }),
    );
    if (segments === 0) return;
    this.#logger.info(
      "retention.deleted",
      `${p.name}: retention deleted offsets ${startBefore}..${p.logStartOffset - 1}`,
      {
        partition: p.name,
        segments,
        logStartOffsetBefore: startBefore,
        logStartOffset: p.logStartOffset,
        logEndOffset: p.logEndOffset,
        bytes: bytesBefore - p.log.sizeBytes,
      },
    );
  }
}
