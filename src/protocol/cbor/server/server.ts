// The CBOR-over-TCP listener: accepts connections and gives each its own ServerConnection.
// docs/protocol.md specifies what travels on these connections.
//
// Limits: connectionsMax in all and connectionsPerIpMax from one address (beyond them a new
// connection gets one connection-level error and is closed), a byte budget for the responses
// all connections hold unwritten (byte-budget.ts), and an idle timeout per connection.
//
// The same server is the broker listener (every operation) and, with `ops: "controller"`, a
// controller's listener (ApiVersions and the controller operations only), with the same limits.

import {
  type Connection,
  IoErrorCode,
  isIoError,
  type Runtime,
  type TimerHandle,
} from "../../../../runtime/types.ts";
import type { BrokerApi } from "../../../broker/types.ts";
import type { GroupServiceApi } from "../../../coordinator/types.ts";
import type { ControllerService, ReplicaService } from "../../../model/cluster.ts";
import { type ListenerOps, opsServedBy } from "../op-codes.ts";
import { assert, TributaryError } from "../../../model/errors.ts";
import type { MetricsRegistry } from "../../../metrics/registry.ts";
import { type Logger, silentLogger } from "../../../logging/logger.ts";
import { RateLimitedLog } from "../../../logging/rate-limit.ts";
import { ByteBudget } from "./byte-budget.ts";
import { CORRELATION_ID_CONNECTION, encodeResponseFrame } from "../envelope.ts";
import { FRAME_BYTES_LIMIT, FRAME_BYTES_MAX_DEFAULT } from "../frame.ts";
import { toWireError } from "../wire-error.ts";
import { ServerConnection } from "./connection.ts";
import { createServerMetrics, type RefusalReason } from "./metrics.ts";

export const IN_FLIGHT_MAX_DEFAULT = 128;
export const CONNECTIONS_MAX_DEFAULT = 10_000;
export const CONNECTIONS_PER_IP_MAX_DEFAULT = 2_147_483_647; // Kafka's: no limit
export const CLOSE_WAIT_MS_MAX_DEFAULT = 5_000;
/** Kafka's connections.max.idle.ms: 10 minutes. */
export const IDLE_MS_MAX_DEFAULT = 600_000;
/** Responses one connection may hold unwritten before it stops being read. */
export const CONNECTION_RESPONSE_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;
/** Responses all connections together may hold unwritten before reading stops everywhere. */
export const RESPONSE_BYTES_MAX_DEFAULT = 256 * 1024 * 1024;
/** Refusals and idle closes logged per peer address and minute (rate-limit.ts). */
const CONNECTION_EVENTS_PER_MINUTE_MAX = 5;

export interface ProtocolServerOptions {
  host: string;
  /** 0 picks a free port (see ProtocolServer.port). */
  port: number;
  /** Largest request payload accepted (4-byte header not included). */
  frameBytesMax?: number;
  /** Requests handled at once per connection; reading pauses beyond it. */
  inFlightMax?: number;
  /** Connections beyond this get a connection-level error and are closed (max.connections). */
  connectionsMax?: number;
  /** The same, counted per remote address (max.connections.per.ip). */
  connectionsPerIpMax?: number;
  /** A connection with nothing received and no request in flight this long is closed; 0: never. */
  idleMsMax?: number;
  /** Response bytes one connection may hold unwritten; past it, it is not read. */
  connectionResponseBytesMax?: number;
  /** Response bytes all connections may hold unwritten; past it, none is read. */
  responseBytesMax?: number;
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
  /** The partition leader's side; without it replica operations are NOT_LEADER_OR_FOLLOWER. */
  replication?: ReplicaService;
  /** The active controller's side; without it controller operations are NOT_CONTROLLER. */
  controller?: ControllerService;
  /**
   * The operation table: "broker" (default) serves every operation; "controller" serves only
   * ApiVersions and the controller operations (the controller listener, docs/protocol.md §1).
   */
  ops?: ListenerOps;
}

