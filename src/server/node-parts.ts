// What every node composition shares (a single broker, a cluster node): the options and the
// running handle, the HTTP listener with its refusal counting, the fatal-invariant answer and
// the checks of user-given connection limits.
import type { Runtime } from "../../runtime/types.ts";
import type { Broker } from "../broker/broker.ts";
import type { GroupService } from "../coordinator/group-service.ts";
import type { HttpMembers } from "../coordinator/http-members.ts";
import type { GroupCoordinatorConfig } from "../group/mod.ts";
import { TributaryError } from "../model/errors.ts";
import { type InvariantViolation, onFatalInvariant } from "../model/invariant.ts";
import { createHttpApp } from "../http/app.ts";
import type { HttpClusterApi } from "../http/cluster-api.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import { CONNECTIONS_MAX_DEFAULT, IDLE_MS_MAX_DEFAULT } from "../protocol/cbor/server/server.ts";
import { VERSION } from "../version.ts";
import { type Logger, silentLogger } from "../logging/logger.ts";
import { RateLimitedLog } from "../logging/rate-limit.ts";
import type { Closer } from "./close-all.ts";

export interface StartBrokerOptions {
  /** Where the log lives with storage "disk" (default "./data"). */
  dataDir?: string;
  /** "memory": nothing touches the disk; everything is gone after close(). Default "disk". */
  storage?: "disk" | "memory";
  /** Interface both listeners bind (default 127.0.0.1). */
  host?: string;
  /** CBOR-over-TCP port (default 9093; 0 picks a free one). */
  port?: number;
  /** HTTP port (default 8080; 0 picks a free one; null or false: no HTTP listener). */
  httpPort?: number | null | false;
  /**
   * Kafka wire protocol port (docs/kafka.md; 0 picks a free one). Embedded brokers serve it only
   * when asked; `serve` defaults it to 9092. null or undefined: no Kafka listener.
   */
  kafkaPort?: number | null;
  /** socket.request.max.bytes: the largest Kafka request accepted (default 100 MiB). */
  kafkaRequestBytesMax?: number;
  nodeId?: number;
  /** Create unknown topics on first produce or metadata request (default false). */
  autoCreateTopics?: boolean;
  /** Broker-wide topic config defaults, Kafka names (e.g. {"retention.ms": "3600000"}). */
  topicDefaults?: Record<string, string>;
  /** Partitions of topics created without a count (default 1). */
  defaultPartitions?: number;
  /** producer.id.expiration.ms: idempotent producer state kept this long (default one day). */
  producerIdExpirationMs?: number;
  /** log.retention.check.interval.ms: how often retention runs (default 5 minutes). */
  retentionCheckIntervalMs?: number;
  /** Descriptors the data directory may hold open (log.open.files.max; default: half the limit). */
  openFilesMax?: number;
  /** Longest close() waits for in-flight requests before closing connections anyway. */
  shutdownGraceMsMax?: number;
  /** Origins whose browser pages may call the HTTP API (CORS), `*` for any; default none. */
  httpCorsOrigins?: readonly string[];
  /**
   * Host names the HTTP API serves besides loopback ones. On a loopback `host` only loopback
   * names are served without it (DNS rebinding protection); elsewhere, setting it restricts.
   */
  httpAllowedHosts?: readonly string[];
  /** Called with errors that became a 500 or broke a connection (server logging). */
  onUnexpectedError?: (err: unknown) => void;
  /** Where the broker's events go (`serve` writes them to stderr); default: nowhere. */
  logger?: Logger;
  /** Partitions of `__consumer_offsets` when it is created (default 10; Kafka's is 50). */
  offsetsTopicPartitions?: number;
  /** Consumer-group limits and defaults (session timeouts, group sizes; docs/groups.md). */
  groupCoordinator?: Partial<GroupCoordinatorConfig>;
  /** max.connections: connections each listener (CBOR, HTTP) keeps open at once (10,000). */
  connectionsMax?: number;
  /** max.connections.per.ip: connections from one address, per listener (default: no limit). */
  connectionsPerIpMax?: number;
  /** connections.max.idle.ms: idle connections are closed after this (10 min; 0: never). */
  connectionsIdleMsMax?: number;
  /** http.headers.timeout.ms: an HTTP request's headers must arrive within this (30 s). */
  httpHeadersTimeoutMs?: number;
  /** connection.response.bytes.max: unwritten response bytes one CBOR connection may hold. */
  connectionResponseBytesMax?: number;
  /** response.bytes.max: unwritten response bytes all CBOR connections together may hold. */
  responseBytesMax?: number;
}

