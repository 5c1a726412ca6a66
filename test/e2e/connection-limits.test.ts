// Connection limits of a real broker process under each host: max.connections and
// max.connections.per.ip refuse with a connection-level error (CBOR) or a 503 (HTTP),
// connections.max.idle.ms closes idle CBOR and HTTP connections, and an HTTP request that
// stalls in its headers is cut off with a 408, while the broker keeps serving everyone else.
// E2E_CONNECTION_LIMITS_HOSTS narrows the hosts (default: all).
import { connect, type Socket } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeResponse, type ResponseEnvelope } from "../../src/protocol/cbor/envelope.ts";
import { FrameDecoder } from "../../src/protocol/cbor/frame.ts";
import {
  type BrokerProcess,
  makeTempDir,
  requireHost,
  selectedHosts,
  startBrokerProcess,
} from "./broker-process.ts";

const selected = selectedHosts("E2E_CONNECTION_LIMITS_HOSTS");

const idleMs = 1_000;
const headersTimeoutMs = 1_000;

/**
 * How late a host may cut a stalled HTTP request or close an idle keep-alive connection. Every
 * host enforces both (runtime/<host>/http.ts): Node through node:http, whose keep-alive timer
 * fires about 1 s late and whose header timeout is checked every quarter of it; Deno and Bun
 * through runtime/host/http1, on time.
 */
const httpBoundsMs = { headers: headersTimeoutMs + 1_000, idle: idleMs + 2_500 };

interface Peer {
  socket: Socket;
  /** Resolves with ms from open to the server closing it, and what it received. */
  closed: Promise<{ afterMs: number; received: Buffer }>;
}

async function open(port: number): Promise<Peer> {
  const socket = connect({ host: "127.0.0.1", port });
  const started = Date.now();
  const chunks: Buffer[] = [];
  socket.on("data", (d: Buffer) => chunks.push(d));
  socket.on("error", () => undefined); // a reset after the server gave up is fine too
  const closed = new Promise<{ afterMs: number; received: Buffer }>((res) =>
    socket.once(
      "close",
      () => res({ afterMs: Date.now() - started, received: Buffer.concat(chunks) }),
    )
  );
  await new Promise<void>((res, rej) => socket.once("connect", res).once("error", rej));
  return { socket, closed };
}

/** The server's close, or a failure after limitMs (and the socket torn down). */
async function closedWithin(peer: Peer, limitMs: number) {
  const timer = setTimeout(() => peer.socket.destroy(new Error("still open")), limitMs);
  const result = await peer.closed;
  clearTimeout(timer);
  expect(peer.socket.errored?.message).not.toBe("still open");
  return result;
}

