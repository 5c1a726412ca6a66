// Test helpers: a host/http1 server on a simulated node and raw HTTP/1.1 clients on others.
import { SimWorld } from "../../../runtime/sim/world.ts";
import { serveHttp1 } from "../../../runtime/host/http1/server.ts";
import type {
  Connection,
  FetchHandler,
  HttpServer,
  Runtime,
  ServeOptions,
} from "../../../runtime/types.ts";

export const bounds = { maxSteps: 500_000, maxVirtualMs: 600_000 };
export const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
export const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

export interface Rig {
  world: SimWorld;
  server: Runtime;
  http: HttpServer;
  /** Opens a raw connection from client node `from` (default "client"). */
  connect(from?: string): Promise<Connection>;
}

/** Runs body inside the simulation with a server on node "broker" serving fetch. */
export function withServer<T>(
  fetch: FetchHandler,
  options: Partial<Omit<ServeOptions, "fetch">>,
  body: (rig: Rig) => Promise<T>,
  seed = 7,
): Promise<T> {
  const world = new SimWorld({ seed });
  const server = world.runtime("broker");
  return world.run(async () => {
    const http = await serveHttp1(server, { host: "0.0.0.0", port: 8080, fetch, ...options });
    const rig: Rig = {
      world,
      server,
      http,
      connect: (from = "client") => world.runtime(from).net.connect({ host: "broker", port: 8080 }),
    };
    try {
      return await body(rig);
    } finally {
      await http.close();
    }
  }, bounds);
}

/** Everything the peer sends until it closes (bounded in reads). */
export async function readToEnd(conn: Connection, readsMax = 10_000): Promise<string> {
  const parts: string[] = [];
  for (let i = 0; i < readsMax; i++) {
    const chunk = await conn.read();
    if (chunk === null) return parts.join("");
    parts.push(decode(chunk));
  }
  throw new Error(`no end of stream within ${readsMax} reads`);
}

/** Reads until the text received contains `marker` (bounded); returns all text so far. */
export async function readUntil(
  conn: Connection,
  marker: string,
  readsMax = 10_000,
): Promise<string> {
  let text = "";
  for (let i = 0; i < readsMax; i++) {
    if (text.includes(marker)) return text;
    const chunk = await conn.read();
    if (chunk === null) throw new Error(`closed before ${JSON.stringify(marker)}; got ${text}`);
    text += decode(chunk);
  }
  throw new Error(`no ${JSON.stringify(marker)} within ${readsMax} reads`);
}

/** Sends raw request bytes, one write per piece (to split heads and bodies anywhere). */
export async function send(conn: Connection, ...pieces: string[]): Promise<void> {
  for (const piece of pieces) await conn.write(encode(piece));
}

/** Status lines of every response in text, in order. */
export function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

/** Echoes method, path, and body, with a header naming the request's framing. */
export const echo: FetchHandler = async (request) => {
  const body = request.body === null ? "" : await request.text();
  const path = new URL(request.url).pathname;
  return new Response(`${request.method} ${path} [${body}]`, {
    headers: { "x-framing": request.headers.get("transfer-encoding") ?? "length" },
  });
};
