// `serve --config FILE`: broker settings from a file, either JSON (when the file starts with
// "{") or Java-style properties (key=value lines, # or ! comments), Kafka's names where Kafka
// has one. Command-line flags override the file. The README's CLI section lists every key.

import type { StartBrokerOptions } from "../server/start-broker.ts";
import type { ClusterSettings } from "../server/cluster-options.ts";
import { UsageError } from "../args/args.ts";
import { CLUSTER_CONFIG_KEYS, CLUSTER_JSON_KEYS, setClusterSetting } from "./cluster-config.ts";

/**
 * What a config file can set: the broker's options, the serve command's own (logging) and the
 * cluster settings (cluster-config.ts checks those once flags are in).
 */
export type ServeConfig = StartBrokerOptions & {
  logLevel?: string;
  logFormat?: string;
  cluster?: ClusterSettings;
};

type Setter = (options: ServeConfig, value: string) => void;

const int = (key: string, value: string): number => {
  if (!/^-?\d{1,16}$/.test(value.trim())) {
    throw new UsageError(`config ${key} needs an integer, got "${value}"`);
  }
  return Number(value.trim());
};
const bool = (key: string, value: string): boolean => {
  const v = value.trim().toLowerCase();
  if (v !== "true" && v !== "false") {
    throw new UsageError(`config ${key} needs true or false, got "${value}"`);
  }
  return v === "true";
};
/** A comma-separated list, entries trimmed, empty ones dropped. */
export const list = (value: string): string[] =>
  value.split(",").map((s) => s.trim()).filter((s) => s !== "");
const topicDefault = (name: string): Setter => (o, v) => {
  o.topicDefaults = { ...o.topicDefaults, [name]: v.trim() };
};

function groupSetting(
  key: string,
  field:
    | "classicInitialRebalanceDelayMs"
    | "classicSessionTimeoutMsMin"
    | "classicSessionTimeoutMsMax"
    | "classicMembersPerGroupMax",
): Setter {
  return (o, v) => {
    const n = int(key, v);
    if (n < 0) throw new UsageError(`config ${key} must not be negative, got ${n}`);
    o.groupCoordinator = { ...o.groupCoordinator, [field]: n };
  };
}

/** Properties keys (Kafka broker names where one exists) and what they set. */
const propertySetters: Record<string, Setter> = {
  "node.id": (o, v) => void (o.nodeId = int("node.id", v)),
  "data.dir": (o, v) => void (o.dataDir = v.trim()),
  "log.dir": (o, v) => void (o.dataDir = v.trim()),
  "log.dirs": (o, v) => void (o.dataDir = v.trim()),
  host: (o, v) => void (o.host = v.trim()),
  port: (o, v) => void (o.port = int("port", v)),
  "http.port": (o, v) => void (o.httpPort = int("http.port", v) < 0 ? null : int("http.port", v)),
  "kafka.port": (o, v) =>
    void (o.kafkaPort = int("kafka.port", v) < 0 ? null : int("kafka.port", v)),
  "socket.request.max.bytes": (o, v) =>
    void (o.kafkaRequestBytesMax = int("socket.request.max.bytes", v)),
  storage: (o, v) => void (o.storage = v.trim() as StartBrokerOptions["storage"]),
  "auto.create.topics.enable": (o, v) =>
    void (o.autoCreateTopics = bool("auto.create.topics.enable", v)),
  "num.partitions": (o, v) => void (o.defaultPartitions = int("num.partitions", v)),
  "log.open.files.max": (o, v) => void (o.openFilesMax = int("log.open.files.max", v)),
  "log.retention.ms": topicDefault("retention.ms"),
  "log.retention.bytes": topicDefault("retention.bytes"),
  "log.segment.bytes": topicDefault("segment.bytes"),
  "log.segment.ms": topicDefault("segment.ms"),
  "log.cleanup.policy": topicDefault("cleanup.policy"),
  "message.max.bytes": topicDefault("max.message.bytes"),
  "compression.type": topicDefault("compression.type"),
  "http.cors.origins": (o, v) => void (o.httpCorsOrigins = list(v)),
  "http.allowed.hosts": (o, v) => void (o.httpAllowedHosts = list(v)),
  "max.connections": (o, v) => void (o.connectionsMax = int("max.connections", v)),
  "max.connections.per.ip": (o, v) =>
    void (o.connectionsPerIpMax = int("max.connections.per.ip", v)),
  "connections.max.idle.ms": (o, v) =>
    void (o.connectionsIdleMsMax = int("connections.max.idle.ms", v)),
  "http.headers.timeout.ms": (o, v) =>
    void (o.httpHeadersTimeoutMs = int("http.headers.timeout.ms", v)),
  "connection.response.bytes.max": (o, v) =>
    void (o.connectionResponseBytesMax = int("connection.response.bytes.max", v)),
  "response.bytes.max": (o, v) => void (o.responseBytesMax = int("response.bytes.max", v)),
  "log.retention.check.interval.ms": (o, v) =>
    void (o.retentionCheckIntervalMs = int("log.retention.check.interval.ms", v)),
  "producer.id.expiration.ms": (o, v) =>
    void (o.producerIdExpirationMs = int("producer.id.expiration.ms", v)),
  "log.level": (o, v) => void (o.logLevel = v.trim()),
  "log.format": (o, v) => void (o.logFormat = v.trim()),
  // Kafka's classic group settings (docs/groups.md, "Classic groups").
  "group.initial.rebalance.delay.ms": groupSetting("group.initial.rebalance.delay.ms", "classicInitialRebalanceDelayMs"),
  "group.min.session.timeout.ms": groupSetting("group.min.session.timeout.ms", "classicSessionTimeoutMsMin"),
  "group.max.session.timeout.ms": groupSetting("group.max.session.timeout.ms", "classicSessionTimeoutMsMax"),
  "group.max.size": groupSetting("group.max.size", "classicMembersPerGroupMax"),
};

