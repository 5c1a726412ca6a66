// The cluster's `serve` settings (issue 11): config keys by Kafka's names, their flags, and the
// one check that turns them into ClusterServeOptions. Cluster mode starts only with a quorum
// (`--controller-quorum` / controller.quorum.voters); every other cluster setting without one
// is a mistake, said so, rather than silently ignored. min.insync.replicas also works on a
// single node: it is the broker-wide default of the topic config.

import { UsageError } from "../args/args.ts";
import { CLUSTER_DEFAULTS } from "../model/cluster.ts";
import type {
  ClusterServeOptions,
  ClusterSettings,
  ProcessRole,
  QuorumVoter,
} from "../server/cluster-options.ts";

// Kafka's key, spelled in two parts: test/src-purity reads "process" + "." anywhere in src/ as
// the host's global.
const PROCESS_ROLES_KEY = ["process", "roles"].join(".");

/** A setting's config key and, where it has one, its flag: how errors name it. */
const NAMES: Record<keyof ClusterSettings, { key: string; flag?: string; json: string }> = {
  processRoles: { key: PROCESS_ROLES_KEY, flag: "--process-roles", json: "processRoles" },
  quorumVoters: {
    key: "controller.quorum.voters",
    flag: "--controller-quorum",
    json: "controllerQuorumVoters",
  },
  controllerPort: { key: "controller.port", flag: "--controller-port", json: "controllerPort" },
  rack: { key: "broker.rack", flag: "--rack", json: "rack" },
  advertisedHost: { key: "advertised.host", flag: "--advertised-host", json: "advertisedHost" },
  brokerSessionTimeoutMs: { key: "broker.session.timeout.ms", json: "brokerSessionTimeoutMs" },
  brokerHeartbeatIntervalMs: {
    key: "broker.heartbeat.interval.ms",
    json: "brokerHeartbeatIntervalMs",
  },
  replicaLagTimeMaxMs: { key: "replica.lag.time.max.ms", json: "replicaLagTimeMaxMs" },
  minInsyncReplicas: { key: "min.insync.replicas", json: "minInsyncReplicas" },
  defaultReplicationFactor: {
    key: "default.replication.factor",
    json: "defaultReplicationFactor",
  },
  offsetsTopicReplicationFactor: {
    key: "offsets.topic.replication.factor",
    json: "offsetsTopicReplicationFactor",
  },
  uncleanLeaderElectionEnable: {
    key: "unclean.leader.election.enable",
    json: "uncleanLeaderElectionEnable",
  },
  autoLeaderRebalanceEnable: {
    key: "auto.leader.rebalance.enable",
    json: "autoLeaderRebalanceEnable",
  },
  controlledShutdownEnable: {
    key: "controlled.shutdown.enable",
    json: "controlledShutdownEnable",
  },
};

const VOTERS_MAX = 9;
const RACK_CHARS_MAX = 255;
const HOST_CHARS_MAX = 253;
const REPLICATION_FACTOR_MAX = 1_000;
const TIMEOUT_MS_MAX = 24 * 3600 * 1000;

/** The config key -> settings field for each cluster key (server-config.ts reads them). */
export const CLUSTER_CONFIG_KEYS: ReadonlyMap<string, keyof ClusterSettings> = new Map(
  (Object.keys(NAMES) as (keyof ClusterSettings)[]).map((field) => [NAMES[field].key, field]),
);

/** JSON config names (camelCase) -> config key. */
export const CLUSTER_JSON_KEYS: Readonly<Record<string, string>> = Object.fromEntries(
  (Object.keys(NAMES) as (keyof ClusterSettings)[]).map((f) => [NAMES[f].json, NAMES[f].key]),
);

const INTEGER_FIELDS = new Set<keyof ClusterSettings>([
  "controllerPort",
  "brokerSessionTimeoutMs",
  "brokerHeartbeatIntervalMs",
  "replicaLagTimeMaxMs",
  "minInsyncReplicas",
  "defaultReplicationFactor",
  "offsetsTopicReplicationFactor",
]);
const BOOLEAN_FIELDS = new Set<keyof ClusterSettings>([
  "uncleanLeaderElectionEnable",
  "autoLeaderRebalanceEnable",
  "controlledShutdownEnable",
]);

