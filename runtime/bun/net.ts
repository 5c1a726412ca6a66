// TCP through Bun.listen and Bun.connect.
import type { TCPSocketListener } from "bun";
import {
  type Connection,
  type ConnectOptions,
  IoErrorCode,
  type Listener,
  type ListenOptions,
  type Network,
  RuntimeIoError,
} from "../types.ts";
import { connectWithin } from "../host/connect-within.ts";
import { type BunConnection, connectionHandlers } from "./connection.ts";
import { toIoError } from "./errors.ts";

function listen(
  options: ListenOptions,
  onConnection: (conn: Connection) => void,
): Promise<Listener> {
  let listener: TCPSocketListener<BunConnection | undefined>;
  try {
    listener = Bun.listen<BunConnection | undefined>({
      hostname: options.host,
      port: options.port,
      // Refuse to share the port: a second listener must see EADDRINUSE.
      exclusive: true,
      socket: connectionHandlers(onConnection),
    });
  } catch (err) {
    return Promise.reject(toIoError(err, `listen ${options.host}:${options.port}`));
  }
  let closed = false;
  return Promise.resolve({
    host: options.host,
    port: listener.port,
    close(): Promise<void> {
      // stop(false) stops accepting and leaves open connections to their owners.
      if (!closed) listener.stop(false);
      closed = true;
      return Promise.resolve();
    },
  });
}

async function connect(options: ConnectOptions): Promise<Connection> {
  const where = `connect ${options.host}:${options.port}`;
  const attempt = Bun.connect<BunConnection | undefined>({
    hostname: options.host,
    port: options.port,
    socket: connectionHandlers(() => {}),
  });
  const socket = await connectWithin(attempt, {
    timeoutMs: options.timeoutMs,
    where,
    toIoError,
    discard: (late) => late.terminate(),
  });
  if (socket.data === undefined) {
    throw new RuntimeIoError(IoErrorCode.Io, `${where}: opened without a handler`);
  }
  return socket.data;
}

export function createBunNet(): Network {
  return { listen, connect };
}
