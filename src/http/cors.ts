// CORS for browser clients on other origins: only origins the operator lists
// (`http.cors.origins`; none by default). A listed Origin is echoed in Access-Control-Allow-Origin
// (with Vary: Origin) on every response, errors and SSE streams included; an unlisted one gets no
// CORS headers at all, so the browser keeps the response from the page. `*` allows every origin,
// only when configured as such.

import type { Context, Next } from "hono";
import { TributaryError } from "../model/errors.ts";
import type { RouteMethods } from "./route-methods.ts";

export const CORS_MAX_AGE_SECONDS = 600;
// What a cross-origin client may send when its preflight names no headers: the body and
// response formats and SSE resumption.
const ALLOWED_HEADERS = "content-type, accept, last-event-id";
const REQUEST_HEADERS_LENGTH_MAX = 1024;

export interface CorsPolicy {
  /** The Access-Control-Allow-Origin value for this Origin, or null when it is not allowed. */
  allowOrigin(origin: string | null): string | null;
  /** Whether answers depend on the Origin (a list of origins), so caches must key on it. */
  readonly variesByOrigin: boolean;
}

/** Validates the configured origins ("https://app.example.com", "http://localhost:3000", "*"). */
export function corsPolicy(origins: readonly string[]): CorsPolicy {
  const listed = new Set<string>();
  let any = false;
  for (const raw of origins) {
    const origin = raw.trim();
    if (origin === "") continue;
    if (origin === "*") {
      any = true;
      continue;
    }
    listed.add(normalizeOrigin(origin));
  }
  return {
    variesByOrigin: !any && listed.size > 0,
    allowOrigin(origin) {
      if (origin === null) return null;
      if (any) return "*";
      return listed.has(origin.toLowerCase()) ? origin : null;
    },
  };
}

function normalizeOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw badOrigin(origin);
  }
  // An origin is scheme://host[:port] and nothing else: no path, no trailing slash.
  if (url.origin === "null" || url.origin !== origin.toLowerCase().replace(/\/$/, "")) {
    throw badOrigin(origin);
  }
  return url.origin;
}

function badOrigin(origin: string): TributaryError {
  return new TributaryError(
    "INVALID_CONFIG",
    `http.cors.origins: ${JSON.stringify(origin)} is not an origin (scheme://host[:port]) or *`,
  );
}

/** Answers preflights of listed origins and adds the CORS headers to every other response. */
export function cors(
  policy: CorsPolicy,
  routes: RouteMethods,
): (c: Context, next: Next) => Promise<void | Response> {
  return async (c, next) => {
    const allowOrigin = policy.allowOrigin(c.req.header("origin") ?? null);
    if (allowOrigin === null) {
      await next();
      // Not a CORS header: tells caches that a listed origin would have been answered otherwise.
      if (policy.variesByOrigin) c.res.headers.append("vary", "Origin");
      return;
    }
    const requestedMethod = c.req.header("access-control-request-method");
    if (c.req.method === "OPTIONS" && requestedMethod !== undefined) {
      const methods = routes.allowed(new URL(c.req.url).pathname);
      if (methods.length > 0) return preflight(c, allowOrigin, methods);
    }
    await next();
    setOriginHeaders(c.res.headers, allowOrigin);
  };
}

function preflight(c: Context, allowOrigin: string, methods: string[]): Response {
  const headers = new Headers({
    "access-control-allow-methods": methods.join(", "),
    "access-control-allow-headers": allowedHeaders(c.req.header("access-control-request-headers")),
    "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
    allow: methods.join(", "),
  });
  setOriginHeaders(headers, allowOrigin);
  return new Response(null, { status: 204, headers });
}

// The origin is trusted, so the headers it asks for (well-formed names, bounded) are granted:
// the API reads only the ones it knows, and refusing others would only break clients.
function allowedHeaders(requested: string | undefined): string {
  if (requested === undefined || requested.length > REQUEST_HEADERS_LENGTH_MAX) {
    return ALLOWED_HEADERS;
  }
  const names = requested.split(",").map((h) => h.trim().toLowerCase())
    .filter((h) => /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(h));
  return names.length === 0 ? ALLOWED_HEADERS : names.join(", ");
}

function setOriginHeaders(headers: Headers, allowOrigin: string): void {
  headers.set("access-control-allow-origin", allowOrigin);
  if (allowOrigin !== "*") headers.append("vary", "Origin");
}
