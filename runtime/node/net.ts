// TCP through node:net.
import { connect as netConnect, createServer, type Server, type Socket } from "node:net";
import type { Connection, ConnectOptions, Listener, ListenOptions, Network } from "../types.ts";
import { connectTimeoutError } from "../host/connect-within.ts";
import { NodeConnection } from "./connection.ts";
import { toIoError } from "./errors.ts";

function listenOn(server: Server, options: ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) =>
      reject(toIoError(err, `listen ${options.host}:${options.port}`));
    server.once("error", onError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

async function listen(
  options: ListenOptions,
  onConnection: (conn: Connection) => void,
): Promise<Listener> {
  const server = createServer((socket) => onConnection(new NodeConnection(socket)));
  await listenOn(server, options);
  // After listening, the only server errors are failed accepts (EMFILE and the like); Node
  // keeps accepting, so report them rather than let an unhandled 'error' end the process.
  server.on(
    "error",
    (err) => console.error(`tributary: accept on ${options.host}: ${err.message}`),
  );
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  let closed = false;
  return {
    host: options.host,
    port,
    close(): Promise<void> {
      // server.close() stops accepting at once; its callback would wait for every accepted
      // connection to end, which the Listener contract leaves to their owners.
      if (!closed) server.close();
      closed = true;
      return Promise.resolve();
    },
  };
}

function connect(options: ConnectOptions): Promise<Connection> {
  const where = `connect ${options.host}:${options.port}`;
  const { timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const socket: Socket = netConnect({ host: options.host, port: options.port });
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      socket.destroy();
      reject(connectTimeoutError(where, timeoutMs));
    }, timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(toIoError(err, where));
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      resolve(new NodeConnection(socket));
    });
  });
}

export function createNodeNet(): Network {
  return { listen, connect };
}
