// HTTP serving through Bun.serve.
//
// Bun has one connection timer, idleTimeout (whole seconds, at most 255, checked every few
// seconds): a connection quiet for that long is closed, whether it waits between requests or a
// request's handler is still working. idleTimeoutMs sets it; while a handler runs (a long poll)
// and while an event stream is being sent, the request's timer is off (server.timeout(request,
// 0)) and it is set back once the response is ready or the stream ends. Bun closes a connection
// that does not finish its headers after a fixed ~10 s of its own (measured: 12 s with Bun 1.4),
// not configurable, so headersTimeoutMs is not applied; nor is connectionsMax (Bun.serve has no
// connection limit).
import type { HttpServer, HttpServing, ServeOptions } from "../types.ts";
import { toIoError } from "./errors.ts";

/** How long close() lets in-flight requests run before cutting their connections. */
export const closeGraceMsMax = 10_000;

async function closeGracefully(server: BunServer): Promise<void> {
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

/** Bun's largest idleTimeout, in seconds. */
const idleTimeoutSecondsMax = 255;

/** Bun's idleTimeout for idleTimeoutMs; undefined keeps Bun's default (10 s). */
function idleTimeoutSeconds(options: ServeOptions): number | undefined {
  const ms = options.idleTimeoutMs;
  if (ms === undefined) return undefined;
  if (ms <= 0) return 0; // Bun's "never"
  return Math.min(idleTimeoutSecondsMax, Math.max(1, Math.ceil(ms / 1000)));
}

/** Bun's default idleTimeout in seconds, restored after a long request when none was set. */
const idleTimeoutSecondsDefault = 10;

type BunServer = ReturnType<typeof Bun.serve>;

/**
 * Runs the handler with the request's idle timer off, and turns it back on once the response is
 * ready, or for an event stream once the stream ended: Bun keeps a request's timer for the rest
 * of the connection, so leaving it off would keep idle keep-alive connections forever.
 */
async function handleWithoutIdleTimer(
  options: ServeOptions,
  request: Request,
  server: BunServer,
  idleSeconds: number,
): Promise<Response> {
  server.timeout(request, 0);
  const restore = () => server.timeout(request, idleSeconds);
  let response: Response;
  try {
    response = await options.fetch(request);
  } catch (err) {
    restore();
    throw err;
  }
  const streaming = response.headers.get("content-type")?.startsWith("text/event-stream");
  if (!streaming || response.body === null) {
    restore();
    return response;
  }
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({ flush: restore }),
  );
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function serve(options: ServeOptions): Promise<HttpServer> {
  let server: BunServer;
  const idle = idleTimeoutSeconds(options);
  try {
    server = Bun.serve({
      hostname: options.host,
      port: options.port,
      development: false,
      ...(idle === undefined ? {} : { idleTimeout: idle }),
      fetch: (request, bunServer) =>
        handleWithoutIdleTimer(options, request, bunServer, idle ?? idleTimeoutSecondsDefault),
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
