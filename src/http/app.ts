// The HTTP API (Hono): wiring, request metrics and the one error mapping. Routes live in
// routes/*, codecs in codec.ts, validation in validate.ts. docs/http.md describes every endpoint.

import { Hono } from "hono";
import type { Context, Next } from "hono";
import { matchedRoutes, routePath } from "hono/route";
import type { BrokerApi } from "../broker/types.ts";
import type { Histogram } from "../metrics/registry.ts";
import {
  registerOpenConnections,
  REQUEST_LATENCY_BUCKETS_SECONDS,
} from "../metrics/request-metrics.ts";
import { silentLogger } from "../logging/logger.ts";
import { RateLimitedLog } from "../logging/rate-limit.ts";
import { contentTypeCheck } from "./content-type.ts";
import { cors, corsPolicy } from "./cors.ts";
import { mapError } from "./error-map.ts";
import { hostCheck } from "./host-check.ts";
import { queryCheck } from "./query-check.ts";
import { methodCheck, RouteMethods } from "./route-methods.ts";
import { reply } from "./reply.ts";
import type { HttpAppOptions, HttpDeps } from "./reply.ts";
import {
  BODY_BYTES_MAX_DEFAULT,
  FETCH_WAIT_MS_MAX_DEFAULT,
  SSE_HEARTBEAT_MS_DEFAULT,
} from "./reply.ts";
import type { GroupServiceApi } from "../coordinator/types.ts";
import type { HttpMembers } from "../coordinator/http-members.ts";
import { clusterApiOf, type HttpClusterApi } from "./cluster-api.ts";
import { FORWARD_TIMEOUT_MS_DEFAULT, Forwarder } from "./forward.ts";
import type { ForwardTargets } from "./forward-targets.ts";
import { ErrorCode } from "../model/errors.ts";
import { registerClusterRoutes } from "./routes/cluster.ts";
import { registerForwarding } from "./routes/forwarding.ts";
import { registerGroupRoutes } from "./routes/groups.ts";
import { RAW_PRODUCE_ROUTES, registerRecordRoutes } from "./routes/records.ts";
import { registerStreamRoute } from "./routes/stream.ts";
import { registerTopicRoutes } from "./routes/topics.ts";

export type { HttpAppOptions } from "./reply.ts";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The consumer-group parts of the HTTP API; without them group routes answer 503. */
export interface HttpGroupOptions {
  groups?: GroupServiceApi;
  httpMembers?: HttpMembers;
}

/**
 * The cluster parts (cluster-api.ts, forward-targets.ts); each one absent answers as a single
 * node would. With forwardTarget or coordinatorTarget the app forwards (forward.ts), which
 * needs `timers` too.
 */
export interface HttpClusterOptions {
  cluster?: Partial<HttpClusterApi & ForwardTargets>;
}

export function createHttpApp(
  broker: BrokerApi,
  options: HttpAppOptions & HttpGroupOptions & HttpClusterOptions,
): Hono {
  const report = unexpectedReporter(options);
  const settings = {
    bodyBytesMax: options.bodyBytesMax ?? BODY_BYTES_MAX_DEFAULT,
    fetchWaitMsMax: options.fetchWaitMsMax ?? FETCH_WAIT_MS_MAX_DEFAULT,
    sseHeartbeatMs: options.sseHeartbeatMs ?? SSE_HEARTBEAT_MS_DEFAULT,
    shutdownSignal: options.shutdownSignal,
  };
  const deps: HttpDeps = {
    broker,
    random: options.random,
    clock: options.clock,
    ...settings,
    onUnexpectedError: (err) => report(err, {}),
    forwarder: forwarderOf(broker, options, settings),
  };
  const app = new Hono();
  const routes = new RouteMethods(() => app.routes);
  const policy = corsPolicy(options.corsOrigins ?? []);
  app.use("*", requestMetrics(options));
  // Order matters: a refused Host gets no CORS headers; every later answer (preflights, 405,
  // 415, route errors, SSE) carries them for a listed origin.
  const hosts = options.listenHost === undefined
    ? null
    : hostCheck({ listenHost: options.listenHost, allowedHosts: options.allowedHosts ?? [] });
  if (hosts !== null) app.use("*", hosts);
  app.use("*", cors(policy, routes));
  app.use("*", methodCheck(routes));
  app.use("*", queryCheck());
  app.use("*", contentTypeCheck(RAW_PRODUCE_ROUTES));
  registerForwarding(app, deps);

  // Degraded storage keeps 200: the broker still serves (docs/http.md, "Health").
  app.get("/v1/health", (c) => {
    const storage = broker.health?.() ?? { status: "ok" };
    return reply(c, {
      ...storage,
      nodeId: options.nodeId,
      runtime: options.runtimeName,
      version: options.version,
    });
  });
  app.get("/metrics", () => {
    return new Response(options.metrics.render(), {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    });
  });
  registerTopicRoutes(app, deps);
  registerClusterRoutes(app, deps, clusterApiOf(broker, options.cluster));
  registerRecordRoutes(app, deps);
  registerStreamRoute(app, deps);
  registerGroupRoutes(app, deps, { groups: options.groups, httpMembers: options.httpMembers });

  app.notFound((c) => {
    const message = `no route for ${c.req.method} ${new URL(c.req.url).pathname}`;
    return reply(c, { error: { code: "NOT_FOUND", message } }, 404);
  });
  app.onError((err, c) => {
    const mapped = mapError(err);
    if (mapped.unexpected) {
      report(err, { method: c.req.method, path: new URL(c.req.url).pathname.slice(0, 200) });
    }
    const response = reply(c, mapped.body, mapped.status);
    // Leadership and availability errors clear up within a metadata refresh; say when to retry.
    const code = mapped.body.error.code;
    if (ErrorCode[code].retriable && (mapped.status === 503 || mapped.status === 504)) {
      response.headers.set("retry-after", String(RETRY_AFTER_SECONDS));
    }
    return response;
  });
  return app;
}

