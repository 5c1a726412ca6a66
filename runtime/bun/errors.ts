// Bun reports failures as Errors with an errno name in `code`, for its own socket and server
// APIs as well as for node:fs.
import { IoErrorCode, RuntimeIoError } from "../types.ts";
import { errnoOf, hostIoError, ioCodeOfErrno } from "../host/errno.ts";

/** Maps anything Bun threw to a RuntimeIoError; `what` names the operation and target. */
export function toIoError(err: unknown, what: string): RuntimeIoError {
  if (err instanceof RuntimeIoError) return err;
  return hostIoError(ioCodeOfErrno(errnoOf(err)) ?? IoErrorCode.Io, what, err);
}
