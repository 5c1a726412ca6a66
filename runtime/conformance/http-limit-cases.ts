// ServeOptions' connection limits, checked over raw TCP (the runtime's own Network) against
// the runtime's HTTP server: every host must enforce all of them the same way (docs/http.md
// "Connections"). The simulation's HTTP has no sockets, so these carry requiresHostFetch and
// run on real hosts only.
import type { Connection, FetchHandler, Runtime, ServeOptions } from "../types.ts";
import type { ConformanceCase } from "./case.ts";
import { check, checkEqual, text } from "./check.ts";

const host = "127.0.0.1";
const readsMax = 10_000;

const hello: FetchHandler = () => new Response("hello");

function request(path: string, close = false): Uint8Array {
  const connection = close ? "Connection: close\r\n" : "";
  return text.encode(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${connection}\r\n`);
}

/** Everything until the server closes (bounded in reads; the case timeout bounds the time). */
async function readToEnd(conn: Connection): Promise<string> {
  let out = "";
  for (let i = 0; i < readsMax; i++) {
    const chunk = await conn.read();
    if (chunk === null) return out;
    out += text.decode(chunk);
  }
  throw new Error(`no end of stream within ${readsMax} reads`);
}

async function readUntil(conn: Connection, marker: string): Promise<string> {
  let out = "";
  for (let i = 0; i < readsMax && !out.includes(marker); i++) {
    const chunk = await conn.read();
    if (chunk === null) throw new Error(`closed before ${JSON.stringify(marker)}: ${out}`);
    out += text.decode(chunk);
  }
  return out;
}

function statusOf(response: string): number {
  const match = /^HTTP\/1\.[01] (\d{3}) /.exec(response);
  return match === null ? -1 : Number(match[1]);
}

async function withServer(
  rt: Runtime,
  options: Omit<ServeOptions, "host" | "port">,
  body: (connect: () => Promise<Connection>) => Promise<void>,
): Promise<void> {
  const server = await rt.http.serve({ host, port: 0, ...options });
  const opened: Connection[] = [];
  const connect = async () => {
    const conn = await rt.net.connect({ host, port: server.port });
    opened.push(conn);
    return conn;
  };
  try {
    await body(connect);
  } finally {
    await Promise.all(opened.map((c) => c.close()));
    await server.close();
  }
}

/** A served keep-alive connection: one request answered, left open. */
async function servedConnection(connect: () => Promise<Connection>): Promise<Connection> {
  const conn = await connect();
  await conn.write(request("/"));
  await readUntil(conn, "hello");
  return conn;
}

function checkRefusal(response: string, limit: string): void {
  checkEqual(statusOf(response), 503, `status of a connection over ${limit}`);
  check(/connection: close/i.test(response), `Connection: close over ${limit}: ${response}`);
  check(response.includes('"code":"NETWORK_EXCEPTION"'), `error code over ${limit}: ${response}`);
  check(response.includes(`${limit}=1`), `the refusal names ${limit}=1: ${response}`);
}

const connectionCap: ConformanceCase = {
  name: "http: a connection over connectionsMax gets a 503 and is closed",
  requiresHostFetch: true,
  timeoutMs: 10_000,
  run: (rt) =>
    withServer(rt, { fetch: hello, connectionsMax: 1 }, async (connect) => {
      const first = await servedConnection(connect);
      const over = await connect();
      // Some hosts answer before the request arrives; sending one is what a client does anyway.
      await over.write(request("/")).catch(() => {});
      checkRefusal(await readToEnd(over), "max.connections");
      await first.write(request("/again", true));
      check((await readToEnd(first)).endsWith("hello"), "the admitted connection is still served");
    }),
};

const perIpCap: ConformanceCase = {
  name: "http: a connection over connectionsPerIpMax gets a 503 and is closed",
  requiresHostFetch: true,
  timeoutMs: 10_000,
  run: (rt) =>
    withServer(rt, { fetch: hello, connectionsPerIpMax: 1 }, async (connect) => {
      const first = await servedConnection(connect);
      const over = await connect();
      await over.write(request("/")).catch(() => {});
      checkRefusal(await readToEnd(over), "max.connections.per.ip");
      await first.write(request("/again", true));
      check((await readToEnd(first)).endsWith("hello"), "the admitted connection is still served");
      await first.closed;
      // Its slot is free again once the server saw it close too, which the client cannot
      // observe: a new connection is retried (bounded) until it is served.
      let served = false;
      for (let attempt = 0; attempt < 50 && !served; attempt++) {
        const later = await connect();
        await later.write(request("/", true)).catch(() => {});
        const response = await readToEnd(later);
        served = statusOf(response) === 200;
        if (!served) await rt.timers.sleep(20);
      }
      check(served, "a connection is served again once the first one closed");
    }),
};

const idleClose: ConformanceCase = {
  name: "http: a keep-alive connection idle for idleTimeoutMs is closed",
  requiresHostFetch: true,
  timeoutMs: 10_000,
  run: (rt) =>
    withServer(rt, { fetch: hello, idleTimeoutMs: 300 }, async (connect) => {
      const conn = await servedConnection(connect);
      const answeredMs = rt.clock.monotonicMs();
      checkEqual(await readToEnd(conn), "", "bytes after the response on an idle connection");
      const idleMs = rt.clock.monotonicMs() - answeredMs;
      // Node's keepAliveTimeout fires up to about a second late.
      check(idleMs >= 250 && idleMs < 2_500, `closed after ${Math.round(idleMs)} ms idle`);
    }),
};

const headersTimeout: ConformanceCase = {
  name: "http: a head not finished within headersTimeoutMs gets a 408 and is closed",
  requiresHostFetch: true,
  timeoutMs: 10_000,
  run: (rt) =>
    withServer(
      rt,
      { fetch: hello, headersTimeoutMs: 300, idleTimeoutMs: 60_000 },
      async (connect) => {
        const conn = await connect();
        const startMs = rt.clock.monotonicMs();
        await conn.write(text.encode(`GET / HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `));
        const response = await readToEnd(conn);
        const tookMs = rt.clock.monotonicMs() - startMs;
        checkEqual(statusOf(response), 408, `status of a stalled head (${response})`);
        check(tookMs >= 250 && tookMs < 2_500, `cut after ${Math.round(tookMs)} ms`);
      },
    ),
};

const eventsMs = 150;
const eventsCount = 8;

const streamNotIdle: ConformanceCase = {
  name: "http: an event stream longer than idleTimeoutMs is not cut",
  requiresHostFetch: true,
  timeoutMs: 10_000,
  run: (rt) => {
    const fetch: FetchHandler = () => {
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await rt.timers.sleep(eventsMs);
          if (sent++ < eventsCount) controller.enqueue(text.encode(`data: ${sent}\n\n`));
          else controller.close();
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    };
    return withServer(rt, { fetch, idleTimeoutMs: 300, headersTimeoutMs: 300 }, async (connect) => {
      const conn = await connect();
      await conn.write(request("/events", true));
      const response = await readToEnd(conn);
      checkEqual(statusOf(response), 200, "status of the event stream");
      check(response.includes(`data: ${eventsCount}\n\n`), `every event arrived: ${response}`);
    });
  },
};

const clientGoneCancels: ConformanceCase = {
  name: "http: a client going away cancels the response stream and aborts request.signal",
  requiresHostFetch: true,
  timeoutMs: 10_000,
  run: (rt) => {
    let cancelled = (): void => {};
    const streamCancelled = new Promise<void>((resolve) => (cancelled = resolve));
    let aborted = (): void => {};
    const signalAborted = new Promise<void>((resolve) => (aborted = resolve));
    const fetch: FetchHandler = (req) => {
      req.signal.addEventListener("abort", () => aborted());
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(text.encode("data: first\n\n"));
        },
        cancel: () => cancelled(),
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    };
    return withServer(rt, { fetch }, async (connect) => {
      const conn = await connect();
      await conn.write(request("/events"));
      await readUntil(conn, "data: first");
      await conn.close();
      // Bounded by the case timeout: a host that never cancels fails here.
      await Promise.all([streamCancelled, signalAborted]);
    });
  },
};

export const httpLimitCases: readonly ConformanceCase[] = [
  connectionCap,
  perIpCap,
  idleClose,
  headersTimeout,
  streamNotIdle,
  clientGoneCancels,
];