const RETRY_AFTER_SECONDS = 1;

/** A forwarder when the composition gave forwarding targets; none on a single node. */
function forwarderOf(
  broker: BrokerApi,
  options: HttpAppOptions & HttpClusterOptions,
  settings: Pick<HttpDeps, "bodyBytesMax" | "fetchWaitMsMax" | "sseHeartbeatMs" | "shutdownSignal">,
): Forwarder | null {
  const forwardTarget = options.cluster?.forwardTarget;
  const coordinatorTarget = options.cluster?.coordinatorTarget;
  if (forwardTarget === undefined && coordinatorTarget === undefined) return null;
  if (options.timers === undefined) {
    throw new TypeError("createHttpApp: forwarding targets need `timers` for their deadlines");
  }
  return new Forwarder({
    broker,
    nodeId: options.nodeId,
    timers: options.timers,
    fetch: options.forwardFetch ?? ((request) => fetch(request)),
    timeoutMs: options.forwardTimeoutMs ?? FORWARD_TIMEOUT_MS_DEFAULT,
    ...settings,
    forwardTarget: forwardTarget ?? (() => null),
    coordinatorTarget: coordinatorTarget ?? (() => null),
    onFailure: forwardFailureLog(options),
  });
}

/** http.forward_failed, rate-limited: every client request to a dead leader would log it. */
function forwardFailureLog(options: HttpAppOptions): (target: string, why: string) => void {
  const log = new RateLimitedLog(options.logger ?? silentLogger, {
    intervalMs: 60_000,
    perIntervalMax: 10,
    monotonicMs: () => options.clock.monotonicMs(),
  });
  return (target, why) => {
    log.log(
      "warn",
      "http.forward",
      "http.forward_failed",
      `forwarding to ${target} failed: ${why}`,
      {
        target,
        reason: why,
      },
    );
  };
}

/**
 * Unexpected errors (500s, broken SSE streams) go to onUnexpectedError when the embedder gave one
 * (serve logs them there), else to the logger as http.unexpected_error, rate-limited since a
 * client can trigger the same bug over and over.
 */
function unexpectedReporter(
  options: HttpAppOptions,
): (err: unknown, fields: Record<string, string>) => void {
  const onUnexpectedError = options.onUnexpectedError;
  if (onUnexpectedError !== undefined) return (err) => onUnexpectedError(err);
  const log = new RateLimitedLog(options.logger ?? silentLogger, {
    intervalMs: 60_000,
    perIntervalMax: 10,
    monotonicMs: () => options.clock.monotonicMs(),
  });
  return (err, fields) => {
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    log.log("error", "http", "http.unexpected_error", `unexpected error: ${error}`, {
      ...fields,
      error,
    });
  };
}

function requestMetrics(options: HttpAppOptions): (c: Context, next: Next) => Promise<void> {
  const { metrics, clock, openConnections } = options;
  const latency: Histogram = metrics.histogram(
    "tributary_http_request_duration_seconds",
    "HTTP request latency until the response starts, by route pattern, method and status class.",
    ["route", "method", "status"],
    REQUEST_LATENCY_BUCKETS_SECONDS,
  );
  if (openConnections !== undefined) registerOpenConnections(metrics, "http", openConnections);
  return async (c, next) => {
    const startMs = clock.monotonicMs();
    await next();
    // Route patterns and status classes only: raw paths would make label values unbounded.
    // The route's own pattern, also when a middleware answered for it (a forwarded request).
    const pattern = matchedRoutes(c).find((r) => r.method !== "ALL")?.path ?? routePath(c);
    const route = pattern === "/*" || pattern === "*" || pattern === "" ? "unmatched" : pattern;
    const method = METHODS.has(c.req.method) ? c.req.method : "OTHER";
    const status = `${Math.floor(c.res.status / 100)}xx`;
    latency.observe({ route, method, status }, (clock.monotonicMs() - startMs) / 1000);
  };
}