/** Sets one cluster setting from its config-file text (a type check only; resolve checks the rest). */
export function setClusterSetting(
  settings: ClusterSettings,
  field: keyof ClusterSettings,
  value: string,
): void {
  const text = value.trim();
  const { key } = NAMES[field];
  if (INTEGER_FIELDS.has(field)) {
    if (!/^-?\d{1,16}$/.test(text)) {
      throw new UsageError(`config ${key} needs an integer, got "${value}"`);
    }
    (settings as Record<string, unknown>)[field] = Number(text);
  } else if (BOOLEAN_FIELDS.has(field)) {
    const v = text.toLowerCase();
    if (v !== "true" && v !== "false") {
      throw new UsageError(`config ${key} needs true or false, got "${value}"`);
    }
    (settings as Record<string, unknown>)[field] = v === "true";
  } else {
    (settings as Record<string, unknown>)[field] = text;
  }
}

/**
 * The cluster options of one node, or null for today's single node (no quorum given). Every
 * inconsistency is a UsageError naming the flag or key.
 */
export function resolveClusterOptions(
  settings: ClusterSettings,
  node: { nodeId?: number; port?: number; httpPort?: number | null | false },
): ClusterServeOptions | null {
  if (settings.uncleanLeaderElectionEnable === true) {
    throw new UsageError(
      "unclean.leader.election.enable=true is not supported: a replica outside the ISR never " +
        "becomes leader (it would lose acknowledged records); leave it false",
    );
  }
  if (settings.quorumVoters === undefined) {
    const clusterOnly = (Object.keys(settings) as (keyof ClusterSettings)[]).filter((f) =>
      settings[f] !== undefined && f !== "minInsyncReplicas" &&
      f !== "uncleanLeaderElectionEnable"
    );
    if (clusterOnly.length > 0) {
      throw new UsageError(
        `${nameOf(clusterOnly[0])} applies to a cluster: give the quorum too ` +
          `(--controller-quorum ID@HOST:PORT,... or controller.quorum.voters)`,
      );
    }
    if (settings.minInsyncReplicas !== undefined) {
      positive("minInsyncReplicas", settings.minInsyncReplicas, REPLICATION_FACTOR_MAX);
    }
    return null;
  }
  const voters = parseQuorumVoters(settings.quorumVoters);
  if (node.nodeId === undefined) {
    throw new UsageError("a cluster node needs its own --node-id (node.id)");
  }
  const nodeId = node.nodeId;
  if (!Number.isSafeInteger(nodeId) || nodeId < 0) {
    throw new UsageError(`--node-id must be a non-negative integer, got ${nodeId}`);
  }
  const own = voters.find((v) => v.id === nodeId);
  const processRoles: readonly ProcessRole[] = settings.processRoles === undefined
    ? (own ? ["broker", "controller"] : ["broker"])
    : parseProcessRoles(settings.processRoles);
  const controller = processRoles.includes("controller");
  if (controller && own === undefined) {
    throw new UsageError(
      `node ${nodeId} has the controller role but is not in the quorum ` +
        `(${voters.map((v) => v.id).join(", ")}): add ${nodeId}@HOST:PORT to --controller-quorum`,
    );
  }
  if (!controller && own !== undefined) {
    throw new UsageError(
      `node ${nodeId} is a voter in --controller-quorum but --process-roles has no controller`,
    );
  }
  if (!controller && settings.controllerPort !== undefined) {
    throw new UsageError("--controller-port (controller.port) needs the controller role");
  }
  const controllerPort = controller
    ? portOf("controllerPort", settings.controllerPort ?? own!.port)
    : null;
  if (controllerPort !== null && controllerPort !== 0) {
    for (const [flag, port] of [["--port", node.port], ["--http-port", node.httpPort]] as const) {
      if (typeof port === "number" && port === controllerPort) {
        throw new UsageError(`the controller port ${controllerPort} is also ${flag}`);
      }
    }
  }
  const sessionMs = settings.brokerSessionTimeoutMs ?? CLUSTER_DEFAULTS.brokerSessionTimeoutMs;
  const heartbeatMs = settings.brokerHeartbeatIntervalMs ??
    CLUSTER_DEFAULTS.brokerHeartbeatIntervalMs;
  positive("brokerSessionTimeoutMs", sessionMs, TIMEOUT_MS_MAX);
  positive("brokerHeartbeatIntervalMs", heartbeatMs, TIMEOUT_MS_MAX);
  if (heartbeatMs >= sessionMs) {
    throw new UsageError(
      `broker.heartbeat.interval.ms (${heartbeatMs}) must be below ` +
        `broker.session.timeout.ms (${sessionMs}): else every broker is fenced between beats`,
    );
  }
  const replicaLagTimeMaxMs = settings.replicaLagTimeMaxMs ?? CLUSTER_DEFAULTS.replicaLagTimeMaxMs;
  positive("replicaLagTimeMaxMs", replicaLagTimeMaxMs, TIMEOUT_MS_MAX);
  const factor = (field: keyof ClusterSettings, fallback: number): number =>
    positive(field, (settings[field] as number | undefined) ?? fallback, REPLICATION_FACTOR_MAX);
  return {
    nodeId,
    processRoles,
    voters,
    controllerPort,
    rack: settings.rack === undefined ? null : rackOf(settings.rack),
    advertisedHost: settings.advertisedHost === undefined
      ? null
      : hostOf(settings.advertisedHost, "--advertised-host (advertised.host)"),
    brokerSessionTimeoutMs: sessionMs,
    brokerHeartbeatIntervalMs: heartbeatMs,
    replicaLagTimeMaxMs,
    minInsyncReplicas: factor("minInsyncReplicas", 1),
    defaultReplicationFactor: factor(
      "defaultReplicationFactor",
      CLUSTER_DEFAULTS.defaultReplicationFactor,
    ),
    offsetsTopicReplicationFactor: factor(
      "offsetsTopicReplicationFactor",
      CLUSTER_DEFAULTS.offsetsTopicReplicationFactor,
    ),
    uncleanLeaderElectionEnable: false,
    autoLeaderRebalanceEnable: settings.autoLeaderRebalanceEnable ?? true,
    controlledShutdownEnable: settings.controlledShutdownEnable ?? true,
  };
}

