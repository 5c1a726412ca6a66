// The one mapping from exceptions to HTTP error responses:
//   {"error":{"code":"UNKNOWN_TOPIC_OR_PARTITION","message":"..."}} with ErrorCode[code].http.
// Only TributaryError messages reach clients; anything else is a bug or a host failure and is
// reported as UNKNOWN_SERVER_ERROR with a generic message (no stack, no internals). An invariant
// violation is escalated (the server stops) and answered INVARIANT_VIOLATED.

import { HTTPException } from "hono/http-exception";
import { ErrorCode, TributaryError } from "../model/errors.ts";
import { escalateInvariant } from "../model/invariant.ts";
import type { ErrorCodeName } from "../model/errors.ts";

export interface ErrorBody {
  error: { code: ErrorCodeName; message: string };
}

export interface MappedError {
  status: number;
  body: ErrorBody;
  /** True when the error was unexpected (a 500 worth logging). */
  unexpected: boolean;
}

export function mapError(err: unknown): MappedError {
  // A bug that no partition contained: the server stops (src/model/invariant.ts) and says so. Not
  // "unexpected": escalating it already logged invariant.violated.
  const violation = escalateInvariant(err, "http request");
  if (violation !== null) {
    const code = "INVARIANT_VIOLATED";
    return {
      status: ErrorCode[code].http,
      body: { error: { code, message: "internal server error: the server is stopping" } },
      unexpected: false,
    };
  }
  if (err instanceof TributaryError) {
    return {
      status: ErrorCode[err.code].http,
      body: { error: { code: err.code, message: err.message } },
      unexpected: err.code === "UNKNOWN_SERVER_ERROR",
    };
  }
  if (err instanceof HTTPException && err.status < 500) {
    // Raised by Hono itself (e.g. a malformed request line it parses); keep its status.
    const code: ErrorCodeName = err.status === 413 ? "PAYLOAD_TOO_LARGE" : "INVALID_REQUEST";
    return {
      status: err.status,
      body: { error: { code, message: err.message || code } },
      unexpected: false,
    };
  }
  return {
    status: 500,
    body: { error: { code: "UNKNOWN_SERVER_ERROR", message: "internal server error" } },
    unexpected: true,
  };
}
