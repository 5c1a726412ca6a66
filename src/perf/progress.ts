// The progress bar `tributary perf` draws on a terminal: one line, redrawn in place, at most a
// few times a second. render() is pure so it can be tested; ProgressTicker drives it.

import type { Clock, TimerHandle, Timers } from "../../runtime/types.ts";

const BAR_WIDTH = 30;

export function renderProgress(done: number, total: number, elapsedMs: number): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * BAR_WIDTH);
  const rate = elapsedMs > 0 ? Math.round(done / (elapsedMs / 1000)) : 0;
  const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
  const percent = (fraction * 100).toFixed(0).padStart(3);
  return `\r[${bar}] ${percent}% ${done.toLocaleString("en-US")}/${
    total.toLocaleString("en-US")
  } records, ${rate.toLocaleString("en-US")} records/s `;
}

/** Calls draw(line) every intervalMs until stop(); stop() draws a last line and a newline. */
export class ProgressTicker {
  readonly #rt: { clock: Pick<Clock, "monotonicMs">; timers: Pick<Timers, "setTimeout"> };
  readonly #draw: (line: string) => void;
  readonly #done: () => number;
  readonly #total: number;
  readonly #intervalMs: number;
  readonly #startMs: number;
  #timer: TimerHandle | null = null;
  #stopped = false;

  constructor(
    rt: { clock: Pick<Clock, "monotonicMs">; timers: Pick<Timers, "setTimeout"> },
    options: {
      draw: (line: string) => void;
      done: () => number;
      total: number;
      intervalMs?: number;
    },
  ) {
    this.#rt = rt;
    this.#draw = options.draw;
    this.#done = options.done;
    this.#total = options.total;
    this.#intervalMs = options.intervalMs ?? 250;
    this.#startMs = rt.clock.monotonicMs();
    this.#schedule();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#timer?.cancel();
    this.#tick();
    this.#draw("\n");
  }

  #schedule(): void {
    this.#timer = this.#rt.timers.setTimeout(() => {
      if (this.#stopped) return;
      this.#tick();
      this.#schedule();
    }, this.#intervalMs);
  }

  #tick(): void {
    const elapsedMs = this.#rt.clock.monotonicMs() - this.#startMs;
    this.#draw(renderProgress(this.#done(), this.#total, elapsedMs));
  }
}
