// TCP behaviour every Runtime shares: byte-exact streams, backpressure, closes and error codes.
// Everything binds 127.0.0.1 on port 0.
import { type Connection, IoErrorCode, type Listener, type Runtime } from "../types.ts";
import type { ConformanceCase } from "./case.ts";
import { check, checkBytes, checkEqual, checkIoError, concat, pattern, text } from "./check.ts";

const host = "127.0.0.1";
const MiB = 1024 * 1024;
// Upper bound on chunks any loop here reads: 1-byte chunks of the largest payload below.
const readsMax = 128 * MiB;

/** Listens and hands out accepted connections in order. */
async function listenQueue(
  rt: Runtime,
): Promise<{ listener: Listener; accept(): Promise<Connection> }> {
  const accepted: Connection[] = [];
  const waiters: Array<(c: Connection) => void> = [];
  const listener = await rt.net.listen({ host, port: 0 }, (conn) => {
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter(conn);
    else accepted.push(conn);
  });
  const accept = (): Promise<Connection> => {
    const conn = accepted.shift();
    if (conn !== undefined) return Promise.resolve(conn);
    return new Promise((resolve) => waiters.push(resolve));
  };
  return { listener, accept };
}

async function readExactly(conn: Connection, n: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let got = 0;
  for (let i = 0; got < n && i < readsMax; i++) {
    const chunk = await conn.read();
    check(chunk !== null, `stream ended after ${got} of ${n} bytes`);
    chunks.push(chunk);
    got += chunk.length;
  }
  checkEqual(got, n, "bytes read");
  return concat(chunks);
}

async function readToEnd(conn: Connection): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < readsMax; i++) {
    const chunk = await conn.read();
    if (chunk === null) return concat(chunks);
    chunks.push(chunk);
  }
  throw new Error("readToEnd: no end of stream within the read bound");
}

async function echo(conn: Connection): Promise<void> {
  for (let i = 0; i < readsMax; i++) {
    const chunk = await conn.read();
    if (chunk === null) break;
    await conn.write(chunk);
  }
  await conn.close();
}

const largeEcho: ConformanceCase = {
  name: "net: an 8 MiB echo in random-sized chunks comes back byte-identical",
  async run(rt) {
    const echoes: Promise<void>[] = [];
    const remotes: string[] = [];
    const listener = await rt.net.listen({ host, port: 0 }, (conn) => {
      remotes.push(conn.remoteAddress);
      echoes.push(echo(conn));
    });
    check(listener.port > 0, `listener picked a port (${listener.port})`);
    const payload = rt.random.bytes(8 * MiB);
    const conn = await rt.net.connect({ host, port: listener.port });
    checkEqual(conn.remotePort, listener.port, "client's remotePort");
    checkEqual(conn.remoteAddress, host, "client's remoteAddress");
    const writer = (async () => {
      for (let offset = 0; offset < payload.length;) {
        const size = 1 + rt.random.int(256 * 1024);
        await conn.write(payload.subarray(offset, offset + size));
        offset += size;
      }
    })();
    const [, received] = await Promise.all([writer, readExactly(conn, payload.length)]);
    checkBytes(received, payload, "echoed bytes");
    await conn.close();
    await conn.closed;
    await listener.close();
    await Promise.all(echoes);
    checkEqual(remotes.join(","), host, "server's remoteAddress");
  },
};

/**
 * Writes chunks of chunkBytes while the peer reads nothing, until the writer stalls; checks that
 * what write() accepted by then stays under acceptedBytesMax (the host's send buffer, the
 * kernel's buffers both ways and the peer's receive queue are bounded), then that every byte
 * arrives once the peer reads.
 */
async function writerHeldBack(
  rt: Runtime,
  chunkBytes: number,
  totalBytes: number,
  acceptedBytesMax: number,
): Promise<void> {
  const { listener, accept } = await listenQueue(rt);
  const client = await rt.net.connect({ host, port: listener.port });
  const server = await accept();
  const chunk = pattern(chunkBytes, 6);
  const chunks = totalBytes / chunkBytes;
  let acceptedBytes = 0;
  let writerDone = false;
  const writer = (async () => {
    for (let i = 0; i < chunks; i++) {
      await client.write(chunk);
      acceptedBytes += chunk.length;
    }
    writerDone = true;
  })();
  // Wait until the writer stalls: no progress for stallMs, within waitMsMax overall.
  const stallMs = 300;
  const pollMs = 20;
  const waitMsMax = 20_000;
  let lastBytes = -1;
  let quietMs = 0;
  for (let waited = 0; quietMs < stallMs && !writerDone && waited < waitMsMax; waited += pollMs) {
    await rt.timers.sleep(pollMs);
    quietMs = acceptedBytes === lastBytes ? quietMs + pollMs : 0;
    lastBytes = acceptedBytes;
  }
  check(!writerDone, `all ${totalBytes} bytes were accepted while the peer read nothing`);
  check(quietMs >= stallMs, "the writer neither stalled nor finished");
  check(acceptedBytes < acceptedBytesMax, `${acceptedBytes} bytes accepted with no reader`);
  const received = await readExactly(server, totalBytes);
  await writer;
  check(writerDone, "writer finished once the peer read");
  checkBytes(received.subarray(received.length - chunkBytes), chunk, "last chunk");
  await client.close();
  await server.close();
  await listener.close();
}

