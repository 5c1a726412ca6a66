// HTTP serving through Bun.serve.
import type { HttpServer, HttpServing, ServeOptions } from "../types.ts";
import { toIoError } from "./errors.ts";

/** How long close() lets in-flight requests run before cutting their connections. */
export const closeGraceMsMax = 10_000;

async function closeGracefully(server: ReturnType<typeof Bun.serve>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let expired = false;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      expired = true;
      resolve();
    }, closeGraceMsMax);
  });
  // stop(false) stops accepting, closes idle keep-alive connections at once and the busy ones
  // after their response; it resolves when every connection is gone.
  await Promise.race([server.stop(false), grace]);
  clearTimeout(timer);
  if (expired) await server.stop(true);
}

function serve(options: ServeOptions): Promise<HttpServer> {
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: options.host,
      port: options.port,
      development: false,
      fetch: (request) => options.fetch(request),
    });
  } catch (err) {
    return Promise.reject(toIoError(err, `serve ${options.host}:${options.port}`));
  }
  let closing: Promise<void> | undefined;
  return Promise.resolve({
    host: options.host,
    port: server.port ?? options.port,
    close: () => (closing ??= closeGracefully(server)),
  });
}

export function createBunHttp(): HttpServing {
  return { serve };
}
