// What the protocol server reports to a MetricsRegistry. Label values come from fixed sets
// (operation names, error code names), so series stay bounded whatever peers send.

import type { Counter, Histogram, MetricsRegistry } from "../../metrics/registry.ts";

const LATENCY_BUCKETS_SECONDS = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
];

export interface ServerMetrics {
  requestDone(op: string, seconds: number, errorCode: string | null): void;
}

export function createServerMetrics(
  registry: MetricsRegistry | undefined,
  openConnections: () => number,
): ServerMetrics {
  if (registry === undefined) return { requestDone: () => {} };
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
    LATENCY_BUCKETS_SECONDS,
  );
  registry.gauge(
    "tributary_open_connections",
    "Open client connections by protocol.",
    ["protocol"],
    () => [{ labels: { protocol: "cbor" }, value: openConnections() }],
  );
  return {
    requestDone(op, seconds, errorCode) {
      requests.inc({ op });
      latency.observe({ op }, seconds);
      if (errorCode !== null) errors.inc({ op, code: errorCode });
    },
  };
}