const backpressure: ConformanceCase = {
  name: "net: write() holds a writer back while its peer does not read",
  timeoutMs: 60_000,
  run: (rt) => writerHeldBack(rt, MiB, 72 * MiB, 64 * MiB),
};

// Small writes take another path in some adapters (Node copies them and resolves at once while
// its buffer is below the high-water mark): a server writing many small responses to a peer
// that does not read must be held back just the same, with no more than a little buffered.
const backpressureSmallWrites: ConformanceCase = {
  name: "net: write() of small chunks holds a writer back while its peer does not read",
  timeoutMs: 60_000,
  run: (rt) => writerHeldBack(rt, 4096, 64 * MiB, 32 * MiB),
};

const refused: ConformanceCase = {
  name: "net: connecting to a closed port fails with ECONNREFUSED",
  async run(rt) {
    const listener = await rt.net.listen({ host, port: 0 }, (conn) => void conn.close());
    const port = listener.port;
    await listener.close();
    const code = IoErrorCode.ConnectionRefused;
    await checkIoError(() => rt.net.connect({ host, port }), code, "connect");
    await checkIoError(
      () => rt.net.connect({ host, port, timeoutMs: 5_000 }),
      code,
      "connect with timeoutMs",
    );
  },
};

const concurrentStreams: ConformanceCase = {
  name: "net: concurrent connections keep their streams apart",
  async run(rt) {
    const echoes: Promise<void>[] = [];
    const listener = await rt.net.listen({ host, port: 0 }, (conn) => echoes.push(echo(conn)));
    const clients = 20;
    const exchanges = Array.from({ length: clients }, async (_, i) => {
      const conn = await rt.net.connect({ host, port: listener.port, timeoutMs: 10_000 });
      const payload = pattern(1000 + i * 4099, i);
      const [, back] = await Promise.all([conn.write(payload), readExactly(conn, payload.length)]);
      checkBytes(back, payload, `client ${i}`);
      await conn.close();
    });
    await Promise.all(exchanges);
    await listener.close();
    await Promise.all(echoes);
    checkEqual(echoes.length, clients, "connections accepted");
  },
};

const addressInUse: ConformanceCase = {
  name: "net: listening on a taken port fails with EADDRINUSE",
  async run(rt) {
    const listener = await rt.net.listen({ host, port: 0 }, (conn) => void conn.close());
    await checkIoError(
      () => rt.net.listen({ host, port: listener.port }, (conn) => void conn.close()),
      IoErrorCode.AddressInUse,
      "second listen",
    );
    await listener.close();
  },
};

const closeFlushes: ConformanceCase = {
  name: "net: close() flushes queued writes; the peer reads them, then null",
  async run(rt) {
    const { listener, accept } = await listenQueue(rt);
    const client = await rt.net.connect({ host, port: listener.port });
    const server = await accept();
    const payload = pattern(2 * MiB + 5, 7);
    const written = server.write(payload);
    const serverClosed = server.close();
    const received = await readToEnd(client);
    await written;
    checkBytes(received, payload, "bytes before end of stream");
    checkEqual(await client.read(), null, "read after end of stream");
    await client.closed;
    await serverClosed;
    await server.closed;
    await checkIoError(
      () => server.write(text.encode("late")),
      IoErrorCode.Closed,
      "write after close",
    );
    checkEqual(await server.read(), null, "read after own close");
    await server.close();
    await client.close();
    await listener.close();
  },
};

const listenerClose: ConformanceCase = {
  name: "net: closing a listener refuses new connections and keeps open ones",
  async run(rt) {
    const { listener, accept } = await listenQueue(rt);
    const client = await rt.net.connect({ host, port: listener.port });
    const server = await accept();
    await listener.close();
    await listener.close();
    await checkIoError(
      () => rt.net.connect({ host, port: listener.port }),
      IoErrorCode.ConnectionRefused,
      "connect after close",
    );
    await client.write(text.encode("ping"));
    checkEqual(text.decode(await readExactly(server, 4)), "ping", "server got");
    await server.write(text.encode("pong!"));
    checkEqual(text.decode(await readExactly(client, 5)), "pong!", "client got");
    await client.close();
    checkEqual(await server.read(), null, "server reads null after the client closed");
    await server.closed;
    await server.close();
  },
};

export const netCases: readonly ConformanceCase[] = [
  largeEcho,
  backpressure,
  backpressureSmallWrites,
  refused,
  concurrentStreams,
  addressInUse,
  closeFlushes,
  listenerClose,
];
