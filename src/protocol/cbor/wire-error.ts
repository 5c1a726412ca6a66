// The one place TributaryError and the wire's error object are mapped to each other.
//
// Codes travel as their names (e.g. "UNKNOWN_TOPIC_OR_PARTITION"), never as numbers, so an
// older client meeting a newer code still gets a readable error instead of a bare integer.

import { ErrorCode, isErrorCode, toTributaryError, TributaryError } from "../../model/errors.ts";
import type { WireError } from "./envelope.ts";

export function toWireError(err: unknown): WireError {
  const typed = toTributaryError(err);
  return { code: typed.code, message: typed.message, retriable: typed.retriable };
}

/** A wire error object as a TributaryError; codes this build does not know become UNKNOWN_SERVER_ERROR. */
export function fromWireError(wire: WireError): TributaryError {
  if (isErrorCode(wire.code)) return new TributaryError(wire.code, wire.message);
  return new TributaryError("UNKNOWN_SERVER_ERROR", `${wire.code}: ${wire.message}`);
}

/** For per-partition results the broker reports as a code string plus message. */
export function wireErrorOf(code: string, message: string | undefined): WireError {
  const retriable = isErrorCode(code) ? ErrorCode[code].retriable : false;
  return { code, message: message ?? code, retriable };
}
