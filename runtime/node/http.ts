// HTTP serving through @hono/node-server on node:http.
import { serve as honoServe } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpServer, HttpServing, ServeOptions } from "../types.ts";
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

async function serve(options: ServeOptions): Promise<HttpServer> {
  const where = `serve ${options.host}:${options.port}`;
  let server: Server | undefined;
  const info = await new Promise<AddressInfo>((resolve, reject) => {
    const created = honoServe(
      {
        fetch: (request) => options.fetch(request),
        hostname: options.host,
        port: options.port,
        // Leave the global Request/Response alone: other code in the process may rely on them.
        overrideGlobalObjects: false,
      },
      resolve,
    ) as Server;
    created.once("error", (err) => reject(toIoError(err, where)));
    server = created;
  });
  const listening = server as Server;
  let closing: Promise<void> | undefined;
  return {
    host: options.host,
    port: info.port,
    close: () => (closing ??= closeGracefully(listening)),
  };
}

export function createNodeHttp(): HttpServing {
  return { serve };
}
