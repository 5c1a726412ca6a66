// A small, strict HTTP/1.1 server over a Runtime's own TCP Network, for hosts whose built-in
// server cannot enforce ServeOptions' limits (Deno.serve has none of them; Bun.serve has no
// connection cap, a fixed header timeout and an idle timeout capped at 255 s). Every limit in
// ServeOptions is enforced here the same way on every host that uses it:
// - connectionsMax / connectionsPerIpMax: a connection over a cap is answered 503 with the
//   broker's error shape (code NETWORK_EXCEPTION) and Connection: close, then closed;
// - idleTimeoutMs and headersTimeoutMs: see connection.ts;
// - close(): stop accepting, close idle connections, let in-flight requests finish within
//   closeGraceMsMax, then cut the rest.
import type { Clock, HttpServer, Network, ServeOptions, Timers } from "../../types.ts";
import { Http1Connection } from "./connection.ts";
import { ConnectionCounter } from "./limits.ts";
import { refusalReply } from "./refusal.ts";

/** How long close() lets in-flight requests run before cutting their connections. */
export const closeGraceMsMax = 10_000;
/** Largest request head (request line and fields); beyond it: 431 and closed. */
export const headBytesMax = 16 * 1024;
/** Most header fields in one request; beyond it: 431 and closed. */
export const fieldsMax = 100;
/** Unread request body bytes dropped to keep a connection alive; beyond it the connection closes. */
export const drainBytesMax = 256 * 1024;
/**
 * Content-Length bodies up to this size are read whole before the handler runs (handed over as
 * bytes, which hosts read natively); larger and chunked ones are streamed to it.
 */
export const wholeBodyBytesMax = 1024 * 1024;
/** Defaults for limits a caller leaves unset (Node's own for the two timers). */
export const idleTimeoutMsDefault = 5_000;
export const headersTimeoutMsDefault = 60_000;

export interface Http1Host {
  readonly net: Network;
  readonly timers: Timers;
  readonly clock: Clock;
}

export async function serveHttp1(host: Http1Host, options: ServeOptions): Promise<HttpServer> {
  const counter = new ConnectionCounter({
    connectionsMax: options.connectionsMax ?? Number.POSITIVE_INFINITY,
    connectionsPerIpMax: options.connectionsPerIpMax ?? Number.POSITIVE_INFINITY,
  });
  const connections = new Set<Http1Connection>();
  const date = httpDate(host.clock);
  let closing = false;
  const listener = await host.net.listen({ host: options.host, port: options.port }, (conn) => {
    if (closing) {
      void conn.close();
      return;
    }
    const address = conn.remoteAddress;
    const refused = counter.refusal(address, conn.remotePort);
    if (refused !== null) {
      options.onRefused?.(refused);
      const reply = refusalReply(refused.reason);
      // A client that left already needs no explanation.
      void conn.write(reply).catch(() => {}).finally(() => conn.close());
      return;
    }
    counter.admit(address);
    const connection = new Http1Connection(conn, {
      fetch: options.fetch,
      timers: host.timers,
      date,
      authority: `${
        options.host.includes(":") ? `[${options.host}]` : options.host
      }:${listener.port}`,
      idleTimeoutMs: options.idleTimeoutMs ?? idleTimeoutMsDefault,
      headersTimeoutMs: options.headersTimeoutMs ?? headersTimeoutMsDefault,
      headBytesMax,
      fieldsMax,
      drainBytesMax,
      wholeBodyBytesMax,
    });
    connections.add(connection);
    void connection.done.finally(() => {
      connections.delete(connection);
      counter.release(address);
    });
  });

  async function shutdown(): Promise<void> {
    closing = true;
    await listener.close();
    const open = [...connections];
    for (const c of open) c.stop();
    const finished = Promise.all(open.map((c) => c.done));
    let timer: { cancel(): void } | undefined;
    const graceOver = new Promise<"over">((resolve) => {
      timer = host.timers.setTimeout(() => resolve("over"), closeGraceMsMax);
    });
    const outcome = await Promise.race([finished, graceOver]);
    timer?.cancel();
    if (outcome === "over") {
      for (const c of connections) c.cut();
      await finished;
    }
  }

  let closed: Promise<void> | null = null;
  return {
    host: options.host,
    port: listener.port,
    close: () => (closed ??= shutdown()),
  };
}

/** The Date header's value, formatted once per second of wall-clock time. */
function httpDate(clock: Clock): () => string {
  let second = -1;
  let text = "";
  return () => {
    const now = Math.floor(clock.nowMs() / 1000);
    if (now !== second) {
      second = now;
      text = new Date(now * 1000).toUTCString();
    }
    return text;
  };
}
