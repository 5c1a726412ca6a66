// A Logger for tests that keeps every line as a parsed event (level, event name, fields).
import { createLogger, type Logger } from "../../src/logging/logger.ts";

export interface CapturedLine {
  level: string;
  event: string;
  msg: string;
  [field: string]: unknown;
}

export function captureLogger(): { logger: Logger; lines: CapturedLine[] } {
  const lines: CapturedLine[] = [];
  const logger = createLogger({
    write: (line) => lines.push(JSON.parse(line) as CapturedLine),
    level: "debug",
    format: "json",
    nowMs: () => 0,
  });
  return { logger, lines };
}
