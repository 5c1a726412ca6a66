// What the protocol server reports to a MetricsRegistry. Label values come from fixed sets
// (operation names, error code names), so series stay bounded whatever peers send.

import type { Counter, Histogram, MetricsRegistry } from "../../../metrics/registry.ts";
import {
  registerOpenConnections,
  REQUEST_LATENCY_BUCKETS_SECONDS,
} from "../../../metrics/request-metrics.ts";

export type RefusalReason = "max.connections" | "max.connections.per.ip";

export interface ServerMetrics {
  requestDone(op: string, seconds: number, errorCode: string | null): void;
  connectionRefused(reason: RefusalReason): void;
  idleClosed(): void;
  /** A one-way request (RaftMessage) that could not be handled and was dropped unanswered. */
  oneWayDropped(op: string): void;
}

export function createServerMetrics(
  registry: MetricsRegistry | undefined,
  openConnections: () => number,
  responseBytes: () => number = () => 0,
): ServerMetrics {
  if (registry === undefined) {
    return {
      requestDone: () => {},
      connectionRefused: () => {},
      idleClosed: () => {},
      oneWayDropped: () => {},
    };
  }
  const requests: Counter = registry.counter(
    "tributary_requests_total",
    "CBOR-over-TCP requests handled, by operation.",
    ["op"],
  );
  const errors: Counter = registry.counter(
    "tributary_request_errors_total",
    "CBOR-over-TCP requests answered with an error, by operation and error code.",
    ["op", "code"],
  );
  const latency: Histogram = registry.histogram(
    "tributary_request_duration_seconds",
    "CBOR-over-TCP request latency from decoding to the response being written, by operation.",
    ["op"],
    REQUEST_LATENCY_BUCKETS_SECONDS,
  );
  registerOpenConnections(registry, "cbor", openConnections);
  const refused: Counter = registry.counter(
    "tributary_connections_refused_total",
    "CBOR-over-TCP connections refused at accept, by the limit they hit.",
    ["reason"],
  );
  const idle: Counter = registry.counter(
    "tributary_connections_idle_closed_total",
    "CBOR-over-TCP connections closed for being idle (connections.max.idle.ms).",
  );
  const dropped: Counter = registry.counter(
    "tributary_one_way_dropped_total",
    "CBOR-over-TCP one-way requests (RaftMessage) dropped unanswered: malformed or unhandled.",
    ["op"],
  );
  registry.gauge(
    "tributary_response_bytes_held",
    "Encoded CBOR-over-TCP responses not yet taken by the OS, all connections (response.bytes.max).",
    [],
    () => [{ labels: {}, value: responseBytes() }],
  );
  return {
    connectionRefused: (reason) => refused.inc({ reason }),
    idleClosed: () => idle.inc(),
    oneWayDropped: (op) => dropped.inc({ op }),
    requestDone(op, seconds, errorCode) {
      requests.inc({ op });
      latency.observe({ op }, seconds);
      if (errorCode !== null) errors.inc({ op, code: errorCode });
    },
  };
}
