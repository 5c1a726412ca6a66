// HTTP serving through Deno.serve.
import type { HttpServer, HttpServing, ServeOptions } from "../types.ts";
import { toIoError } from "./errors.ts";

/** How long close() waits for in-flight requests before giving up on them. */
export const closeGraceMsMax = 10_000;

async function closeGracefully(server: Deno.HttpServer<Deno.NetAddr>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, closeGraceMsMax)));
  // shutdown() stops accepting, closes idle connections and waits for in-flight requests.
  // Deno offers no way to cut the stragglers, so past the grace period close() returns and
  // leaves them to finish on their own.
  await Promise.race([server.shutdown(), expired]);
  clearTimeout(timer);
}

function serve(options: ServeOptions): Promise<HttpServer> {
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname: options.host, port: options.port, onListen: () => {} },
      (request) => options.fetch(request),
    );
  } catch (err) {
    return Promise.reject(toIoError(err, `serve ${options.host}:${options.port}`));
  }
  let closing: Promise<void> | undefined;
  return Promise.resolve({
    host: options.host,
    port: server.addr.port,
    close: () => (closing ??= closeGracefully(server)),
  });
}

export function createDenoHttp(): HttpServing {
  return { serve };
}
