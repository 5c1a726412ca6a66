// The answers this server writes itself, without the handler: a malformed or oversized head, a
// stalled head, a connection over a cap. They carry the broker's error shape (docs/http.md
// "Errors") and Connection: close, since the connection is closed right after.

/** Stable codes, the same names the broker uses (src/model/errors.ts). */
export const ReplyCode = {
  InvalidRequest: "INVALID_REQUEST",
  RequestTimedOut: "REQUEST_TIMED_OUT",
  /** A connection over max.connections or max.connections.per.ip, as the CBOR listener says. */
  ConnectionRefused: "NETWORK_EXCEPTION",
  UnknownServerError: "UNKNOWN_SERVER_ERROR",
} as const;
export type ReplyCode = (typeof ReplyCode)[keyof typeof ReplyCode];

const statusText: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  417: "Expectation Failed",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

const encoder = new TextEncoder();

/** A complete response with Connection: close, ready to write. */
export function closingReply(status: number, code: ReplyCode, message: string): Uint8Array {
  const body = JSON.stringify({ error: { code, message } });
  const bodyBytes = encoder.encode(body);
  const head = `HTTP/1.1 ${status} ${statusText[status] ?? "Error"}\r\n` +
    "content-type: application/json\r\n" +
    `content-length: ${bodyBytes.length}\r\n` +
    "connection: close\r\n\r\n";
  const headBytes = encoder.encode(head);
  const out = new Uint8Array(headBytes.length + bodyBytes.length);
  out.set(headBytes, 0);
  out.set(bodyBytes, headBytes.length);
  return out;
}

/** The 503 a connection over a cap hears before it is closed. */
export function refusalReply(reason: string): Uint8Array {
  return closingReply(503, ReplyCode.ConnectionRefused, `connection refused: ${reason}`);
}