/** `1@127.0.0.1:9193,2@[::1]:9194`: ids and host:port pairs each once. */
export function parseQuorumVoters(text: string): QuorumVoter[] {
  const what = "--controller-quorum (controller.quorum.voters)";
  const entries = text.split(",").map((s) => s.trim());
  if (entries.length === 1 && entries[0] === "") {
    throw new UsageError(`${what} needs at least one ID@HOST:PORT`);
  }
  if (entries.length > VOTERS_MAX) {
    throw new UsageError(`${what} takes at most ${VOTERS_MAX} voters, got ${entries.length}`);
  }
  const voters: QuorumVoter[] = [];
  for (const entry of entries) {
    const m = /^(\d{1,9})@(\[[0-9A-Fa-f:.]+\]|[^\s@:[\]]+):(\d{1,5})$/.exec(entry);
    if (m === null) {
      throw new UsageError(`${what}: "${entry}" is not ID@HOST:PORT (e.g. 1@127.0.0.1:9193)`);
    }
    const port = Number(m[3]);
    if (port < 1 || port > 65535) {
      throw new UsageError(`${what}: "${entry}" needs a port between 1 and 65535`);
    }
    const host = m[2].startsWith("[") ? m[2].slice(1, -1) : hostOf(m[2], what);
    const voter = { id: Number(m[1]), host, port };
    if (voters.some((v) => v.id === voter.id)) {
      throw new UsageError(`${what}: voter id ${voter.id} is listed twice`);
    }
    const same = voters.find((v) => v.host === host && v.port === port);
    if (same !== undefined) {
      throw new UsageError(`${what}: voters ${same.id} and ${voter.id} share ${m[2]}:${port}`);
    }
    voters.push(voter);
  }
  return voters;
}

function parseProcessRoles(text: string): ProcessRole[] {
  const what = `--process-roles (${PROCESS_ROLES_KEY})`;
  const roles = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (roles.length === 0) throw new UsageError(`${what} needs broker, controller or both`);
  const out: ProcessRole[] = [];
  for (const role of roles) {
    if (role !== "broker" && role !== "controller") {
      throw new UsageError(`${what}: unknown role "${role}" (broker, controller)`);
    }
    if (out.includes(role)) throw new UsageError(`${what}: "${role}" is listed twice`);
    out.push(role);
  }
  return out;
}

function nameOf(field: keyof ClusterSettings): string {
  const { key, flag } = NAMES[field];
  return flag === undefined ? key : `${flag} (${key})`;
}

function positive(field: keyof ClusterSettings, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new UsageError(`${nameOf(field)} must be between 1 and ${max}, got ${value}`);
  }
  return value;
}

function portOf(field: keyof ClusterSettings, port: number): number {
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${nameOf(field)} must be between 0 and 65535, got ${port}`);
  }
  return port;
}

function hostOf(host: string, what: string): string {
  if (
    host === "" || host.length > HOST_CHARS_MAX || !/^[A-Za-z0-9._-]+$/.test(host) ||
    host.startsWith("-") || host.startsWith(".")
  ) {
    throw new UsageError(`${what}: "${host}" is not a host name or IPv4 address`);
  }
  return host;
}

function rackOf(rack: string): string {
  if (rack === "" || rack.length > RACK_CHARS_MAX || !/^[\x21-\x7e]+$/.test(rack)) {
    throw new UsageError(
      `--rack (broker.rack) must be 1 to ${RACK_CHARS_MAX} printable characters without spaces`,
    );
  }
  return rack;
}
