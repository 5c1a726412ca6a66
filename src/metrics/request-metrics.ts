// Metric pieces the HTTP and CBOR-over-TCP servers share, so both protocols' series line up.
import type { MetricsRegistry } from "./registry.ts";

/** Request latencies run from sub-millisecond reads to 30 s long polls, in seconds. */
export const REQUEST_LATENCY_BUCKETS_SECONDS: readonly number[] = [
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

/**
 * Adds one protocol's series to tributary_open_connections. Both servers register the same
 * gauge, so its help text and labels must be spelled once.
 */
export function registerOpenConnections(
  registry: MetricsRegistry,
  protocol: "http" | "cbor",
  openConnections: () => number,
): void {
  registry.gauge(
    "tributary_open_connections",
    "Open client connections by protocol.",
    ["protocol"],
    () => [{ labels: { protocol }, value: openConnections() }],
  );
}
