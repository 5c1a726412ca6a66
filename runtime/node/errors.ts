// Node reports failures as Errors carrying an errno name in `code` (system errors) or an
// ERR_* name (its own argument and stream checks).
import { IoErrorCode, RuntimeIoError } from "../types.ts";
import { errnoOf, hostIoError, ioCodeOfErrno } from "../host/errno.ts";

/** Maps anything Node threw to a RuntimeIoError; `what` names the operation and target. */
export function toIoError(err: unknown, what: string): RuntimeIoError {
  if (err instanceof RuntimeIoError) return err;
  return hostIoError(ioCodeOfErrno(errnoOf(err)) ?? IoErrorCode.Io, what, err);
}
