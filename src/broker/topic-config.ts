// Per-topic configs: the Kafka names we support, their types, defaults and bounds, and how they
// map onto the log's LogConfig. Values are kept as canonical strings (as Kafka shows them) so
// they persist and describe unchanged; numbers are parsed only at the mapping.
import { TributaryError } from "../model/errors.ts";
import { type LogConfig, logConfigFromKafka, resolveLogConfig } from "../log/config.ts";

const INT32_MAX = 2n ** 31n - 1n;
// Offsets and times are JS numbers: larger values could not be honoured exactly.
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
/** Kafka's Long.MAX_VALUE, its spelling of "never" for flush.messages and flush.ms. */
const LONG_MAX_TEXT = "9223372036854775807";

type IntSpec = { kind: "int"; default: string; min: bigint; max: bigint; never?: boolean };
type ChoiceSpec = { kind: "choice"; default: string; choices: readonly string[] };
type PolicySpec = { kind: "policy"; default: string };
/** A number in [0, 1] (min.cleanable.dirty.ratio). */
type RatioSpec = { kind: "ratio"; default: string };
type ConfigSpec = IntSpec | ChoiceSpec | PolicySpec | RatioSpec;

// Defaults are Kafka's, except segment.bytes whose floor is raised so a tiny value cannot
// turn every batch into its own pair of files.
export const TOPIC_CONFIGS = {
  "retention.ms": { kind: "int", default: "604800000", min: -1n, max: SAFE_MAX },
  "retention.bytes": { kind: "int", default: "-1", min: -1n, max: SAFE_MAX },
  "segment.bytes": { kind: "int", default: "1073741824", min: 1024n, max: INT32_MAX },
  "segment.ms": { kind: "int", default: "604800000", min: 1n, max: SAFE_MAX },
  "max.message.bytes": { kind: "int", default: "1048588", min: 0n, max: INT32_MAX },
  "cleanup.policy": { kind: "policy", default: "delete" },
  "delete.retention.ms": { kind: "int", default: "86400000", min: 0n, max: SAFE_MAX },
  "min.compaction.lag.ms": { kind: "int", default: "0", min: 0n, max: SAFE_MAX },
  "min.cleanable.dirty.ratio": { kind: "ratio", default: "0.5" },
  "flush.messages": { kind: "int", default: LONG_MAX_TEXT, min: 1n, max: SAFE_MAX, never: true },
  "flush.ms": { kind: "int", default: LONG_MAX_TEXT, min: 0n, max: SAFE_MAX, never: true },
  "message.timestamp.type": {
    kind: "choice",
    default: "CreateTime",
    choices: ["CreateTime", "LogAppendTime"],
  },
  "min.insync.replicas": { kind: "int", default: "1", min: 1n, max: INT32_MAX },
  // "producer" keeps each batch as its producer compressed it; a codec (or "uncompressed")
  // makes the broker re-encode every batch that differs into it on append, as Kafka does.
  "compression.type": {
    kind: "choice",
    default: "producer",
    choices: ["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"],
  },
} as const satisfies Record<string, ConfigSpec>;

export type TopicConfigName = keyof typeof TOPIC_CONFIGS;
export type TimestampType = "CreateTime" | "LogAppendTime";

/** What the broker itself (not the log) enforces per topic. */
export interface TopicPolicy {
  maxMessageBytes: number;
  timestampType: TimestampType;
  cleanupPolicy: string;
  minInsyncReplicas: number;
  /** compression.type as an attributes codec code; absent for "producer" (keep as sent). */
  compression?: number;
}

const COMPRESSION_CODES: Readonly<Record<string, number>> = {
  uncompressed: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
};

export function isTopicConfigName(name: string): name is TopicConfigName {
  return Object.hasOwn(TOPIC_CONFIGS, name);
}

/**
 * Validates configs given by a user (or broker defaults) and returns them in canonical form.
 * Unknown names and bad values throw INVALID_CONFIG.
 */
export function normalizeTopicConfigs(configs: unknown): Record<string, string> {
  if (configs === undefined || configs === null) return {};
  if (typeof configs !== "object" || Array.isArray(configs)) {
    throw new TributaryError("INVALID_CONFIG", "configs must be an object of name -> value");
  }
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(configs)) {
    if (!isTopicConfigName(name)) {
      throw new TributaryError("INVALID_CONFIG", `unknown topic config "${name}"`);
    }
    out[name] = normalizeValue(name, raw);
  }
  return out;
}

