// The flags of `tributary perf produce|consume|e2e`, modelled on Kafka's producer and consumer
// perf tools, parsed and range-checked into PerfOptions.

import type { AcksOption } from "../client/producer.ts";
import { defaultBootstrap } from "../client/bootstrap.ts";
import {
  boolFlag,
  type FlagSpecs,
  intFlag,
  parseArgs,
  stringFlag,
  UsageError,
} from "../args/args.ts";

export const PERF_MODES = ["produce", "consume", "e2e"] as const;
export type PerfMode = (typeof PERF_MODES)[number];

export interface PerfOptions {
  mode: PerfMode;
  bootstrap: string;
  topic: string;
  /** Records to produce, consume or send end to end. */
  records: number;
  /** Value bytes per record. */
  recordSize: number;
  /** Partitions of the topic when the tool creates it (and that consume/e2e read). */
  partitions: number;
  acks: AcksOption;
  batchBytes: number;
  lingerMs: number;
  /** Producers (each with its own TCP connection), records split evenly between them. */
  connections: number;
  /** Records per second over all connections; 0 = as fast as possible. */
  rate: number;
  /**
   * e2e: records sent (and received) before the measured ones and left out of the numbers.
   * The first seconds of a run measure the JIT and heap growth of broker and client, not a
   * steady state: at 10,000 records/s, p99 was 10-17 ms in seconds 0-1 and 2.8 ms by second 4.
   */
  warmupRecords: number;
  json: boolean;
  /** Base URL of the HTTP API; when set, the run goes over HTTP instead of CBOR-over-TCP. */
  httpUrl: string | null;
  /** Records per HTTP produce request. */
  httpBatchRecords: number;
  /** A run that makes no progress for this long fails. */
  idleTimeoutMs: number;
  requestTimeoutMs: number;
}

export const perfFlagSpecs: FlagSpecs = {
  bootstrap: { type: "string" },
  topic: { type: "string" },
  records: { type: "integer" },
  "record-size": { type: "integer" },
  partitions: { type: "integer" },
  acks: { type: "string" },
  "batch-bytes": { type: "integer" },
  "linger-ms": { type: "integer" },
  connections: { type: "integer" },
  rate: { type: "integer" },
  "warmup-records": { type: "integer" },
  json: { type: "boolean" },
  http: { type: "string" },
  "http-batch-records": { type: "integer" },
  "idle-timeout-ms": { type: "integer" },
  "request-timeout-ms": { type: "integer" },
};

export const perfUsage =
  "tributary perf produce|consume|e2e --topic T [--bootstrap HOST:PORT] [--records N] " +
  "[--record-size BYTES] [--partitions N] [--acks all|1|0] [--batch-bytes N] [--linger-ms N] " +
  "[--connections N] [--rate RECORDS_PER_S] [--warmup-records N] [--http URL [--http-batch-records N]] [--json]";

const RECORDS_MAX = 1_000_000_000;
const RECORD_SIZE_MAX = 16 * 1024 * 1024;

export function parsePerfArgs(argv: readonly string[]): PerfOptions {
  const [mode, ...rest] = argv;
  if (!(PERF_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`perf needs a mode: produce, consume or e2e; usage: ${perfUsage}`);
  }
  const args = parseArgs(rest, perfFlagSpecs);
  if (args.positionals.length > 0) {
    throw new UsageError(`unexpected argument "${args.positionals[0]}"; usage: ${perfUsage}`);
  }
  const topic = stringFlag(args, "topic");
  if (topic === undefined || topic === "") throw new UsageError("--topic is required");
  const isE2e = mode === "e2e";
  const rate = ranged(args, "rate", 0, 100_000_000, isE2e ? 10_000 : 0);
  return {
    mode: mode as PerfMode,
    bootstrap: stringFlag(args, "bootstrap") ?? defaultBootstrap,
    topic,
    records: ranged(args, "records", 1, RECORDS_MAX, 100_000),
    recordSize: ranged(args, "record-size", isE2e ? 8 : 0, RECORD_SIZE_MAX, 100),
    partitions: ranged(args, "partitions", 1, 10_000, 1),
    acks: parseAcks(stringFlag(args, "acks") ?? (isE2e ? "all" : "1")),
    batchBytes: ranged(args, "batch-bytes", 1, 64 * 1024 * 1024, 256 * 1024),
    lingerMs: ranged(args, "linger-ms", 0, 60_000, isE2e ? 0 : 5),
    connections: ranged(args, "connections", 1, 64, 1),
    rate,
    warmupRecords: ranged(args, "warmup-records", 0, RECORDS_MAX, isE2e ? warmupDefault(rate) : 0),
    json: boolFlag(args, "json"),
    httpUrl: parseHttpUrl(stringFlag(args, "http")),
    httpBatchRecords: ranged(args, "http-batch-records", 1, 100_000, 100),
    idleTimeoutMs: ranged(args, "idle-timeout-ms", 100, 3_600_000, 30_000),
    requestTimeoutMs: ranged(args, "request-timeout-ms", 1, 3_600_000, 30_000),
  };
}

/** e2e warms up for WARMUP_SECONDS at the run's rate by default (none when unpaced). */
const WARMUP_SECONDS = 3;

function warmupDefault(rate: number): number {
  return Math.min(rate * WARMUP_SECONDS, RECORDS_MAX);
}

function ranged(
  args: ReturnType<typeof parseArgs>,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const value = intFlag(args, name) ?? fallback;
  if (value < min || value > max) {
    throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

export function parseAcks(text: string): AcksOption {
  if (text === "all" || text === "-1") return "all";
  if (text === "1") return 1;
  if (text === "0") return 0;
  throw new UsageError(`--acks must be all, 1 or 0, got "${text}"`);
}

function parseHttpUrl(text: string | undefined): string | null {
  if (text === undefined) return null;
  if (!/^https?:\/\/[^/]+/.test(text)) {
    throw new UsageError(`--http needs a URL like http://127.0.0.1:8080, got "${text}"`);
  }
  return text.replace(/\/+$/, "");
}
