// The error a write to a gone connection rejects with, the same on every host: ECONNRESET when
// the connection died of a reset (so callers can tell a peer crash), ECLOSED otherwise.
import { type Connection, IoErrorCode, RuntimeIoError } from "../types.ts";

export function connectionWriteError(
  conn: Pick<Connection, "remoteAddress" | "remotePort">,
  failure: RuntimeIoError | null,
): RuntimeIoError {
  const where = `write to ${conn.remoteAddress}:${conn.remotePort}`;
  if (failure !== null && failure.code === IoErrorCode.ConnectionReset) {
    return new RuntimeIoError(IoErrorCode.ConnectionReset, `${where}: connection reset`, {
      cause: failure,
    });
  }
  return new RuntimeIoError(IoErrorCode.Closed, `${where}: connection closed`);
}
