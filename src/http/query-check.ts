// Unknown query parameters are refused (400 naming the parameter), not ignored: a typo such as
// `?ofset=17` or `?timeout=5000` would otherwise silently read from the default and leave the
// client wondering. Each route lists the parameters it reads; a route not listed reads none.

import type { Context, Next } from "hono";
import { handlerRoute } from "./route-methods.ts";
import { invalid } from "./validate.ts";

const FETCH = ["offset", "maxRecords", "maxBytes", "timeoutMs", "encoding"];
// Produce: acks and compression always; key, header, timestamp and encoding describe the one
// record of an application/octet-stream body (produce-raw.ts).
const PRODUCE = ["acks", "compression", "key", "header", "timestamp", "encoding"];

/** "METHOD pattern" -> the query parameters that route reads. */
export const QUERY_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  "POST /v1/topics/:topic/records": PRODUCE,
  "POST /v1/topics/:topic/partitions/:partition/records": PRODUCE,
  "GET /v1/topics/:topic/partitions/:partition/records": FETCH,
  "GET /v1/topics/:topic/partitions/:partition/offsets": ["timestamp"],
  "GET /v1/topics/:topic/partitions/:partition/stream": ["offset", "encoding"],
  "GET /v1/groups/:group/members/:member/records": [
    "timeoutMs",
    "maxRecords",
    "maxBytes",
    "encoding",
    "autoCommit",
  ],
  "GET /v1/groups/:group/offsets": ["topic"],
};

export function queryCheck(
  table: Readonly<Record<string, readonly string[]>> = QUERY_PARAMETERS,
): (c: Context, next: Next) => Promise<void> {
  return async (c, next) => {
    const route = handlerRoute(c);
    const url = new URL(c.req.url);
    if (route !== undefined && url.search !== "") {
      const known = table[`${route.method} ${route.path}`] ?? [];
      for (const name of url.searchParams.keys()) {
        if (known.includes(name)) continue;
        const accepted = known.length === 0
          ? "takes no query parameters"
          : `takes ${known.join(", ")}`;
        throw invalid(
          `unknown query parameter ${
            JSON.stringify(name.slice(0, 100))
          }: ${route.method} ${route.path} ${accepted}`,
        );
      }
    }
    await next();
  };
}