/** http.headers.timeout.ms default: what Node's http server would use with requests this slow. */
export const HTTP_HEADERS_TIMEOUT_MS_DEFAULT = 30_000;

export interface RunningBroker {
  readonly nodeId: number;
  readonly host: string;
  /** The CBOR-over-TCP port actually bound. */
  readonly port: number;
  /** The HTTP port actually bound, or null without HTTP. */
  readonly httpPort: number | null;
  /** The Kafka wire protocol port actually bound, or null without that listener. */
  readonly kafkaPort: number | null;
  /** "host:port" of the CBOR listener, what clients take as bootstrap. */
  readonly bootstrap: string;
  /** "http://host:port", or null without HTTP. */
  readonly httpUrl: string | null;
  readonly broker: Broker;
  /** The consumer-group coordinator service. */
  readonly groups: GroupService;
  readonly metrics: MetricsRegistry;
  /** Stops accepting, lets in-flight requests finish (bounded), closes the log cleanly. */
  close(): Promise<void>;
}

/** What the composition root does beyond the options (not part of the package's API). */
export interface StartBrokerHooks {
  /**
   * Called once with the first invariant violation nothing contained, after it was logged
   * (`invariant.violated`); `serve` exits with EXIT_SOFTWARE here. Without it the broker closes
   * itself and hands the violation to onUnexpectedError: an embedding host process lives on.
   */
  onFatalInvariant?: (violation: InvariantViolation) => void;
}

/**
 * Registers this broker's answer to an invariant violation that reached code which could not
 * contain it (src/model/invariant.ts): one `invariant.violated` line, then `stop` (once). Returns the
 * registration's removal.
 */
export function stopOnFatalInvariant(
  logger: Logger,
  stop: (violation: InvariantViolation) => void,
): () => void {
  let stopped = false;
  return onFatalInvariant((violation, where) => {
    if (stopped) return;
    stopped = true;
    logger.error(
      "invariant.violated",
      `${violation.message} (caught in ${where}); the broker stops`,
      {
        invariant: violation.invariant,
        where,
        stack: (violation.stack ?? "").slice(0, STACK_CHARS_MAX),
      },
    );
    stop(violation);
  });
}

/** Enough of a violation's stack to find the assert and its callers. */
const STACK_CHARS_MAX = 2_000;

/** The HTTP listener, unless turned off; returns its port (or null) and registers its closers. */
export async function startHttp(
  rt: Runtime,
  broker: Broker,
  options: StartBrokerOptions & {
    host: string;
    nodeId: number;
    metrics: MetricsRegistry;
    groups: GroupService;
    httpMembers: HttpMembers;
    /** A cluster node's answers for the cluster routes (single-node answers without). */
    httpCluster?: Partial<HttpClusterApi>;
  },
  closers: Closer[],
): Promise<number | null> {
  if (options.httpPort === null || options.httpPort === false) return null;
  // Aborted first on close: long polls answer and SSE streams end instead of holding the
  // listener's graceful close open until its grace period runs out.
  const shutdown = new AbortController();
  const app = createHttpApp(broker, {
    runtimeName: rt.name,
    version: VERSION,
    nodeId: options.nodeId,
    metrics: options.metrics,
    random: rt.random,
    clock: rt.clock,
    shutdownSignal: shutdown.signal,
    groups: options.groups,
    httpMembers: options.httpMembers,
    ...(options.httpCluster
      ? { cluster: options.httpCluster, timers: rt.timers }
      // A single node grows its topics itself (its local controller).
      : { cluster: { createPartitions: (topic, count) => broker.createPartitions(topic, count) } }),
    listenHost: options.host,
    allowedHosts: options.httpAllowedHosts ?? [],
    corsOrigins: options.httpCorsOrigins ?? [],
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
  });
  const http = await rt.http.serve({
    host: options.host,
    port: options.httpPort ?? 8080,
    fetch: app.fetch,
    idleTimeoutMs: options.connectionsIdleMsMax ?? IDLE_MS_MAX_DEFAULT,
    headersTimeoutMs: options.httpHeadersTimeoutMs ?? HTTP_HEADERS_TIMEOUT_MS_DEFAULT,
    connectionsMax: options.connectionsMax ?? CONNECTIONS_MAX_DEFAULT,
    ...definedOnly({ connectionsPerIpMax: options.connectionsPerIpMax }),
    onRefused: httpRefusals(rt, options.logger ?? silentLogger, options.metrics),
  });
  closers.unshift({
    name: "http listener",
    close: () => {
      shutdown.abort();
      return http.close();
    },
  });
  return http.port;
}

