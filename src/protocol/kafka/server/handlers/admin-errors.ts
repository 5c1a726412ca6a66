// How the admin handlers turn a failed item into its error fields: a TributaryError is the
// client's answer for that item (the other items go on); anything else is a bug and travels
// on, closing the connection with a log line (connection.ts).

import { TributaryError } from "../../../../model/errors.ts";
import { kafkaErrorCode } from "../../error-codes.ts";

export interface ItemError {
  errorCode: number;
  errorMessage: string;
}

/**
 * Messages may quote what the client sent (a config value up to 32 KiB): bounded so that the
 * answer always fits a classic int16-length string.
 */
export const ERROR_MESSAGE_CHARS_MAX = 1000;

export function itemError(err: unknown): ItemError {
  if (!(err instanceof TributaryError)) throw err;
  const message = err.message.length > ERROR_MESSAGE_CHARS_MAX
    ? `${err.message.slice(0, ERROR_MESSAGE_CHARS_MAX)}…`
    : err.message;
  return { errorCode: kafkaErrorCode(err), errorMessage: message };
}

/** For items the node cannot serve at all (no admin view wired: test doubles). */
export function unsupported(what: string): TributaryError {
  return new TributaryError("UNSUPPORTED_VERSION", `${what} is not available on this listener`);
}
