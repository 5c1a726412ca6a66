// fault-proxy.ts over a plain echo server on 127.0.0.1: forwarding both ways, cut and heal,
// delay (order kept, each direction alone), one-way blackholes, dropAfterBytes quiet or with a
// reset, bounded queues under a fast sender, and close() leaving nothing open.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connect, createServer, type Server, type Socket } from "node:net";
import { eventually } from "./eventually.ts";
import { FaultProxy } from "./fault-proxy.ts";

interface Echo {
  server: Server;
  port: number;
  /** Bytes the echo server received, over all connections. */
  received: () => number;
  sockets: Set<Socket>;
}

async function startEcho(): Promise<Echo> {
  let received = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("data", (chunk) => {
      received += chunk.length;
      socket.write(chunk);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return { server, port: address.port, received: () => received, sockets };
}

/** A client socket that collects what it reads and remembers whether it closed. */
class Client {
  readonly socket: Socket;
  data = new Uint8Array(0);
  closed = false;
  error: NodeJS.ErrnoException | null = null;

  constructor(port: number) {
    this.socket = connect(port, "127.0.0.1");
    this.socket.on("data", (chunk: Uint8Array) => {
      const next = new Uint8Array(this.data.length + chunk.length);
      next.set(this.data);
      next.set(chunk, this.data.length);
      this.data = next;
    });
    this.socket.on("error", (err) => (this.error = err));
    this.socket.on("close", () => (this.closed = true));
  }

  static async open(port: number): Promise<Client> {
    const c = new Client(port);
    await new Promise<void>((resolve, reject) => {
      c.socket.once("connect", resolve);
      c.socket.once("error", reject);
    });
    return c;
  }

  text(): string {
    return new TextDecoder().decode(this.data);
  }
}

let echo: Echo;
let proxy: FaultProxy;
const clients: Client[] = [];

async function client(): Promise<Client> {
  const c = await Client.open(proxy.port);
  clients.push(c);
  return c;
}

beforeEach(async () => {
  echo = await startEcho();
  proxy = await FaultProxy.start({ target: { host: "127.0.0.1", port: echo.port } });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await proxy.close();
  for (const s of echo.sockets) s.destroy();
  await new Promise<void>((resolve) => echo.server.close(() => resolve()));
});

describe("FaultProxy", () => {
  it("listens on 127.0.0.1, forwards both ways, and targets loopback only", async () => {
    expect(proxy.host).toBe("127.0.0.1");
    await expect(FaultProxy.start({ target: { host: "10.0.0.1", port: 9093 } })).rejects
      .toThrow(/loopback only/);
    const c = await client();
    c.socket.write("hello");
    await eventually(() => c.text() === "hello");
    expect(proxy.connections).toBe(1);
    expect(proxy.stats.accepted).toBe(1);
  });

  it("cut() drops every connection and refuses new ones; heal() accepts again", async () => {
    const c = await client();
    c.socket.write("a");
    await eventually(() => c.text() === "a");
    proxy.cut();
    await eventually(() => c.closed);
    expect(proxy.connections).toBe(0);
    const refused = await Client.open(proxy.port).then(() => null, (err) => err);
    expect((refused as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
    await proxy.heal();
    const again = await client();
    again.socket.write("b");
    await eventually(() => again.text() === "b");
  });

  it("delay(ms) holds each chunk back that long, in order", async () => {
    const c = await client();
    proxy.delay(100);
    const started = performance.now();
    for (let i = 0; i < 20; i++) c.socket.write(`${i},`);
    const expected = Array.from({ length: 20 }, (_, i) => `${i},`).join("");
    await eventually(() => c.text() === expected);
    // There and back: two delays.
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
  });

  it("delay in one direction only", async () => {
    const c = await client();
    proxy.delay(400, "toClient");
    const started = performance.now();
    c.socket.write("x");
    await eventually(() => echo.received() === 1);
    const atServerMs = performance.now() - started;
    await eventually(() => c.text() === "x");
    expect(atServerMs).toBeLessThan(390);
    expect(performance.now() - started).toBeGreaterThanOrEqual(395);
  });

  it("blackhole('toTarget') keeps the connection and forwards nothing that way", async () => {
    const c = await client();
    proxy.blackhole("toTarget");
    c.socket.write("lost");
    await eventually(() => proxy.stats.discardedBytes === 4);
    expect(echo.received()).toBe(0);
    expect(c.closed).toBe(false);
    await proxy.heal();
    c.socket.write("kept");
    await eventually(() => c.text() === "kept");
    expect(echo.received()).toBe(4);
  });

  it("blackhole('toClient') lets requests through and loses the answers", async () => {
    const c = await client();
    proxy.blackhole("toClient");
    c.socket.write("ping");
    await eventually(() => echo.received() === 4 && proxy.stats.discardedBytes === 4);
    expect(c.data.length).toBe(0);
    await proxy.heal();
    c.socket.write("pong");
    await eventually(() => c.text() === "pong");
  });

  it("dropAfterBytes(n) forwards n bytes, then discards quietly or resets", async () => {
    const c = await client();
    proxy.dropAfterBytes(5, { direction: "toTarget" });
    c.socket.write("hello world");
    await eventually(() => c.text() === "hello" && proxy.stats.discardedBytes === 6);
    expect(c.closed).toBe(false);

    await proxy.heal();
    proxy.dropAfterBytes(3, { direction: "toClient", reset: true });
    const r = await client();
    r.socket.write("abcdef");
    await eventually(() => r.closed);
    expect(r.text()).toBe("abc");
    expect(proxy.connections).toBe(1);
  });

  it("bounds what it queues: a fast sender behind a delay is paused, nothing is lost", async () => {
    await proxy.close();
    const bufferBytesMax = 64 * 1024;
    proxy = await FaultProxy.start({
      target: { host: "127.0.0.1", port: echo.port },
      bufferBytesMax,
    });
    proxy.delay(20);
    const c = await client();
    const total = 2 * 1024 * 1024;
    const payload = new Uint8Array(total);
    for (let i = 0; i < total; i++) payload[i] = (i * 7) & 0xff;
    c.socket.write(payload);
    await eventually(() => c.data.length === total, 20_000);
    // Compared as one boolean: a deep equality over 2 MiB of elements is very slow.
    expect(c.data.every((b, i) => b === payload[i])).toBe(true);
    // One chunk (at most 64 KiB from a socket read) may land on top of a full queue.
    expect(proxy.stats.queuedBytesHigh).toBeLessThanOrEqual(2 * bufferBytesMax);
  });

  it("closes the client's side when the target refuses, and past connectionsMax", async () => {
    await proxy.close();
    // A port nothing listens on: take one, then free it.
    const spare = await startEcho();
    await new Promise<void>((resolve) => spare.server.close(() => resolve()));
    proxy = await FaultProxy.start({ target: { host: "127.0.0.1", port: spare.port } });
    const refused = await client();
    await eventually(() => refused.closed);
    expect(proxy.connections).toBe(0);

    await proxy.close();
    proxy = await FaultProxy.start({
      target: { host: "127.0.0.1", port: echo.port },
      connectionsMax: 1,
    });
    const first = await client();
    first.socket.write("1");
    await eventually(() => first.text() === "1");
    const second = await client();
    await eventually(() => second.closed);
    expect(proxy.connections).toBe(1);
  });

  it("close() ends every connection and stops listening", async () => {
    const c = await client();
    c.socket.write("a");
    await eventually(() => c.text() === "a");
    await proxy.close();
    await eventually(() => c.closed);
    expect(proxy.connections).toBe(0);
    const refused = await Client.open(proxy.port).then(() => null, (err) => err);
    expect((refused as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
    await eventually(() => echo.sockets.size === 0);
  });
});
