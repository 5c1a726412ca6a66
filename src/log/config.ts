// Per-partition log settings, named after Kafka's topic configs (segment.bytes, retention.ms, ...)
// so operators can carry their intuition over. resolveLogConfig() is the one place that checks
// ranges; everything downstream may assume a resolved config is sane.

import { TributaryError } from "../model/errors.ts";

/** cleanup.policy: retention deletes old segments, the cleaner compacts them, or both. */
export const CLEANUP_POLICIES = ["delete", "compact", "compact,delete"] as const;
export type CleanupPolicy = (typeof CLEANUP_POLICIES)[number];

export function policyDeletes(policy: CleanupPolicy): boolean {
  return policy !== "compact";
}

export function policyCompacts(policy: CleanupPolicy): boolean {
  return policy !== "delete";
}

export interface LogConfig {
  /** segment.bytes: a segment is rolled before a batch would take it past this size. */
  segmentBytes: number;
  /** segment.ms: a segment is rolled once its first batch (or its creation) is this old. */
  segmentMs: number;
  /** retention.ms: whole segments whose newest record is older are deleted; -1 = unlimited. */
  retentionMs: number;
  /** retention.bytes: oldest segments are deleted while the log is larger; -1 = unlimited. */
  retentionBytes: number;
  /** flush.messages: fsync once this many offsets are unflushed; Infinity = rely on the OS. */
  flushMessages: number;
  /** flush.ms: fsync at most this long after the first unflushed append; Infinity = never. */
  flushMs: number;
  /** index.interval.bytes: log bytes between two sparse index entries. */
  indexIntervalBytes: number;
  /** segment.index.bytes: bounds each index; a full index rolls the segment. */
  segmentIndexBytes: number;
  /** file.delete.delay.ms: deleted segment files linger (renamed *.deleted) this long. */
  fileDeleteDelayMs?: number;
  /** cleanup.policy: with "delete" retention applies; with "compact" the cleaner runs. */
  cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: a tombstone stays at least this long after the cleaner first saw it. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms: segments holding a record younger than this are not compacted. */
  minCompactionLagMs: number;
  /** min.cleanable.dirty.ratio: compact once dirty bytes / cleanable bytes reach it (0..1). */
  minCleanableDirtyRatio: number;
}

const GIB = 1024 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

export const defaultLogConfig: LogConfig = Object.freeze({
  segmentBytes: GIB,
  segmentMs: 7 * DAY_MS,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  flushMessages: Infinity,
  flushMs: Infinity,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10 * 1024 * 1024,
  fileDeleteDelayMs: 0,
  cleanupPolicy: "delete",
  deleteRetentionMs: DAY_MS,
  minCompactionLagMs: 0,
  minCleanableDirtyRatio: 0.5,
});

/** Positions in index entries are uint32, and Kafka caps segment.bytes at Int32.MAX as well. */
export const SEGMENT_BYTES_MAX = 0x7fff_ffff;
/** Smallest useful segment: one empty v2 batch header (61 bytes). */
export const SEGMENT_BYTES_MIN = 61;
/** Room for at least one offset index entry (8 bytes) and one time index entry (12 bytes). */
export const SEGMENT_INDEX_BYTES_MIN = 12;

/** Defaults, overridden by the given fields; throws INVALID_CONFIG on out-of-range values. */
export function resolveLogConfig(
  overrides: Partial<LogConfig> = {},
  base: LogConfig = defaultLogConfig,
): LogConfig {
  const config: LogConfig = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  checkInteger("segment.bytes", config.segmentBytes, SEGMENT_BYTES_MIN, SEGMENT_BYTES_MAX);
  checkInteger("segment.ms", config.segmentMs, 1, Number.MAX_SAFE_INTEGER);
  checkInteger("retention.ms", config.retentionMs, -1, Number.MAX_SAFE_INTEGER);
  checkInteger("retention.bytes", config.retentionBytes, -1, Number.MAX_SAFE_INTEGER);
  checkCountOrInfinity("flush.messages", config.flushMessages, 1);
  checkCountOrInfinity("flush.ms", config.flushMs, 0);
  checkInteger("index.interval.bytes", config.indexIntervalBytes, 0, SEGMENT_BYTES_MAX);
  checkInteger(
    "segment.index.bytes",
    config.segmentIndexBytes,
    SEGMENT_INDEX_BYTES_MIN,
    SEGMENT_BYTES_MAX,
  );
  checkInteger("file.delete.delay.ms", config.fileDeleteDelayMs ?? 0, 0, Number.MAX_SAFE_INTEGER);
  checkCompaction(config);
  return config;
}

