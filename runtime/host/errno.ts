// Host errno names (POSIX, as Node, Deno and Bun report them in `err.code`) folded into the
// Runtime's smaller code space. Each adapter's own mapping function consults this table after
// handling whatever is peculiar to its host.
import { IoErrorCode, RuntimeIoError } from "../types.ts";

const codeByErrno: Readonly<Record<string, IoErrorCode>> = {
  ENOENT: IoErrorCode.NotFound,
  EEXIST: IoErrorCode.AlreadyExists,
  ENOTDIR: IoErrorCode.NotADirectory,
  EISDIR: IoErrorCode.IsADirectory,
  ERR_FS_EISDIR: IoErrorCode.IsADirectory,
  ENOTEMPTY: IoErrorCode.NotEmpty,
  EACCES: IoErrorCode.PermissionDenied,
  EPERM: IoErrorCode.PermissionDenied,
  EROFS: IoErrorCode.PermissionDenied,
  EADDRINUSE: IoErrorCode.AddressInUse,
  ECONNREFUSED: IoErrorCode.ConnectionRefused,
  ECONNRESET: IoErrorCode.ConnectionReset,
  ECONNABORTED: IoErrorCode.ConnectionReset,
  EPIPE: IoErrorCode.ConnectionReset,
  ETIMEDOUT: IoErrorCode.TimedOut,
  EBADF: IoErrorCode.Closed,
  ERR_SOCKET_CLOSED: IoErrorCode.Closed,
  ERR_STREAM_DESTROYED: IoErrorCode.Closed,
  ERR_STREAM_WRITE_AFTER_END: IoErrorCode.Closed,
  ENOSPC: IoErrorCode.NoSpace,
  EDQUOT: IoErrorCode.NoSpace,
  ENAMETOOLONG: IoErrorCode.NameTooLong,
  EMFILE: IoErrorCode.TooManyOpenFiles,
  ENFILE: IoErrorCode.TooManyOpenFiles,
  EIO: IoErrorCode.Io,
  EINVAL: IoErrorCode.Invalid,
  ERR_INVALID_ARG_TYPE: IoErrorCode.Invalid,
  ERR_INVALID_ARG_VALUE: IoErrorCode.Invalid,
  ERR_OUT_OF_RANGE: IoErrorCode.Invalid,
};

/** An adapter's mapping from whatever its host threw; `what` names the operation and target. */
export type ToIoError = (err: unknown, what: string) => RuntimeIoError;

/** The Runtime code for a host errno name, or undefined when the table has none. */
export function ioCodeOfErrno(errno: unknown): IoErrorCode | undefined {
  return typeof errno === "string" ? codeByErrno[errno] : undefined;
}

/** The `code` property hosts put on their errors, when there is one. */
export function errnoOf(err: unknown): unknown {
  return typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
}

/** Builds the RuntimeIoError for a host failure; `what` names the operation and its target. */
export function hostIoError(code: IoErrorCode, what: string, cause: unknown): RuntimeIoError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new RuntimeIoError(code, `${what}: ${detail}`, { cause });
}
