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

export function createNodeHttp(): HttpServing {
  return { serve };
}
