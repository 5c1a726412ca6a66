// Deno throws instances of Deno.errors.* and, for OS failures, also sets an errno name in `code`.
import { type IoErrorCode, IoErrorCode as Code, RuntimeIoError } from "../types.ts";
import { errnoOf, hostIoError, ioCodeOfErrno } from "../host/errno.ts";

function codeOfClass(err: unknown): IoErrorCode | undefined {
  const e = Deno.errors;
  if (err instanceof e.NotFound) return Code.NotFound;
  if (err instanceof e.AlreadyExists) return Code.AlreadyExists;
  if (err instanceof e.NotADirectory) return Code.NotADirectory;
  if (err instanceof e.IsADirectory) return Code.IsADirectory;
  if (err instanceof e.PermissionDenied || err instanceof e.NotCapable) {
    return Code.PermissionDenied;
  }
  if (err instanceof e.AddrInUse) return Code.AddressInUse;
  if (err instanceof e.ConnectionRefused) return Code.ConnectionRefused;
  if (err instanceof e.ConnectionReset || err instanceof e.ConnectionAborted) {
    return Code.ConnectionReset;
  }
  if (err instanceof e.BrokenPipe) return Code.ConnectionReset;
  if (err instanceof e.TimedOut) return Code.TimedOut;
  if (err instanceof e.BadResource || err instanceof e.NotConnected) return Code.Closed;
  return undefined;
}

/** Maps anything Deno threw to a RuntimeIoError; `what` names the operation and target. */
export function toIoError(err: unknown, what: string): RuntimeIoError {
  if (err instanceof RuntimeIoError) return err;
  return hostIoError(codeOfClass(err) ?? ioCodeOfErrno(errnoOf(err)) ?? Code.Io, what, err);
}