/** Polls the broker's metrics (bounded) until its CBOR listener counts `count` connections. */
async function cborConnectionsDropTo(b: BrokerProcess, count: number): Promise<void> {
  const series = `tributary_open_connections{protocol="cbor"} ${count}`;
  for (let i = 0; i < 250; i++) {
    const text = await (await fetch(`${b.httpUrl}/metrics`)).text();
    if (text.includes(series)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the broker did not get down to ${count} CBOR connections`);
}

/** Waits (bounded) for an event in the broker's log: stderr arrives on its own schedule. */
async function logged(b: BrokerProcess, event: string): Promise<void> {
  for (let i = 0; i < 250 && !b.stderr().includes(event); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(b.stderr()).toContain(event);
}

function responses(bytes: Buffer): ResponseEnvelope[] {
  return new FrameDecoder().push(new Uint8Array(bytes)).map((p) => decodeResponse(p));
}

async function expectRefused(port: number, setting: string): Promise<void> {
  const refused = await open(port);
  const { received } = await closedWithin(refused, 5_000);
  const [answer] = responses(received);
  expect(answer.correlationId).toBe(0);
  expect(answer.error?.code).toBe("NETWORK_EXCEPTION");
  expect(answer.error?.message).toContain(setting);
}

for (const host of selected) {
  requireHost(host);
  describe(`connection limits under ${host}`, () => {
    const dir = makeTempDir(`tributary-limits-${host}-`);
    let perIp: BrokerProcess | null = null;
    let total: BrokerProcess | null = null;

    beforeAll(async () => {
      const perIpConfig = join(dir.path, "per-ip.properties");
      writeFileSync(
        perIpConfig,
        `max.connections.per.ip=2\nconnections.max.idle.ms=${idleMs}\n` +
          `http.headers.timeout.ms=${headersTimeoutMs}\n`,
      );
      const totalConfig = join(dir.path, "total.properties");
      writeFileSync(totalConfig, "max.connections=2\n");
      [perIp, total] = await Promise.all([
        startBrokerProcess(host, {
          dataDir: join(dir.path, "a"),
          extraArgs: ["--config", perIpConfig],
        }),
        startBrokerProcess(host, {
          dataDir: join(dir.path, "b"),
          extraArgs: ["--config", totalConfig],
        }),
      ]);
    }, 60_000);
    afterAll(async () => {
      await Promise.all([perIp?.stop(), total?.stop()]);
      dir.remove();
    });

    it("refuses a third connection from one address with max.connections.per.ip=2", async () => {
      const b = perIp as BrokerProcess;
      const kept = [await open(b.port), await open(b.port)];
      await expectRefused(b.port, "max.connections.per.ip=2");
      for (const k of kept) k.socket.destroy();
      await logged(b, "connection.refused");
    });

    it("refuses a third connection with max.connections=2", async () => {
      const b = total as BrokerProcess;
      const kept = [await open(b.port), await open(b.port)];
      await expectRefused(b.port, "max.connections=2");
      for (const k of kept) k.socket.destroy();
      // Once the broker saw them go, connections are accepted again.
      await Promise.all(kept.map((k) => k.closed));
      await cborConnectionsDropTo(b, 0);
      const again = await open(b.port);
      const early = await Promise.race([
        again.closed.then(() => "closed"),
        new Promise((r) => setTimeout(() => r("open"), 300)),
      ]);
      expect(early).toBe("open");
      again.socket.destroy();
    });

    it("closes a CBOR connection idle for connections.max.idle.ms", async () => {
      const b = perIp as BrokerProcess;
      const idle = await open(b.port);
      const { afterMs, received } = await closedWithin(idle, idleMs + 5_000);
      expect(afterMs).toBeGreaterThanOrEqual(idleMs - 50);
      expect(afterMs).toBeLessThan(idleMs + 3_000);
      expect(received.length).toBe(0);
      await logged(b, "connection.idle_closed");
    });

    it("answers an HTTP long poll that lasts longer than connections.max.idle.ms", async () => {
      const b = perIp as BrokerProcess;
      // Connection: close on both, so no pooled connection counts against the per-IP cap the
      // next test fills.
      const created = await fetch(`${b.httpUrl}/v1/topics`, {
        method: "POST",
        headers: { "content-type": "application/json", connection: "close" },
        body: JSON.stringify({ name: "quiet", partitions: 1 }),
      });
      expect(created.status).toBe(201);
      const waitMs = idleMs * 8;
      const started = Date.now();
      const polled = await fetch(
        `${b.httpUrl}/v1/topics/quiet/partitions/0/records?offset=0&timeoutMs=${waitMs}`,
        { headers: { connection: "close" } },
      );
      expect(polled.status).toBe(200);
      expect((await polled.json()).records).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(waitMs - 50);
    }, 30_000);

    it("answers a third HTTP connection from one address with a 503 (max.connections.per.ip=2)", async () => {
      const b = perIp as BrokerProcess;
      const httpPort = Number(new URL(b.httpUrl).port);
      const health = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
      const kept = [await open(httpPort), await open(httpPort)];
      for (const k of kept) await answered(k, health);
      const over = await open(httpPort);
      over.socket.write(health);
      const { received } = await closedWithin(over, 5_000);
      const text = received.toString("latin1");
      expect(text).toMatch(/^HTTP\/1\.1 503 /);
      expect(text).toMatch(/\r\nconnection: close\r\n/i);
      const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4));
      expect(body.error.code).toBe("NETWORK_EXCEPTION");
      expect(body.error.message).toContain("max.connections.per.ip=2");
      await logged(b, "listener=http limit=max.connections.per.ip");
      // The admitted connections are still served, and once they go others are admitted again.
      for (const k of kept) await answered(k, health);
      for (const k of kept) k.socket.destroy();
      await Promise.all(kept.map((k) => k.closed));
      await httpServedAgain(b);
      const metrics = await (await fetch(`${b.httpUrl}/metrics`, {
        headers: { connection: "close" },
      })).text();
      // At least the one above; httpServedAgain may itself be refused while the server frees
      // the slots of the connections just closed.
      const refused =
        /^tributary_http_connections_refused_total\{reason="max\.connections\.per\.ip"\} (\d+)$/m
          .exec(metrics);
      expect(Number(refused?.[1])).toBeGreaterThanOrEqual(1);
      // Bounded generously: under the full suite's load a broker process may answer in seconds.
    }, 30_000);

    it("closes a keep-alive HTTP connection idle for connections.max.idle.ms", async () => {
      const b = perIp as BrokerProcess;
      const peer = await open(Number(new URL(b.httpUrl).port));
      peer.socket.write("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      const { afterMs, received } = await closedWithin(peer, httpBoundsMs.idle + 5_000);
      expect(received.toString("latin1")).toMatch(/^HTTP\/1\.1 200/);
      expect(afterMs).toBeGreaterThanOrEqual(idleMs - 50);
      expect(afterMs).toBeLessThan(httpBoundsMs.idle);
      await httpServedAgain(b);
    }, 30_000);

    it("cuts off an HTTP request that stalls in its headers with a 408", async () => {
      const b = perIp as BrokerProcess;
      const peer = await open(Number(new URL(b.httpUrl).port));
      peer.socket.write("GET /v1/health HTTP/1.1\r\nHost: 127.");
      const { afterMs, received } = await closedWithin(peer, httpBoundsMs.headers + 5_000);
      expect(received.toString("latin1")).toMatch(/^HTTP\/1\.1 408 /);
      expect(afterMs).toBeGreaterThanOrEqual(headersTimeoutMs - 50);
      expect(afterMs).toBeLessThan(httpBoundsMs.headers);
      await httpServedAgain(b);
    }, 40_000);
  });
}

/** Sends one request on a kept-alive peer and waits (bounded) for its complete 200 answer. */
async function answered(peer: Peer, request: string): Promise<void> {
  let text = "";
  const complete = /^HTTP\/1\.1 \d{3} [^]*?\r\n\r\n\{[^]*\}$/;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no complete answer: ${text}`)), 15_000);
    const onData = (d: Buffer) => {
      text += d.toString("latin1");
      if (complete.test(text)) done();
    };
    const done = (err?: Error) => {
      clearTimeout(timer);
      peer.socket.off("data", onData);
      if (err) reject(err);
      else resolve();
    };
    peer.socket.on("data", onData);
    peer.socket.write(request);
  });
  expect(text).toMatch(/^HTTP\/1\.1 200 /);
}

/**
 * The broker answers a fresh HTTP request. Retried (bounded): a connection the client closed
 * counts against max.connections.per.ip until the broker has seen it go.
 */
async function httpServedAgain(b: BrokerProcess): Promise<void> {
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    const response = await fetch(`${b.httpUrl}/v1/health`, { headers: { connection: "close" } });
    status = response.status;
    await response.body?.cancel();
    if (status !== 200) await new Promise((r) => setTimeout(r, 20));
  }
  expect(status).toBe(200);
}