/** JSON keys (the camelCase option names) and their properties equivalent. */
const jsonKeys: Record<string, string> = {
  nodeId: "node.id",
  dataDir: "data.dir",
  host: "host",
  port: "port",
  httpPort: "http.port",
  kafkaPort: "kafka.port",
  kafkaRequestBytesMax: "socket.request.max.bytes",
  storage: "storage",
  autoCreateTopics: "auto.create.topics.enable",
  defaultPartitions: "num.partitions",
  httpCorsOrigins: "http.cors.origins",
  httpAllowedHosts: "http.allowed.hosts",
  connectionsMax: "max.connections",
  connectionsPerIpMax: "max.connections.per.ip",
  connectionsIdleMsMax: "connections.max.idle.ms",
  httpHeadersTimeoutMs: "http.headers.timeout.ms",
  connectionResponseBytesMax: "connection.response.bytes.max",
  responseBytesMax: "response.bytes.max",
  retentionCheckIntervalMs: "log.retention.check.interval.ms",
  producerIdExpirationMs: "producer.id.expiration.ms",
  openFilesMax: "log.open.files.max",
  logLevel: "log.level",
  groupInitialRebalanceDelayMs: "group.initial.rebalance.delay.ms",
  groupMinSessionTimeoutMs: "group.min.session.timeout.ms",
  groupMaxSessionTimeoutMs: "group.max.session.timeout.ms",
  groupMaxSize: "group.max.size",
  logFormat: "log.format",
};

export function parseServerConfig(text: string, fileName: string): ServeConfig {
  return text.trimStart().startsWith("{")
    ? parseJsonConfig(text, fileName)
    : parseProperties(text, fileName);
}

function parseProperties(text: string, fileName: string): ServeConfig {
  const options: ServeConfig = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const at = line.search(/[=:]/);
    if (at <= 0) throw new UsageError(`${fileName}:${i + 1}: expected key=value`);
    apply(options, line.slice(0, at).trim(), line.slice(at + 1), `${fileName}:${i + 1}`);
  }
  return options;
}

function parseJsonConfig(text: string, fileName: string): ServeConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `${fileName}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${fileName}: the JSON config must be an object`);
  }
  const options: ServeConfig = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key === "topicDefaults") {
      options.topicDefaults = stringRecord(value, `${fileName}: topicDefaults`);
      continue;
    }
    const property = Object.hasOwn(jsonKeys, key)
      ? jsonKeys[key]
      : Object.hasOwn(CLUSTER_JSON_KEYS, key)
      ? CLUSTER_JSON_KEYS[key]
      : undefined;
    if (property === undefined) throw new UsageError(`${fileName}: unknown config key "${key}"`);
    if (value === null && (key === "httpPort" || key === "kafkaPort")) {
      options[key] = null;
      continue;
    }
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      apply(options, property, value.join(","), fileName); // list keys: ["a", "b"] or "a,b"
      continue;
    }
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new UsageError(`${fileName}: ${key} must be a string, number or boolean`);
    }
    apply(options, property, String(value), fileName);
  }
  return options;
}

function apply(options: ServeConfig, key: string, value: string, where: string): void {
  const clusterField = CLUSTER_CONFIG_KEYS.get(key);
  if (clusterField !== undefined) {
    setClusterSetting(options.cluster ??= {}, clusterField, value);
    return;
  }
  const setter = Object.hasOwn(propertySetters, key) ? propertySetters[key] : undefined;
  if (setter === undefined) throw new UsageError(`${where}: unknown config key "${key}"`);
  setter(options, value);
}

function stringRecord(value: unknown, what: string): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`${what} must be an object`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) out[k] = String(v);
  return out;
}