export interface ProtocolServer {
  readonly port: number;
  openConnections(): number;
  /** Bytes of encoded responses all connections hold unwritten (the listener's budget). */
  responseBytes(): number;
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
  const connectionsPerIpMax = options.connectionsPerIpMax ?? CONNECTIONS_PER_IP_MAX_DEFAULT;
  const idleMsMax = options.idleMsMax ?? IDLE_MS_MAX_DEFAULT;
  const connectionResponseBytesMax = options.connectionResponseBytesMax ??
    CONNECTION_RESPONSE_BYTES_MAX_DEFAULT;
  const listenerBudget = new ByteBudget(options.responseBytesMax ?? RESPONSE_BYTES_MAX_DEFAULT);
  assert(frameBytesMax >= 1 && frameBytesMax <= FRAME_BYTES_LIMIT, "frameBytesMax out of range");
  assert(
    Number.isInteger(inFlightMax) && inFlightMax >= 1,
    "inFlightMax must be a positive integer",
  );
  assert(connectionsMax >= 1 && closeWaitMsMax >= 0, "connectionsMax and closeWaitMsMax");
  assert(connectionsPerIpMax >= 1 && idleMsMax >= 0, "connectionsPerIpMax and idleMsMax");
  assert(
    Number.isSafeInteger(connectionResponseBytesMax) && connectionResponseBytesMax >= 1,
    "connectionResponseBytesMax",
  );
  const logger = options.logger ?? silentLogger;
  const events = new RateLimitedLog(logger, {
    intervalMs: 60_000,
    perIntervalMax: CONNECTION_EVENTS_PER_MINUTE_MAX,
    monotonicMs: () => rt.clock.monotonicMs(),
  });
  const perIp = new Map<string, number>();
  const served = opsServedBy(options.ops ?? "broker");

  const connections = new Set<ServerConnection>();
  const metrics = createServerMetrics(
    options.metrics,
    () => connections.size,
    () => listenerBudget.used,
  );
  let closing = false;

  function refusal(address: string): { reason: RefusalReason; message: string } | null {
    if (connections.size >= connectionsMax) {
      const message =
        `the broker has ${connections.size} connections (max.connections=${connectionsMax})`;
      return { reason: "max.connections", message };
    }
    const fromIp = perIp.get(address) ?? 0;
    if (fromIp >= connectionsPerIpMax) {
      const message =
        `${address} has ${fromIp} connections (max.connections.per.ip=${connectionsPerIpMax})`;
      return { reason: "max.connections.per.ip", message };
    }
    return null;
  }

  const listener = await rt.net.listen({ host: options.host, port: options.port }, (conn) => {
    if (closing) {
      void conn.close();
      return;
    }
    const address = conn.remoteAddress;
    const refused = refusal(address);
    if (refused !== null) {
      metrics.connectionRefused(refused.reason);
      events.log("warn", `refused ${address}`, "connection.refused", "connection refused", {
        remote: `${address}:${conn.remotePort}`,
        limit: refused.reason,
        reason: refused.message,
      });
      void refuse(conn, refused.message, options.onUnexpectedError);
      return;
    }
    perIp.set(address, (perIp.get(address) ?? 0) + 1);
    const connection = new ServerConnection(conn, {
      broker,
      serverVersion: options.version,
      frameBytesMax,
      inFlightMax,
      clock: rt.clock,
      timers: rt.timers,
      metrics,
      responseBytesMax: connectionResponseBytesMax,
      listenerBudget,
      idleMsMax,
      onIdleClose: (idleMs) => {
        metrics.idleClosed();
        events.log("info", `idle ${address}`, "connection.idle_closed", "idle connection closed", {
          remote: `${address}:${conn.remotePort}`,
          idleMs: Math.round(idleMs),
        });
      },
      onProtocolError: (err) => {
        events.log("warn", `protocol ${address}`, "client.protocol_error", err.message, {
          remote: `${address}:${conn.remotePort}`,
          code: err.code,
        });
      },
      ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
      ...(options.groups ? { groups: options.groups } : {}),
      ...(options.replication ? { replication: options.replication } : {}),
      ...(options.controller ? { controller: options.controller } : {}),
      served,
      onOneWayDropped: (op, error) => {
        metrics.oneWayDropped(op);
        events.log("warn", `one-way ${address}`, "request.one_way_dropped", error.message, {
          remote: `${address}:${conn.remotePort}`,
          op,
          code: error.code,
        });
      },
    });
    connections.add(connection);
    void connection.done.finally(() => {
      connections.delete(connection);
      const left = (perIp.get(address) ?? 1) - 1;
      if (left > 0) perIp.set(address, left);
      else perIp.delete(address);
    });
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
    responseBytes: () => listenerBudget.used,
    close: () => (closed ??= shutdown()),
  };
}

/**
 * A connection over a limit hears why (a connection-level error, docs/protocol.md §4.3) and is
 * closed; the peer is not waited for beyond what close() itself bounds.
 */
async function refuse(
  conn: Connection,
  reason: string,
  onUnexpectedError?: (err: unknown) => void,
): Promise<void> {
  const error = toWireError(
    new TributaryError("NETWORK_EXCEPTION", `connection refused: ${reason}`),
  );
  try {
    await conn.write(encodeResponseFrame(CORRELATION_ID_CONNECTION, error, null));
  } catch (err) {
    // A peer that left already needs no explanation; anything else is worth a report.
    const gone = isIoError(err, IoErrorCode.Closed) || isIoError(err, IoErrorCode.ConnectionReset);
    if (!gone) onUnexpectedError?.(err);
  }
  await conn.close();
}
