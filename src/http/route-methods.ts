// Which methods each route pattern answers, read from the app's own route list, so a request
// with the wrong method gets 405 and an `Allow` header (not a 404), and OPTIONS gets the list.

import type { Context, Next } from "hono";
import { matchedRoutes } from "hono/route";
import { reply } from "./reply.ts";

interface RouteShape {
  pattern: string;
  regex: RegExp;
  methods: Set<string>;
}

export class RouteMethods {
  readonly #routes: () => readonly { path: string; method: string }[];
  #shapes: RouteShape[] | null = null;

  /** routes is read on first use, once every route module has registered its routes. */
  constructor(routes: () => readonly { path: string; method: string }[]) {
    this.#routes = routes;
  }

  /** The methods of the route matching this path (GET implies HEAD), or [] for no route. */
  allowed(path: string): string[] {
    const shape = this.#shapesOnce().find((s) => s.regex.test(path));
    if (shape === undefined) return [];
    const methods = [...shape.methods];
    if (shape.methods.has("GET")) methods.push("HEAD");
    methods.push("OPTIONS");
    return methods;
  }

  #shapesOnce(): RouteShape[] {
    if (this.#shapes !== null) return this.#shapes;
    const byPattern = new Map<string, RouteShape>();
    for (const route of this.#routes()) {
      if (route.method === "ALL") continue; // middleware, not a route
      let shape = byPattern.get(route.path);
      if (shape === undefined) {
        shape = { pattern: route.path, regex: patternRegex(route.path), methods: new Set() };
        byPattern.set(route.path, shape);
      }
      shape.methods.add(route.method);
    }
    return (this.#shapes = [...byPattern.values()]);
  }
}

/**
 * The pattern of the route that will handle this request ("GET /v1/topics/:topic"), seen from a
 * middleware; undefined when no route matches (a 404 or 405 follows).
 */
export function handlerRoute(c: Context): { method: string; path: string } | undefined {
  const routes = matchedRoutes(c).filter((r) => r.method !== "ALL");
  const last = routes.at(-1);
  return last === undefined ? undefined : { method: last.method, path: last.path };
}

function patternRegex(pattern: string): RegExp {
  const parts = pattern.split("/").map((segment) =>
    segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  );
  return new RegExp(`^${parts.join("/")}$`);
}

/**
 * 405 with `Allow` for a known path asked with a method it does not answer; OPTIONS on a known
 * path answers 204 with `Allow` (CORS preflights from listed origins are answered before this).
 */
export function methodCheck(
  routes: RouteMethods,
): (c: Context, next: Next) => Promise<void | Response> {
  return async (c, next) => {
    if (handlerRoute(c) !== undefined) return await next();
    const path = new URL(c.req.url).pathname;
    const allowed = routes.allowed(path);
    if (allowed.length === 0) return await next(); // no such path: 404
    const allow = allowed.join(", ");
    if (c.req.method === "OPTIONS") {
      return new Response(null, { status: 204, headers: { allow } });
    }
    const message = `${c.req.method} is not allowed on ${path}; allowed: ${allow}`;
    const res = reply(c, { error: { code: "METHOD_NOT_ALLOWED", message } }, 405);
    res.headers.set("allow", allow);
    return res;
  };
}