function normalizeValue(name: TopicConfigName, raw: unknown): string {
  const text = typeof raw === "number" && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof text !== "string") {
    throw new TributaryError("INVALID_CONFIG", `config "${name}" must be a string`);
  }
  const spec: ConfigSpec = TOPIC_CONFIGS[name];
  const value = text.trim();
  if (spec.kind === "int") return normalizeInt(name, spec, value);
  if (spec.kind === "choice") {
    if (!spec.choices.includes(value)) {
      throw new TributaryError(
        "INVALID_CONFIG",
        `config "${name}" must be one of ${spec.choices.join(", ")}, got "${value}"`,
      );
    }
    return value;
  }
  if (spec.kind === "ratio") return normalizeRatio(name, value);
  return normalizePolicy(name, value);
}

function normalizeRatio(name: string, value: string): string {
  const ratio = /^(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `config "${name}" must be a number in [0, 1], got "${value}"`,
    );
  }
  return String(ratio);
}

function normalizeInt(name: string, spec: IntSpec, value: string): string {
  if (!/^[+-]?\d{1,20}$/.test(value)) {
    throw new TributaryError("INVALID_CONFIG", `config "${name}" must be an integer`);
  }
  const n = BigInt(value);
  if (spec.never === true && n.toString() === LONG_MAX_TEXT) return LONG_MAX_TEXT;
  if (n < spec.min || n > spec.max) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `config "${name}" must be in [${spec.min}, ${spec.max}], got ${value}`,
    );
  }
  return n.toString();
}

function normalizePolicy(name: string, value: string): string {
  const parts = value.split(",").map((p) => p.trim());
  const set = new Set(parts);
  const known = parts.every((p) => p === "delete" || p === "compact");
  if (!known || set.size !== parts.length) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `config "${name}" must be delete, compact or compact,delete; got "${value}"`,
    );
  }
  return [...set].sort().join(",");
}

/** Every supported config with its effective value: explicit, then broker default, then Kafka's. */
export function effectiveTopicConfigs(
  explicit: Record<string, string>,
  brokerDefaults: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(TOPIC_CONFIGS) as TopicConfigName[]) {
    out[name] = explicit[name] ?? brokerDefaults[name] ?? TOPIC_CONFIGS[name].default;
  }
  return out;
}

/** Where a topic config's value comes from (Kafka's config sources). */
export type TopicConfigSource = "topic" | "broker" | "default";

export interface TopicConfigEntry {
  name: TopicConfigName;
  value: string;
  source: TopicConfigSource;
}

/** Every supported config, by name, with its effective value and source. */
export function configEntriesOf(
  explicit: Record<string, string>,
  brokerDefaults: Record<string, string> = {},
): TopicConfigEntry[] {
  return (Object.keys(TOPIC_CONFIGS) as TopicConfigName[]).sort().map((name) => {
    if (explicit[name] !== undefined) return { name, value: explicit[name], source: "topic" };
    if (brokerDefaults[name] !== undefined) {
      return { name, value: brokerDefaults[name], source: "broker" };
    }
    return { name, value: TOPIC_CONFIGS[name].default, source: "default" };
  });
}

/** The log-level part of a topic's effective configs, on top of the log's own defaults. */
export function logConfigOf(effective: Record<string, string>, base?: LogConfig): LogConfig {
  return resolveLogConfig(logConfigFromKafka(effective), base);
}

function toNumber(effective: Record<string, string>, name: TopicConfigName): number {
  return Number(effective[name] ?? TOPIC_CONFIGS[name].default);
}

export function topicPolicyOf(effective: Record<string, string>): TopicPolicy {
  const timestampType = effective["message.timestamp.type"] === "LogAppendTime"
    ? "LogAppendTime"
    : "CreateTime";
  return {
    maxMessageBytes: toNumber(effective, "max.message.bytes"),
    timestampType,
    cleanupPolicy: effective["cleanup.policy"] ?? TOPIC_CONFIGS["cleanup.policy"].default,
    minInsyncReplicas: toNumber(effective, "min.insync.replicas"),
    ...compressionOf(effective["compression.type"]),
  };
}

function compressionOf(value: string | undefined): { compression?: number } {
  if (value === undefined || !Object.hasOwn(COMPRESSION_CODES, value)) return {};
  return { compression: COMPRESSION_CODES[value] };
}
