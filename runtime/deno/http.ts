// HTTP serving for Deno through runtime/host/http1 over this adapter's own TCP (net.ts), not
// Deno.serve: Deno.serve has no idle timeout, no header timeout and no connection cap, so a
// stalled or hoarding client could hold a broker's connections forever. host/http1 enforces
// every ServeOptions limit (idleTimeoutMs, headersTimeoutMs, connectionsMax,
// connectionsPerIpMax) as on Bun; docs/http.md "Connections".
import type { HttpServing } from "../types.ts";
import { createHostClock } from "../host/clock.ts";
import { createHostTimers } from "../host/timers.ts";
import { serveHttp1 } from "../host/http1/server.ts";
import { createDenoNet } from "./net.ts";

export { closeGraceMsMax } from "../host/http1/server.ts";

export function createDenoHttp(): HttpServing {
  const host = { net: createDenoNet(), timers: createHostTimers(), clock: createHostClock() };
  return { serve: (options) => serveHttp1(host, options) };
}
