import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import type { Connection, Runtime } from "../../runtime/types.ts";
import { ioRejectionCode } from "../support/error-codes.ts";

const bounds = { maxSteps: 200_000, maxVirtualMs: 600_000 };
const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** A listener on node that queues accepted connections. */
async function listen(rt: Runtime, port = 0) {
  const accepted: Connection[] = [];
  const listener = await rt.net.listen({ host: "0.0.0.0", port }, (conn) => accepted.push(conn));
  return { listener, accepted };
}

async function readAll(
  conn: Connection,
  readsMax = 100_000,
): Promise<{ text: string; chunks: number }> {
  const parts: string[] = [];
  for (let i = 0; i < readsMax; i++) {
    const chunk = await conn.read();
    if (chunk === null) return { text: parts.join(""), chunks: i };
    parts.push(decode(chunk));
  }
  throw new Error("no end of stream");
}

describe("SimNetwork", () => {
  it("delivers bytes in order between nodes, in arbitrary chunks, with latency", async () => {
    const world = new SimWorld({ seed: 11, latencyMs: [10, 20] });
    const a = world.runtime("a");
    const b = world.runtime("b");
    const { listener, accepted } = await listen(b, 9092);
    const result = await world.run(async () => {
      const start = a.clock.monotonicMs();
      const conn = await a.net.connect({ host: "b", port: 9092 });
      const connectMs = a.clock.monotonicMs() - start;
      const server = accepted[0];
      const message = Array.from({ length: 2000 }, (_, i) => `${i},`).join("");
      const sentAt = a.clock.monotonicMs();
      for (let i = 0; i < message.length; i += 1000) {
        await conn.write(encode(message.slice(i, i + 1000)));
      }
      const first = await server.read();
      const firstLatency = b.clock.monotonicMs() - sentAt;
      await conn.close();
      const rest = await readAll(server);
      return {
        connectMs,
        firstLatency,
        text: decode(first as Uint8Array) + rest.text,
        message,
        server,
        conn,
      };
    }, bounds);
    expect(result.text).toBe(result.message);
    expect(result.connectMs).toBeGreaterThanOrEqual(20); // one round trip
    expect(result.connectMs).toBeLessThanOrEqual(40);
    expect(result.firstLatency).toBeGreaterThanOrEqual(10);
    expect(result.server.remoteAddress).toBe("a");
    expect(result.conn.remoteAddress).toBe("b");
    expect(result.conn.remotePort).toBe(9092);
    expect(result.server.remotePort).toBeGreaterThan(0);
    await listener.close();
  });

  it("splits writes into chunks of varying sizes", async () => {
    const world = new SimWorld({ seed: 5 });
    const a = world.runtime("a");
    const { listener, accepted } = await listen(a);
    const sizes = await world.run(async () => {
      const conn = await a.net.connect({ host: "127.0.0.1", port: listener.port });
      // Not awaited: 300 kB exceed the in-flight budget, so the write completes only as we read.
      const writing = conn.write(new Uint8Array(300_000)).then(() => conn.close());
      const seen: number[] = [];
      for (let i = 0; i < 10_000; i++) {
        const chunk = await accepted[0].read();
        if (chunk === null) break;
        seen.push(chunk.length);
      }
      await writing;
      return seen;
    }, bounds);
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(300_000);
    expect(new Set(sizes).size).toBeGreaterThan(3);
  });

  it("interleaves different connections while keeping each in order", async () => {
    const world = new SimWorld({ seed: 3, latencyMs: [1, 30] });
    const a = world.runtime("a");
    const b = world.runtime("b");
    const { accepted } = await listen(b, 7000);
    const arrivals = await world.run(async () => {
      const c1 = await a.net.connect({ host: "b", port: 7000 });
      const c2 = await a.net.connect({ host: "b", port: 7000 });
      const log: string[] = [];
      const drain = async (conn: Connection, name: string) => {
        for (let i = 0; i < 100; i++) {
          const chunk = await conn.read();
          if (chunk === null) return;
          log.push(...decode(chunk).split("").map((ch) => `${name}${ch}`));
        }
      };
      const drains = [drain(accepted[0], "x"), drain(accepted[1], "y")];
      for (const digit of "0123456789") {
        await c1.write(encode(digit));
        await c2.write(encode(digit));
      }
      await Promise.all([c1.close(), c2.close()]);
      await Promise.all(drains);
      return log;
    }, bounds);
    const x = arrivals.filter((e) => e.startsWith("x")).join("");
    const y = arrivals.filter((e) => e.startsWith("y")).join("");
    expect(x).toBe("x0x1x2x3x4x5x6x7x8x9");
    expect(y).toBe("y0y1y2y3y4y5y6y7y8y9");
    // Sent strictly alternating; random latency lets them arrive otherwise.
    const alternating = Array.from("0123456789").flatMap((d) => [`x${d}`, `y${d}`]);
    expect(arrivals).not.toEqual(alternating);
  });

  it("counts chunks overtaken across connections of two nodes, never within one", async () => {
    const run = async (connections: number) => {
      const world = new SimWorld({ seed: 8, latencyMs: [1, 30] });
      const a = world.runtime("a");
      const b = world.runtime("b");
      const { accepted } = await listen(b, 7010);
      await world.run(async () => {
        const conns = [];
        for (let i = 0; i < connections; i++) {
          conns.push(await a.net.connect({ host: "b", port: 7010 }));
        }
        const reads = accepted.map((conn) => readAll(conn));
        for (let i = 0; i < 40; i++) {
          await conns[i % connections].write(encode(`${i};`));
          await a.timers.sleep(2);
        }
        await Promise.all(conns.map((c) => c.close()));
        await Promise.all(reads);
      }, bounds);
      return world.net.reordered;
    };
    expect(await run(1)).toBe(0);
    expect(await run(2)).toBeGreaterThan(0);
  });

  it("holds a writer back once the in-flight budget is used, until the peer reads", async () => {
    const world = new SimWorld({ seed: 8, inFlightBytesMax: 64 * 1024 });
    const a = world.runtime("a");
    const b = world.runtime("b");
    const { accepted } = await listen(b, 7001);
    const result = await world.run(async () => {
      const conn = await a.net.connect({ host: "b", port: 7001 });
      let accepted_ = 0;
      const writer = (async () => {
        for (let i = 0; i < 32; i++) {
          await conn.write(new Uint8Array(16 * 1024));
          accepted_ += 16 * 1024;
        }
      })();
      await a.timers.sleep(1000);
      const stalledAt = accepted_;
      let read = 0;
      while (read < 32 * 16 * 1024) read += ((await accepted[0].read()) as Uint8Array).length;
      await writer;
      return { stalledAt, finished: accepted_ };
    }, bounds);
    expect(result.stalledAt).toBeLessThanOrEqual(64 * 1024);
    expect(result.stalledAt).toBeGreaterThan(0);
    expect(result.finished).toBe(512 * 1024);
  });

  it("resets open connections on partition, times out new ones, and recovers on heal", async () => {
    const world = new SimWorld({ seed: 21 });
    const a = world.runtime("a");
    const b = world.runtime("b");
    world.runtime("c");
    const { accepted } = await listen(b, 7002);
    const result = await world.run(async () => {
      const conn = await a.net.connect({ host: "b", port: 7002 });
      const pendingRead = conn.read();
      world.net.partition("a", "b");
      const readAfter = await pendingRead;
      const writeCode = await ioRejectionCode(conn.write(encode("x")));
      const start = a.clock.monotonicMs();
      const connectCode = await ioRejectionCode(
        a.net.connect({ host: "b", port: 7002, timeoutMs: 3000 }),
      );
      const waitedMs = a.clock.monotonicMs() - start;
      const fromC = await ioRejectionCode(
        world.runtime("c").net.connect({ host: "b", port: 7002 }),
      );
      world.net.heal("a", "b");
      const again = await a.net.connect({ host: "b", port: 7002 });
      await again.write(encode("hi"));
      const got = decode((await accepted[2].read()) as Uint8Array);
      return {
        readAfter,
        writeCode,
        connectCode,
        waitedMs,
        fromC,
        got,
        serverRead: await accepted[0].read(),
      };
    }, bounds);
    expect(result.readAfter).toBeNull();
    expect(result.writeCode).toBe("ECONNRESET");
    expect(result.connectCode).toBe("ETIMEDOUT");
    expect(result.waitedMs).toBe(3000);
    expect(result.fromC).toBe("ok");
    expect(result.got).toBe("hi");
    expect(result.serverRead).toBeNull();
  });

  it("turns chunk loss into a connection reset, never into missing bytes", async () => {
    const world = new SimWorld({ seed: 4 });
    const a = world.runtime("a");
    const b = world.runtime("b");
    const { accepted } = await listen(b, 7003);
    world.net.setLoss(0.05);
    const outcome = await world.run(async () => {
      const results: string[] = [];
      for (let attempt = 0; attempt < 20; attempt++) {
        const conn = await a.net.connect({ host: "b", port: 7003 });
        const server = accepted[attempt];
        const payload = Array.from({ length: 400 }, (_, i) => `${i};`).join("");
        const writeCodes: string[] = [];
        for (let i = 0; i < payload.length; i += 100) {
          writeCodes.push(await ioRejectionCode(conn.write(encode(payload.slice(i, i + 100)))));
        }
        void conn.close();
        const { text } = await readAll(server);
        // Whatever arrived is an exact prefix of what was sent.
        results.push(
          payload.startsWith(text) ? (text === payload ? "whole" : "prefix") : "CORRUPT",
        );
      }
      return results;
    }, bounds);
    expect(outcome).not.toContain("CORRUPT");
    expect(outcome).toContain("whole");
    expect(outcome).toContain("prefix");
  });

  it("refuses unknown hosts and closed ports; rejects foreign listen addresses and taken ports", async () => {
    const world = new SimWorld({ seed: 1 });
    const a = world.runtime("a");
    world.runtime("b");
    const codes = await world.run(async () => [
      await ioRejectionCode(a.net.connect({ host: "nowhere", port: 1 })),
      await ioRejectionCode(a.net.connect({ host: "b", port: 1 })),
      await ioRejectionCode(a.net.listen({ host: "b", port: 0 }, () => {})),
      await ioRejectionCode((async () => {
        await a.net.listen({ host: "a", port: 80 }, () => {});
        await a.net.listen({ host: "127.0.0.1", port: 80 }, () => {});
      })()),
    ], bounds);
    expect(codes).toEqual(["ECONNREFUSED", "ECONNREFUSED", "EINVAL", "EADDRINUSE"]);
  });

  it("serves HTTP inside the simulation", async () => {
    const world = new SimWorld({ seed: 2, latencyMs: [5, 5] });
    const a = world.runtime("a");
    world.runtime("client");
    const server = await a.http.serve({
      host: "0.0.0.0",
      port: 0,
      fetch: async (request) => {
        if (request.url.endsWith("/boom")) throw new Error("handler failed");
        return new Response(`hello ${await request.text()} at ${a.clock.monotonicMs()}`);
      },
    });
    const result = await world.run(async () => {
      const ok = await world.http.fetch(
        "a",
        server.port,
        new Request("http://a/x", { method: "POST", body: "you" }),
      );
      const boom = await world.http.fetch("a", server.port, new Request("http://a/boom"));
      world.net.partition("client", "a");
      const cut = await ioRejectionCode(
        world.http.fetch("a", server.port, new Request("http://a/x"), {
          from: "client",
          timeoutMs: 100,
        }),
      );
      await server.close();
      const closed = await ioRejectionCode(
        world.http.fetch("a", server.port, new Request("http://a/x")),
      );
      return { ok: await ok.text(), boom: boom.status, cut, closed };
    }, bounds);
    expect(result).toEqual({
      ok: "hello you at 5",
      boom: 500,
      cut: "ETIMEDOUT",
      closed: "ECONNREFUSED",
    });
  });

  it("lets a closing HTTP server answer its in-flight requests; a crashed one answers nothing", async () => {
    const world = new SimWorld({ seed: 6 });
    const a = world.runtime("a");
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const server = await a.http.serve({
      host: "a",
      port: 8080,
      fetch: async () => (await gate, new Response("late")),
    });
    const result = await world.run(async () => {
      const pending = world.http.fetch("a", 8080, new Request("http://a:8080/"));
      await a.timers.sleep(20);
      let closed = false;
      const closing = server.close().then(() => (closed = true));
      await a.timers.sleep(20);
      const closedEarly = closed;
      release();
      const body = await (await pending).text();
      await closing;
      // The handler finishes (on another node's timer) after its host crashed: no reply.
      const elsewhere = world.runtime("b").timers;
      await a.http.serve({
        host: "a",
        port: 8080,
        fetch: async () => (await elsewhere.sleep(30), new Response("x")),
      });
      const afterCrash = ioRejectionCode(
        world.http.fetch("a", 8080, new Request("http://a:8080/")),
      );
      await elsewhere.sleep(20);
      world.crash("a");
      return { closedEarly, body, closed, afterCrash: await afterCrash };
    }, bounds);
    expect(result).toEqual({
      closedEarly: false,
      body: "late",
      closed: true,
      afterCrash: "ECONNRESET",
    });
  });
});
