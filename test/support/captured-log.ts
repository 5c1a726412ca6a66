// A Logger that keeps every event as parsed JSON, for tests that assert what was logged.
import { createLogger, type Logger } from "../../src/logging/logger.ts";

export interface CapturedEvent {
  level: string;
  event: string;
  msg: string;
  [field: string]: unknown;
}

export function capturedLog(): { logger: Logger; events: CapturedEvent[] } {
  const events: CapturedEvent[] = [];
  const logger = createLogger({
    level: "debug",
    format: "json",
    nowMs: () => 0,
    write: (line) => events.push(JSON.parse(line) as CapturedEvent),
  });
  return { logger, events };
}
