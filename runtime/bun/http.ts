// HTTP serving for Bun through runtime/host/http1 over this adapter's own TCP (net.ts), not
// Bun.serve: Bun.serve has no connection cap, closes a connection that has not sent its headers
// after a fixed ~10-12 s, and caps its idle timeout at 255 s (whole seconds, checked every few
// seconds), so connections.max.idle.ms (10 minutes by default) and http.headers.timeout.ms could
// not be honoured. host/http1 enforces every ServeOptions limit (idleTimeoutMs,
// headersTimeoutMs, connectionsMax, connectionsPerIpMax) as on Deno; docs/http.md "Connections".
import type { HttpServing } from "../types.ts";
import { createHostClock } from "../host/clock.ts";
import { createHostTimers } from "../host/timers.ts";
import { serveHttp1 } from "../host/http1/server.ts";
import { createBunNet } from "./net.ts";

export { closeGraceMsMax } from "../host/http1/server.ts";

export function createBunHttp(): HttpServing {
  const host = { net: createBunNet(), timers: createHostTimers(), clock: createHostClock() };
  return { serve: (options) => serveHttp1(host, options) };
}
