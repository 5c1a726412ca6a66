// The CBOR-over-TCP listener: accepts connections and gives each its own ServerConnection.
// docs/protocol.md specifies what travels on these connections.

import type { Runtime, TimerHandle } from "../../../runtime/types.ts";
import type { BrokerApi } from "../../broker/types.ts";
import type { GroupServiceApi } from "../../coordinator/types.ts";
import { assert } from "../../errors.ts";
import type { MetricsRegistry } from "../../metrics/registry.ts";
import type { Logger } from "../../logging/logger.ts";
import { FRAME_BYTES_LIMIT, FRAME_BYTES_MAX_DEFAULT } from "./frame.ts";
import { ServerConnection } from "./server-connection.ts";
import { createServerMetrics } from "./server-metrics.ts";

export const IN_FLIGHT_MAX_DEFAULT = 128;
export const CONNECTIONS_MAX_DEFAULT = 10_000;
export const CLOSE_WAIT_MS_MAX_DEFAULT = 5_000;

export interface ProtocolServerOptions {
  host: string;
  /** 0 picks a free port (see ProtocolServer.port). */
  port: number;
  /** Largest request payload accepted (4-byte header not included). */
  frameBytesMax?: number;
  /** Requests handled at once per connection; reading pauses beyond it. */
  inFlightMax?: number;
  /** Connections beyond this are closed as soon as they are accepted. */
  connectionsMax?: number;
  /** How long close() lets in-flight requests finish before closing connections anyway. */
  closeWaitMsMax?: number;
  metrics?: MetricsRegistry;
  /** Told about failures that point at a bug or a host problem (for the server's log). */
  onUnexpectedError?: (err: unknown) => void;
  /** Connection and client-error events (rate-limited where a client can trigger them). */
  logger?: Logger;
  /** Server software version reported by ApiVersions. */
  version: string;
  /** The consumer-group coordinator; without it group operations are COORDINATOR_NOT_AVAILABLE. */
  groups?: GroupServiceApi;
}

export interface ProtocolServer {
  readonly port: number;
  openConnections(): number;
  /** Stops accepting, refuses new requests, lets in-flight ones finish (bounded), closes all. */
  close(): Promise<void>;
}

export async function serveProtocol(
  rt: Pick<Runtime, "net" | "timers" | "clock">,
  broker: BrokerApi,
  options: ProtocolServerOptions,
): Promise<ProtocolServer> {
  const frameBytesMax = options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT;
  const inFlightMax = options.inFlightMax ?? IN_FLIGHT_MAX_DEFAULT;
  const connectionsMax = options.connectionsMax ?? CONNECTIONS_MAX_DEFAULT;
  const closeWaitMsMax = options.closeWaitMsMax ?? CLOSE_WAIT_MS_MAX_DEFAULT;
  assert(frameBytesMax >= 1 && frameBytesMax <= FRAME_BYTES_LIMIT, "frameBytesMax out of range");
  assert(
    Number.isInteger(inFlightMax) && inFlightMax >= 1,
    "inFlightMax must be a positive integer",
  );
  assert(connectionsMax >= 1 && closeWaitMsMax >= 0, "connectionsMax and closeWaitMsMax");

  const connections = new Set<ServerConnection>();
  const metrics = createServerMetrics(options.metrics, () => connections.size);
  let closing = false;

  const listener = await rt.net.listen({ host: options.host, port: options.port }, (conn) => {
    if (closing || connections.size >= connectionsMax) {
      void conn.close();
      return;
    }
    const connection = new ServerConnection(conn, {
      broker,
      serverVersion: options.version,
      frameBytesMax,
      inFlightMax,
      clock: rt.clock,
      metrics,
      ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
      ...(options.groups ? { groups: options.groups } : {}),
    });
    connections.add(connection);
    void connection.done.finally(() => connections.delete(connection));
  });

  let closed: Promise<void> | null = null;
  async function shutdown(): Promise<void> {
    closing = true;
    await listener.close();
    const open = [...connections];
    for (const c of open) c.stop();
    const allIdle = Promise.all(open.map((c) => c.idle()));
    let timer: TimerHandle | undefined;
    const timeUp = new Promise<void>((
      resolve,
    ) => (timer = rt.timers.setTimeout(resolve, closeWaitMsMax)));
    await Promise.race([allIdle, timeUp]);
    timer?.cancel();
    await Promise.all(open.map((c) => c.finish()));
  }

  return {
    port: listener.port,
    openConnections: () => connections.size,
    close: () => (closed ??= shutdown()),
  };
}
