// HTTP serving through @hono/node-server on node:http.
//
// Connection limits: idleTimeoutMs is node:http's keepAliveTimeout (idle between requests),
// headersTimeoutMs its headersTimeout (checked every connectionsCheckingInterval, so a stalled
// request is cut within about 1.25 × the timeout). connectionsMax and connectionsPerIpMax are
// counted here on 'connection', ahead of node:http (its maxConnections would drop sockets with
// no word): a socket over either cap gets the same 503 as on Deno and Bun
// (runtime/host/http1/refusal.ts) and is closed without node:http ever seeing it.
import { serve as honoServe } from "@hono/node-server";
import type { Server, ServerOptions } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import type { HttpServer, HttpServing, ServeOptions } from "../types.ts";
import { ConnectionCounter } from "../host/http1/limits.ts";
import { refusalReply } from "../host/http1/refusal.ts";
import { toIoError } from "./errors.ts";

/** How long close() lets in-flight requests run before cutting their connections. */
export const closeGraceMsMax = 10_000;

// How often close() looks for connections that went idle after finishing their last request.
const idleSweepMs = 20;

function closeGracefully(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // Keep-alive connections with no request in flight would otherwise hold close() open until
    // the client drops them; connections busy now become idle once their response is sent.
    const sweep = setInterval(() => server.closeIdleConnections(), idleSweepMs);
    const force = setTimeout(() => server.closeAllConnections(), closeGraceMsMax);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Node's default for requestTimeout (the whole request must arrive within it). */
const requestTimeoutMsDefault = 300_000;

/** node:http options for ServeOptions' limits; Node's defaults where a limit is unset. */
function serverOptions(options: ServeOptions): ServerOptions {
  const out: ServerOptions = {};
  if (options.headersTimeoutMs !== undefined) {
    out.headersTimeout = options.headersTimeoutMs;
    // Node refuses a headersTimeout above requestTimeout, and checks both on this interval.
    out.requestTimeout = Math.max(requestTimeoutMsDefault, options.headersTimeoutMs);
    out.connectionsCheckingInterval = Math.max(10, Math.min(30_000, options.headersTimeoutMs / 4));
  }
  if (options.idleTimeoutMs !== undefined) out.keepAliveTimeout = options.idleTimeoutMs;
  return out;
}

function listenWithHono(options: ServeOptions): Promise<{ server: Server; port: number }> {
  const where = `serve ${options.host}:${options.port}`;
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(toIoError(err, where));
    const server = honoServe(
      {
        fetch: (request) => options.fetch(request),
        hostname: options.host,
        port: options.port,
        // Leave the global Request/Response alone: other code in the process may rely on them.
        overrideGlobalObjects: false,
        serverOptions: serverOptions(options),
      },
      (info: AddressInfo) => {
        server.off("error", onError);
        resolve({ server, port: info.port });
      },
    ) as Server;
    server.once("error", onError);
  });
}

async function serve(options: ServeOptions): Promise<HttpServer> {
  const { server, port } = await listenWithHono(options);
  capConnections(server, options);
  // After listening, the only server errors are failed accepts (EMFILE and the like); Node
  // keeps accepting, so report them rather than let an unhandled 'error' end the process.
  server.on(
    "error",
    (err) => console.error(`tributary: http accept on ${options.host}: ${err.message}`),
  );
  let closing: Promise<void> | undefined;
  return {
    host: options.host,
    port,
    close: () => (closing ??= closeGracefully(server)),
  };
}

/** How long a refused socket may stay open for its peer to take the 503 and close. */
const refusedLingerMs = 5_000;

/** Puts the connection caps in front of node:http's own 'connection' listeners. */
function capConnections(server: Server, options: ServeOptions): void {
  if (options.connectionsMax === undefined && options.connectionsPerIpMax === undefined) return;
  const counter = new ConnectionCounter({
    connectionsMax: options.connectionsMax ?? Number.POSITIVE_INFINITY,
    connectionsPerIpMax: options.connectionsPerIpMax ?? Number.POSITIVE_INFINITY,
  });
  const httpListeners = server.listeners("connection") as Array<(socket: Socket) => void>;
  server.removeAllListeners("connection");
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "";
    const refused = counter.refusal(address, socket.remotePort ?? 0);
    if (refused !== null) {
      options.onRefused?.(refused);
      // A client that left already needs no explanation. Whatever it sends is read and dropped,
      // so its FIN is seen and the socket closes instead of lingering unread.
      socket.on("error", () => {});
      socket.setTimeout(refusedLingerMs, () => socket.destroy());
      socket.resume();
      socket.end(refusalReply(refused.reason));
      return;
    }
    counter.admit(address);
    socket.once("close", () => counter.release(address));
    for (const listener of httpListeners) listener.call(server, socket);
  });
}

export function createNodeHttp(): HttpServing {
  return { serve };
}
