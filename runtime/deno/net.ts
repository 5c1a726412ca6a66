// TCP through Deno.listen and Deno.connect.
import {
  type Connection,
  type ConnectOptions,
  IoErrorCode,
  type Listener,
  type ListenOptions,
  type Network,
} from "../types.ts";
import { connectWithin } from "../host/connect-within.ts";
import { DenoConnection } from "./connection.ts";
import { toIoError } from "./errors.ts";

const acceptRetryMs = 100;

async function acceptLoop(
  listener: Deno.TcpListener,
  onConnection: (conn: Connection) => void,
): Promise<void> {
  for (;;) {
    let conn: Deno.TcpConn;
    try {
      conn = await listener.accept();
    } catch (err) {
      const ioError = toIoError(err, "accept");
      // Closing the listener fails the pending accept: that is the loop's normal end.
      if (ioError.code === IoErrorCode.Closed) return;
      // Out of descriptors and the like: report, then give the host a moment instead of spinning.
      console.error(`tributary: ${ioError.message}`);
      await new Promise((resolve) => setTimeout(resolve, acceptRetryMs));
      continue;
    }
    onConnection(new DenoConnection(conn));
  }
}

function listen(
  options: ListenOptions,
  onConnection: (conn: Connection) => void,
): Promise<Listener> {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: options.host, port: options.port, transport: "tcp" });
  } catch (err) {
    return Promise.reject(toIoError(err, `listen ${options.host}:${options.port}`));
  }
  const accepting = acceptLoop(listener, onConnection);
  let closing: Promise<void> | undefined;
  return Promise.resolve({
    host: options.host,
    port: listener.addr.port,
    close: () => (closing ??= (listener.close(), accepting)),
  });
}

async function connect(options: ConnectOptions): Promise<Connection> {
  const attempt = Deno.connect({ hostname: options.host, port: options.port, transport: "tcp" });
  const conn = await connectWithin(attempt, {
    timeoutMs: options.timeoutMs,
    where: `connect ${options.host}:${options.port}`,
    toIoError,
    discard: (late) => late.close(),
  });
  return new DenoConnection(conn);
}

export function createDenoNet(): Network {
  return { listen, connect };
}