function checkCompaction(config: LogConfig): void {
  if (!(CLEANUP_POLICIES as readonly string[]).includes(config.cleanupPolicy)) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `cleanup.policy must be one of ${CLEANUP_POLICIES.join(", ")}, got ${config.cleanupPolicy}`,
    );
  }
  checkInteger("delete.retention.ms", config.deleteRetentionMs, 0, Number.MAX_SAFE_INTEGER);
  checkInteger("min.compaction.lag.ms", config.minCompactionLagMs, 0, Number.MAX_SAFE_INTEGER);
  const ratio = config.minCleanableDirtyRatio;
  if (typeof ratio !== "number" || !(ratio >= 0 && ratio <= 1)) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `min.cleanable.dirty.ratio must be a number in [0, 1], got ${ratio}`,
    );
  }
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `${name} must be an integer in [${min}, ${max}], got ${value}`,
    );
  }
}

function checkCountOrInfinity(name: string, value: number, min: number): void {
  if (value === Infinity) return;
  checkInteger(name, value, min, Number.MAX_SAFE_INTEGER);
}

/** Kafka topic config names and the LogConfig field each one sets. */
export const LOG_CONFIG_NAMES = {
  "segment.bytes": "segmentBytes",
  "segment.ms": "segmentMs",
  "retention.ms": "retentionMs",
  "retention.bytes": "retentionBytes",
  "flush.messages": "flushMessages",
  "flush.ms": "flushMs",
  "index.interval.bytes": "indexIntervalBytes",
  "segment.index.bytes": "segmentIndexBytes",
  "file.delete.delay.ms": "fileDeleteDelayMs",
  "delete.retention.ms": "deleteRetentionMs",
  "min.compaction.lag.ms": "minCompactionLagMs",
} as const satisfies Record<string, keyof LogConfig>;

const POLICY_NAME = "cleanup.policy";
const DIRTY_RATIO_NAME = "min.cleanable.dirty.ratio";

/**
 * Kafka-named string configs (as topics carry them) to LogConfig fields. Names this module does
 * not own are ignored, so callers can pass a topic's whole config map. Kafka spells "never
 * flush" as Long.MAX_VALUE; that and "Infinity" both map to Infinity.
 */
export function logConfigFromKafka(configs: Record<string, string>): Partial<LogConfig> {
  const out: Partial<LogConfig> = {};
  for (const [name, field] of Object.entries(LOG_CONFIG_NAMES)) {
    const text = configs[name];
    if (text === undefined) continue;
    out[field] = parseConfigNumber(name, text);
  }
  const policy = configs[POLICY_NAME];
  if (policy !== undefined) out.cleanupPolicy = parsePolicy(policy);
  const ratio = configs[DIRTY_RATIO_NAME];
  if (ratio !== undefined) out.minCleanableDirtyRatio = parseRatio(ratio);
  resolveLogConfig(out);
  return out;
}

/** The inverse of logConfigFromKafka: every field as a Kafka-named string. */
export function logConfigToKafka(config: LogConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, field] of Object.entries(LOG_CONFIG_NAMES)) {
    const value = config[field] ?? 0;
    out[name] = value === Infinity ? LONG_MAX_TEXT : String(value);
  }
  out[POLICY_NAME] = config.cleanupPolicy;
  out[DIRTY_RATIO_NAME] = String(config.minCleanableDirtyRatio);
  return out;
}

const LONG_MAX_TEXT = "9223372036854775807";

function parseConfigNumber(name: string, text: string): number {
  const trimmed = text.trim();
  if (trimmed === LONG_MAX_TEXT || trimmed === "Infinity") return Infinity;
  if (!/^-?\d+$/.test(trimmed)) {
    throw new TributaryError("INVALID_CONFIG", `${name} must be an integer, got "${text}"`);
  }
  return Number(trimmed);
}

/** "compact, delete" and "delete,compact" both mean "compact,delete". */
function parsePolicy(text: string): CleanupPolicy {
  const parts = [...new Set(text.split(",").map((part) => part.trim()))].sort();
  const policy = parts.join(",");
  if (!(CLEANUP_POLICIES as readonly string[]).includes(policy)) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `${POLICY_NAME} must be delete, compact or compact,delete; got "${text}"`,
    );
  }
  return policy as CleanupPolicy;
}

function parseRatio(text: string): number {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(trimmed)) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `${DIRTY_RATIO_NAME} must be a number, got "${text}"`,
    );
  }
  return Number(trimmed);
}
