// The Kafka wire protocol listener (docs/kafka.md): accepts TCP connections and gives each a
// KafkaConnection over the same broker core as the CBOR and HTTP faces. Limits: connectionsMax
// connections at once (a connection beyond it is closed at once: Kafka has no way to say why
// before a request), socket.request.max.bytes per request, inFlightMax queued requests per
// connection, and connections.max.idle.ms.

import type { Runtime, TimerHandle } from "../../../../runtime/types.ts";
import type { BrokerApi } from "../../../broker/types.ts";
import type { ClassicGroupsApi } from "../../../coordinator/classic-types.ts";
import type { GroupServiceApi } from "../../../coordinator/types.ts";
import { assert } from "../../../model/errors.ts";
import { type Logger, silentLogger } from "../../../logging/logger.ts";
import { RateLimitedLog } from "../../../logging/rate-limit.ts";
import { REQUEST_BYTES_MAX_DEFAULT } from "../frame.ts";
import { KafkaConnection } from "./connection.ts";
import type { KafkaAdmin } from "./context.ts";

export const KAFKA_PORT_DEFAULT = 9092;
export const KAFKA_IN_FLIGHT_MAX_DEFAULT = 128;
export const KAFKA_CONNECTIONS_MAX_DEFAULT = 10_000;
/** Kafka's connections.max.idle.ms: 10 minutes. */
export const KAFKA_IDLE_MS_MAX_DEFAULT = 600_000;
export const KAFKA_CLOSE_WAIT_MS_MAX_DEFAULT = 5_000;
/** Client-triggered events logged per peer address and minute. */
const EVENTS_PER_MINUTE_MAX = 5;

export interface KafkaServerOptions {
  host: string;
  /** 0 picks a free port (see KafkaServer.port). */
  port: number;
  /** socket.request.max.bytes: the largest request accepted (size prefix not included). */
  requestBytesMax?: number;
  inFlightMax?: number;
  connectionsMax?: number;
  /** connections.max.idle.ms; 0: never. */
  idleMsMax?: number;
  closeWaitMsMax?: number;
  /** The group coordinator; without it group requests get COORDINATOR_NOT_AVAILABLE. */
  groups?: GroupServiceApi;
  /** The classic (JoinGroup) protocol of the same coordinator. */
  classic?: ClassicGroupsApi;
  logger?: Logger;
  /** What the admin APIs need beyond BrokerApi (context.ts); without it they are refused. */
  admin?: KafkaAdmin;
  onUnexpectedError?: (err: unknown) => void;
}

export interface KafkaServer {
  readonly port: number;
  openConnections(): number;
  /** Stops accepting, lets received requests finish (bounded), closes every connection. */
  close(): Promise<void>;
}

export async function serveKafka(
  rt: Pick<Runtime, "net" | "timers" | "clock">,
  broker: BrokerApi,
  options: KafkaServerOptions,
): Promise<KafkaServer> {
  const requestBytesMax = options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT;
  const inFlightMax = options.inFlightMax ?? KAFKA_IN_FLIGHT_MAX_DEFAULT;
  const connectionsMax = options.connectionsMax ?? KAFKA_CONNECTIONS_MAX_DEFAULT;
  const idleMsMax = options.idleMsMax ?? KAFKA_IDLE_MS_MAX_DEFAULT;
  const closeWaitMsMax = options.closeWaitMsMax ?? KAFKA_CLOSE_WAIT_MS_MAX_DEFAULT;
  assert(Number.isInteger(inFlightMax) && inFlightMax >= 1, "inFlightMax");
  assert(connectionsMax >= 1 && idleMsMax >= 0 && closeWaitMsMax >= 0, "kafka listener limits");
  const logger = options.logger ?? silentLogger;
  const events = new RateLimitedLog(logger, {
    intervalMs: 60_000,
    perIntervalMax: EVENTS_PER_MINUTE_MAX,
    monotonicMs: () => rt.clock.monotonicMs(),
  });
  const connections = new Set<KafkaConnection>();
  let closing = false;

  const listener = await rt.net.listen({ host: options.host, port: options.port }, (conn) => {
    if (closing || connections.size >= connectionsMax) {
      if (!closing) {
        events.log("warn", `refused ${conn.remoteAddress}`, "connection.refused", "refused", {
          remote: `${conn.remoteAddress}:${conn.remotePort}`,
          listener: "kafka",
          limit: "max.connections",
        });
      }
      void conn.close();
      return;
    }
    const address = conn.remoteAddress;
    const connection = new KafkaConnection(conn, {
      ctx: {
        broker,
        logger,
        ...(options.admin ? { admin: options.admin } : {}),
        clientHost: address,
        ...(options.groups ? { groups: options.groups } : {}),
        ...(options.classic ? { classic: options.classic } : {}),
        report: (event, message, fields) =>
          events.log("warn", `${event} ${address}`, event, message, {
            listener: "kafka",
            remote: `${address}:${conn.remotePort}`,
            ...fields,
          }),
      },
      requestBytesMax,
      inFlightMax,
      idleMsMax,
      timers: rt.timers,
      onClose: (event, message, fields) => {
        const level = event === "connection.idle_closed" ? "info" : "warn";
        events.log(level, `${event} ${address}`, event, message, { listener: "kafka", ...fields });
      },
      ...(options.onUnexpectedError ? { onUnexpectedError: options.onUnexpectedError } : {}),
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
    let timer: TimerHandle | undefined;
    const timeUp = new Promise<void>((resolve) => {
      timer = rt.timers.setTimeout(resolve, closeWaitMsMax);
    });
    await Promise.race([Promise.all(open.map((c) => c.idle())), timeUp]);
    timer?.cancel();
    await Promise.all(open.map((c) => c.close()));
  }

  return {
    port: listener.port,
    openConnections: () => connections.size,
    close: () => (closed ??= shutdown()),
  };
}
