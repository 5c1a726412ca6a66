// Levelled, structured logging: one line per event, written through a sink the composition root
// hands in (the Runtime's stderr for `serve`). src/ logs through a Logger and never writes to a
// stream itself, so the simulation and the tests can capture every line.
//
// An event has a stable dotted name (`topic.created`, `log.truncated`, ...) that operators can
// grep and alert on, a human sentence, and flat fields.

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = "text" | "json";

export type LogValue = string | number | boolean | null | undefined;
export type LogFields = Readonly<Record<string, LogValue>>;

export interface Logger {
  error(event: string, message: string, fields?: LogFields): void;
  warn(event: string, message: string, fields?: LogFields): void;
  info(event: string, message: string, fields?: LogFields): void;
  debug(event: string, message: string, fields?: LogFields): void;
  /** Whether a line at this level would be written (skip building costly fields when not). */
  enabled(level: LogLevel): boolean;
  /** A logger that adds these fields to every line (e.g. the node id, a connection's peer). */
  with(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Receives each finished line, newline included. Must not throw (errors are swallowed). */
  write: (line: string) => void;
  /** Lowest level written (default "info"). */
  level?: LogLevel;
  format?: LogFormat;
  /** Wall-clock milliseconds, for the timestamp. */
  nowMs: () => number;
}

const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = rank[options.level ?? "info"];
  const format = options.format ?? "text";
  const emit = (level: LogLevel, event: string, message: string, fields: LogFields) => {
    const ts = new Date(options.nowMs()).toISOString();
    const line = format === "json"
      ? jsonLine(ts, level, event, message, fields)
      : textLine(ts, level, event, message, fields);
    try {
      options.write(line);
    } catch {
      // A failing log sink has nowhere to report to; logging must never take the broker down.
    }
  };
  return build(threshold, emit, {});
}

type Emit = (level: LogLevel, event: string, message: string, fields: LogFields) => void;

function build(threshold: number, emit: Emit, base: LogFields): Logger {
  const at = (level: LogLevel) => (event: string, message: string, fields?: LogFields) => {
    if (rank[level] > threshold) return;
    emit(level, event, message, fields ? { ...base, ...fields } : base);
  };
  return {
    error: at("error"),
    warn: at("warn"),
    info: at("info"),
    debug: at("debug"),
    enabled: (level) => rank[level] <= threshold,
    with: (fields) => build(threshold, emit, { ...base, ...fields }),
  };
}

/** Discards everything: the default where no logger was handed in (library use, unit tests). */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  enabled: () => false,
  with: () => silentLogger,
};

function jsonLine(
  ts: string,
  level: LogLevel,
  event: string,
  message: string,
  fields: LogFields,
): string {
  const record: Record<string, LogValue> = { ts, level, event, msg: message };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && !(key in record)) record[key] = value;
  }
  return JSON.stringify(record) + "\n";
}

function textLine(
  ts: string,
  level: LogLevel,
  event: string,
  message: string,
  fields: LogFields,
): string {
  let line = `${ts} ${level.toUpperCase().padEnd(5)} ${event} ${oneLine(message)}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    line += ` ${key}=${textValue(value)}`;
  }
  return line + "\n";
}

// Newlines inside a message would break "one line per event" (and let a client forge lines).
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}

function textValue(value: Exclude<LogValue, undefined>): string {
  if (typeof value !== "string") return String(value);
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}
