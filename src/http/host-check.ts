// DNS rebinding protection. A web page on evil.example can make a browser resolve its own name to
// 127.0.0.1 and then talk to a broker on the developer's loopback interface as if same-origin;
// the request still says `Host: evil.example`. So while the listener is bound to a loopback
// address only loopback Host names are served (localhost, *.localhost, 127.0.0.0/8, [::1], any
// port); `http.allowed.hosts` adds names. On other interfaces any Host is served unless that list
// is set, which then restricts it (loopback names stay allowed: no browser page can send them).

import type { Context, Next } from "hono";
import { TributaryError } from "../model/errors.ts";

export interface HostCheckOptions {
  /** The address the HTTP listener is bound to. */
  listenHost: string;
  /** Host names served besides loopback ones: exact names, `*.example.com` suffixes, or `*`. */
  allowedHosts: readonly string[];
}

/** A check of the Host header, or null when every Host is served. */
export function hostCheck(
  options: HostCheckOptions,
): ((c: Context, next: Next) => Promise<void | Response>) | null {
  // Entries may carry a port ("broker.lan:8080"); the check is by name, any port.
  const allowed = options.allowedHosts.map((h) => h.trim().toLowerCase()).filter((h) => h !== "")
    .map((h) => (h === "*" || h.startsWith("*.") ? h : hostName(h) ?? h));
  if (allowed.includes("*")) return null;
  if (allowed.length === 0 && !isLoopbackHost(options.listenHost)) return null;
  const exact = new Set(allowed.filter((h) => !h.startsWith("*.")));
  const suffixes = allowed.filter((h) => h.startsWith("*.")).map((h) => h.slice(1));
  const permitted = (name: string) =>
    isLoopbackHost(name) || exact.has(name) || suffixes.some((s) => name.endsWith(s));
  return async (c, next) => {
    const header = c.req.header("host") ?? new URL(c.req.url).host;
    const name = hostName(header);
    if (name === null || !permitted(name)) {
      throw new TributaryError(
        "HOST_NOT_ALLOWED",
        `Host ${JSON.stringify(header.slice(0, 100))} is not served here; ` +
          "add it to http.allowed.hosts (--http-allowed-hosts) to allow it",
      );
    }
    await next();
  };
}

/** The name part of a Host header, lower-cased, without the port; null when malformed. */
export function hostName(header: string): string | null {
  const value = header.trim().toLowerCase();
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    if (end < 0) return null;
    const rest = value.slice(end + 1);
    return rest === "" || /^:\d{1,5}$/.test(rest) ? value.slice(0, end + 1) : null;
  }
  const match = /^([^:]+)(?::\d{1,5})?$/.exec(value);
  return match === null ? null : match[1];
}

/** localhost, *.localhost, 127.0.0.0/8 and ::1 (bracketed or not). */
export function isLoopbackHost(name: string): boolean {
  const host = name.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host === "::1" || host === "[::1]") return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return octets !== null && octets.slice(1).every((o) => Number(o) <= 255);
}
