// Request bodies must say what they are: application/json or application/cbor, and
// application/octet-stream on the produce routes (one raw record). Anything else, form encodings
// and text/plain included, is 415. This also closes a CSRF hole: a web page can send a
// text/plain or form POST to a localhost broker without a CORS preflight, but not a JSON one.

import type { Context, Next } from "hono";
import {
  CBOR_TYPE,
  JSON_TYPE,
  mediaType,
  OCTET_STREAM_TYPE,
  unsupportedMediaType,
} from "./media-type.ts";
import { handlerRoute } from "./route-methods.ts";

/**
 * Refuses a request body of any other type before the route runs. A request carries a body when
 * it declares one (Content-Length above 0, Transfer-Encoding) or sends a Content-Type with a
 * body stream; a bodiless POST (heartbeat) or a GET needs no Content-Type. A body of unknown
 * length without a Content-Type is caught when it is read (codec.ts readBody).
 */
export function contentTypeCheck(
  rawRoutes: ReadonlySet<string>,
): (c: Context, next: Next) => Promise<void> {
  return async (c, next) => {
    const request = c.req.raw;
    const type = mediaType(request.headers.get("content-type"));
    if (type === JSON_TYPE || type === CBOR_TYPE || !declaresBody(request, type)) {
      return await next();
    }
    const route = handlerRoute(c);
    if (route === undefined) return await next(); // no such route: 404 or 405 says more
    const rawAllowed = rawRoutes.has(`${route.method} ${route.path}`);
    if (type === OCTET_STREAM_TYPE && rawAllowed) return await next();
    throw unsupportedMediaType(type, rawAllowed);
  };
}

function declaresBody(request: Request, type: string | null): boolean {
  const length = request.headers.get("content-length");
  if (length !== null) return length.trim() !== "0";
  if (request.headers.has("transfer-encoding")) return true;
  return type !== null && request.body !== null;
}
