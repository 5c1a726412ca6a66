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
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    if (options.timeoutMs === undefined) return;
    timer = setTimeout(() => {
      reject(
        new RuntimeIoError(IoErrorCode.TimedOut, `${where}: no answer in ${options.timeoutMs} ms`),
      );
      // Bun.connect cannot be cancelled; a late connection is closed unused.
      attempt.then((socket) => socket.terminate(), () => {});
    }, options.timeoutMs);
  });
  try {
    const socket = await Promise.race([attempt, deadline]);
    const conn = socket.data;
    if (conn === undefined) {
      throw new RuntimeIoError(IoErrorCode.Io, `${where}: socket opened without its handler`);
    }
    return conn;
  } catch (err) {
    throw toIoError(err, where);
  } finally {
    clearTimeout(timer);
  }
}

export function createBunNet(): Network {
  return { listen, connect };
}
