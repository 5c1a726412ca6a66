// A connect deadline for hosts whose connect call cannot be cancelled (Deno.connect,
// Bun.connect): the caller gets ETIMEDOUT at the deadline, and a connection that still arrives
// afterwards is closed unused instead of leaking.
import { IoErrorCode, RuntimeIoError } from "../types.ts";
import type { ToIoError } from "./errno.ts";

export interface ConnectWithinOptions<T> {
  /** No deadline when undefined: the host's own applies. */
  timeoutMs: number | undefined;
  /** "connect host:port", for error messages. */
  where: string;
  toIoError: ToIoError;
  /** Closes a connection that arrived after the deadline. */
  discard(late: T): void;
}

export function connectTimeoutError(where: string, timeoutMs: number): RuntimeIoError {
  return new RuntimeIoError(IoErrorCode.TimedOut, `${where}: no answer in ${timeoutMs} ms`);
}

export function connectWithin<T>(
  attempt: Promise<T>,
  options: ConnectWithinOptions<T>,
): Promise<T> {
  const { timeoutMs, where, toIoError } = options;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      reject(connectTimeoutError(where, timeoutMs));
    }, timeoutMs);
    attempt.then(
      (conn) => {
        clearTimeout(timer);
        if (timedOut) options.discard(conn);
        else resolve(conn);
      },
      (err) => {
        clearTimeout(timer);
        reject(toIoError(err, where));
      },
    );
  });
}
