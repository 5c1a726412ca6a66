// One place that turns a body into a Response in the format the client asked for, and the
// settings every route module shares.

import type { Context } from "hono";
import type { Clock, Random, RuntimeName, Timers } from "../../runtime/types.ts";
import type { BrokerApi } from "../broker/types.ts";
import type { Logger } from "../logging/logger.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import { contentType, encodeResponse, responseFormat } from "./codec.ts";
import type { Forwarder, ForwardFetch } from "./forward.ts";

export interface HttpAppOptions {
  runtimeName: RuntimeName;
  version: string;
  nodeId: number;
  metrics: MetricsRegistry;
  /** Largest request body accepted (default 10 MiB). */
  bodyBytesMax?: number;
  random: Random;
  clock: Clock;
  /** Longest a fetch may wait (timeoutMs) and the SSE long-poll slice (default 30 s). */
  fetchWaitMsMax?: number;
  /** Time between SSE keepalive comments when a partition is idle (default 15 s). */
  sseHeartbeatMs?: number;
  /** Open HTTP connections, exported as tributary_open_connections{protocol="http"}. */
  openConnections?: () => number;
  /** Called with exceptions that became a 500, so the server can log them. */
  onUnexpectedError?: (err: unknown) => void;
  /**
   * Aborted when the server shuts down: waiting fetches answer at once and SSE streams end, so
   * they do not hold the listener's graceful close open until its grace period runs out.
   */
  shutdownSignal?: AbortSignal;
  /** Origins allowed to call the API from a browser (CORS); `*` for any. Default: none. */
  corsOrigins?: readonly string[];
  /**
   * The address the listener is bound to. When given, Host headers are checked (host-check.ts):
   * on a loopback address only loopback names are served, plus `allowedHosts`.
   */
  listenHost?: string;
  /** Host names served besides loopback ones (`*.example.com` suffixes, `*` for any). */
  allowedHosts?: readonly string[];
  /** Where unexpected errors go when there is no onUnexpectedError (http.unexpected_error). */
  logger?: Logger;
  /** Timers for forwarded requests' deadlines; required with the cluster forwarding targets. */
  timers?: Timers;
  /** How a forwarded request is sent (default: the web-standard `fetch`). */
  forwardFetch?: ForwardFetch;
  /** How long a forwarded answer may take to start, beyond the wait it asked for (30 s). */
  forwardTimeoutMs?: number;
}

/** Options with defaults applied: what route modules receive. */
export interface HttpDeps {
  broker: BrokerApi;
  random: Random;
  clock: Clock;
  bodyBytesMax: number;
  fetchWaitMsMax: number;
  sseHeartbeatMs: number;
  shutdownSignal: AbortSignal | undefined;
  onUnexpectedError: ((err: unknown) => void) | undefined;
  /** Null on a single node: nothing is ever forwarded. */
  forwarder: Forwarder | null;
}

export const BODY_BYTES_MAX_DEFAULT = 10 * 1024 * 1024;
export const FETCH_WAIT_MS_MAX_DEFAULT = 30_000;
export const SSE_HEARTBEAT_MS_DEFAULT = 15_000;

/** The request's own signal, joined with the server's shutdown signal when there is one. */
export function requestSignal(request: Request, deps: HttpDeps): AbortSignal {
  const shutdown = deps.shutdownSignal;
  return shutdown === undefined ? request.signal : AbortSignal.any([request.signal, shutdown]);
}

export function reply(c: Context, body: unknown, status = 200): Response {
  const format = responseFormat(c.req.raw);
  return new Response(encodeResponse(body, format) as BodyInit, {
    status,
    headers: { "content-type": contentType(format) },
  });
}
