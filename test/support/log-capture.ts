// A Logger that keeps every line as a parsed JSON object, for tests that assert what was logged.
import { createLogger, type Logger, type LogLevel } from "../../src/logging/logger.ts";

export interface LoggedLine {
  ts: string;
  level: LogLevel;
  event: string;
  msg: string;
  [field: string]: unknown;
}

export function captureLogs(level: LogLevel = "debug"): { logger: Logger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const logger = createLogger({
    level,
    format: "json",
    nowMs: () => 0,
    write: (line) => lines.push(JSON.parse(line) as LoggedLine),
  });
  return { logger, lines };
}
