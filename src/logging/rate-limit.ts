// Events a client can trigger (bad frames, refused connections, protocol errors) are logged at
// most `perIntervalMax` times per interval and key; the rest are counted and reported once in
// the next line that gets through, so a hostile client cannot flood the log or slow the broker.
import type { LogFields, Logger, LogLevel } from "./logger.ts";

export interface RateLimitOptions {
  intervalMs: number;
  perIntervalMax: number;
  /** Monotonic milliseconds. */
  monotonicMs: () => number;
  /** Distinct keys tracked at once; beyond it the oldest key is forgotten. */
  keysMax?: number;
}

interface Window {
  startMs: number;
  written: number;
  suppressed: number;
}

export class RateLimitedLog {
  readonly #logger: Logger;
  readonly #options: Required<RateLimitOptions>;
  readonly #windows = new Map<string, Window>();

  constructor(logger: Logger, options: RateLimitOptions) {
    this.#logger = logger;
    this.#options = { keysMax: 1024, ...options };
  }

  /** Logs unless `key` already used its share of the current interval. */
  log(level: LogLevel, key: string, event: string, message: string, fields?: LogFields): void {
    if (!this.#logger.enabled(level)) return;
    const now = this.#options.monotonicMs();
    let window = this.#windows.get(key);
    if (window === undefined || now - window.startMs >= this.#options.intervalMs) {
      const suppressed = window?.suppressed ?? 0;
      window = { startMs: now, written: 0, suppressed: 0 };
      this.#remember(key, window);
      if (suppressed > 0) fields = { ...fields, suppressed };
    }
    if (window.written >= this.#options.perIntervalMax) {
      window.suppressed++;
      return;
    }
    window.written++;
    this.#logger[level](event, message, fields);
  }

  #remember(key: string, window: Window): void {
    this.#windows.delete(key);
    if (this.#windows.size >= this.#options.keysMax) {
      const oldest = this.#windows.keys().next().value;
      if (oldest !== undefined) this.#windows.delete(oldest);
    }
    this.#windows.set(key, window);
  }
}
