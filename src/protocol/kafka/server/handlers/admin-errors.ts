// How the admin handlers turn a failed item into its error fields: a TributaryError is the
// client's answer for that item (the other items go on); anything else is a bug and travels
// on, closing the connection with a log line (connection.ts).

import { TributaryError } from "../../../../model/errors.ts";
import { kafkaErrorCode } from "../../error-codes.ts";

export interface ItemError {
  errorCode: number;
  errorMessage: string;
}

export function itemError(err: unknown): ItemError {
  if (!(err instanceof TributaryError)) throw err;
  return { errorCode: kafkaErrorCode(err), errorMessage: err.message };
}

/** For items the node cannot serve at all (no admin view wired: test doubles). */
export function unsupported(what: string): TributaryError {
  return new TributaryError("UNSUPPORTED_VERSION", `${what} is not available on this listener`);
}