type HttpServeOptions = Parameters<Runtime["http"]["serve"]>[0];

/** HTTP refusals logged per peer address and minute, as the CBOR listener does. */
const HTTP_REFUSALS_PER_MINUTE_MAX = 5;

/**
 * Counts and logs HTTP connections refused over a cap (client-triggerable, so the log is
 * rate-limited; the counter is not).
 */
export function httpRefusals(
  rt: Runtime,
  logger: Logger,
  metrics: MetricsRegistry,
): NonNullable<HttpServeOptions["onRefused"]> {
  const refused = metrics.counter(
    "tributary_http_connections_refused_total",
    "HTTP connections refused at accept, by the limit they hit.",
    ["reason"],
  );
  const events = new RateLimitedLog(logger, {
    intervalMs: 60_000,
    perIntervalMax: HTTP_REFUSALS_PER_MINUTE_MAX,
    monotonicMs: () => rt.clock.monotonicMs(),
  });
  return (refusal) => {
    refused.inc({ reason: refusal.limit });
    const address = refusal.remote.slice(0, refusal.remote.lastIndexOf(":"));
    events.log("warn", `refused http ${address}`, "connection.refused", "connection refused", {
      remote: refusal.remote,
      listener: "http",
      limit: refusal.limit,
      reason: refusal.reason,
    });
  };
}

export function running(parts: {
  nodeId: number;
  host: string;
  port: number;
  httpPort: number | null;
  kafkaPort?: number | null;
  broker: Broker;
  groups: GroupService;
  metrics: MetricsRegistry;
  close: () => Promise<void>;
}): RunningBroker {
  const hostInUrl = parts.host.includes(":") ? `[${parts.host}]` : parts.host;
  let closing: Promise<void> | null = null;
  return {
    nodeId: parts.nodeId,
    host: parts.host,
    port: parts.port,
    httpPort: parts.httpPort,
    kafkaPort: parts.kafkaPort ?? null,
    bootstrap: `${hostInUrl}:${parts.port}`,
    httpUrl: parts.httpPort === null ? null : `http://${hostInUrl}:${parts.httpPort}`,
    broker: parts.broker,
    groups: parts.groups,
    metrics: parts.metrics,
    close: () => (closing ??= parts.close()),
  };
}

/** The entries whose value is set, so unset options fall through to the listener's defaults. */
export function definedOnly<T extends Record<string, number | undefined>>(
  values: T,
): { [K in keyof T]?: number } {
  const out: { [K in keyof T]?: number } = {};
  for (const key of Object.keys(values) as Array<keyof T>) {
    const value = values[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Connection limits come from users (config files, flags): bad ones are INVALID_CONFIG. */
export function checkConnectionLimits(options: StartBrokerOptions): void {
  const limits: Array<[string, number | undefined, number]> = [
    ["max.connections", options.connectionsMax, 1],
    ["max.connections.per.ip", options.connectionsPerIpMax, 1],
    ["connections.max.idle.ms", options.connectionsIdleMsMax, 0],
    ["http.headers.timeout.ms", options.httpHeadersTimeoutMs, 1],
    ["connection.response.bytes.max", options.connectionResponseBytesMax, 1],
    ["response.bytes.max", options.responseBytesMax, 1],
  ];
  for (const [name, value, min] of limits) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
      throw new TributaryError(
        "INVALID_CONFIG",
        `${name} must be an integer >= ${min}, got ${String(value)}`,
      );
    }
  }
}
