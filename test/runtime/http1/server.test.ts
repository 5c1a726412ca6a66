// host/http1 over the simulated network: framing, keep-alive, pipelining, streaming, limits.
import { describe, expect, it } from "vitest";
import type { ConnectionRefusal } from "../../../runtime/types.ts";
import { echo, readToEnd, readUntil, send, statuses, withServer } from "./wire.ts";

const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: broker\r\n${extra}\r\n`;

describe("http1 server: requests and responses", () => {
  it("answers pipelined keep-alive requests in order, with Content-Length", async () => {
    const text = await withServer(echo, {}, async ({ connect }) => {
      const conn = await connect();
      await send(conn, get("/a") + get("/b") + get("/c", "Connection: close\r\n"));
      return await readToEnd(conn);
    });
    expect(statuses(text)).toEqual([200, 200, 200]);
    expect([...text.matchAll(/GET \/(\w) \[\]/g)].map((m) => m[1])).toEqual(["a", "b", "c"]);
    expect(text).toContain("content-length: 9\r\n");
    expect(text.match(/connection: close/g)?.length).toBe(1);
    expect(text).toMatch(/\r\ndate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/);
  });

  it("reads a head and body split at every byte", async () => {
    const text = await withServer(echo, {}, async ({ connect }) => {
      const conn = await connect();
      const request = "POST /p HTTP/1.1\r\nHost: broker\r\nContent-Length: 5\r\n" +
        "Connection: close\r\n\r\nhello";
      await send(conn, ...request.split(""));
      return await readToEnd(conn);
    });
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain("POST /p [hello]");
  });

  it("reads chunked bodies with extensions and trailers, then serves the next request", async () => {
    const text = await withServer(echo, {}, async ({ connect }) => {
      const conn = await connect();
      await send(
        conn,
        "POST /c HTTP/1.1\r\nHost: broker\r\nTransfer-Encoding: chunked\r\n\r\n",
        "5;ext=1\r\nhel",
        "lo\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
        get("/next", "Connection: close\r\n"),
      );
      return await readToEnd(conn);
    });
    expect(text).toContain("POST /c [hello world]");
    expect(text).toContain("GET /next []");
    expect(statuses(text)).toEqual([200, 200]);
  });

  it("refuses a malformed chunked body and closes", async () => {
    const text = await withServer(echo, {}, async ({ connect }) => {
      const conn = await connect();
      await send(conn, "POST /c HTTP/1.1\r\nHost: broker\r\nTransfer-Encoding: chunked\r\n\r\n");
      await send(conn, "zz\r\nhello\r\n0\r\n\r\n" + get("/smuggled"));
      return await readToEnd(conn);
    });
    expect(text).not.toContain("/smuggled");
    expect(statuses(text)).toEqual([500]);
  });

  it("refuses smuggling shapes with 400 and closes without reading on", async () => {
    const shapes = [
      "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
      "Content-Length: 4\r\nContent-Length: 5\r\n",
      "Transfer-Encoding: chunked, identity\r\n",
      "X-A: a\r\n  folded\r\n",
    ];
    for (const shape of shapes) {
      const text = await withServer(echo, {}, async ({ connect }) => {
        const conn = await connect();
        await send(conn, `POST / HTTP/1.1\r\nHost: broker\r\n${shape}\r\n0\r\n\r\n${get("/x")}`);
        return await readToEnd(conn);
      });
      expect(statuses(text), shape).toEqual([400]);
      expect(text, shape).toContain("connection: close");
      expect(text, shape).toContain('"code":"INVALID_REQUEST"');
    }
  });

  it("answers an oversized head with 431 and closes", async () => {
    const text = await withServer(echo, {}, async ({ connect }) => {
      const conn = await connect();
      await send(conn, `GET / HTTP/1.1\r\nHost: broker\r\nX-Big: ${"a".repeat(17_000)}\r\n\r\n`);
      return await readToEnd(conn);
    });
    expect(statuses(text)).toEqual([431]);
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const text = await withServer(
      () => new Response("twelve bytes", { headers: { "content-type": "text/plain" } }),
      {},
      async ({ connect }) => {
        const conn = await connect();
        await send(
          conn,
          "HEAD / HTTP/1.1\r\nHost: broker\r\n\r\n" + get("/", "Connection: close\r\n"),
        );
        return await readToEnd(conn);
      },
    );
    const [head, get2] = text.split(/(?=HTTP\/1\.1 )/);
    expect(head).toMatch(/content-length: 12\r\n/);
    expect(head.endsWith("\r\n\r\n")).toBe(true);
    expect(get2.endsWith("\r\n\r\ntwelve bytes")).toBe(true);
  });

  it("answers Expect: 100-continue before the client sends the body", async () => {
    const text = await withServer(echo, {}, async ({ connect }) => {
      const conn = await connect();
      await send(
        conn,
        "POST /e HTTP/1.1\r\nHost: broker\r\nContent-Length: 2\r\nExpect: 100-continue\r\n" +
          "Connection: close\r\n\r\n",
      );
      const interim = await readUntil(conn, "\r\n\r\n");
      expect(interim).toBe("HTTP/1.1 100 Continue\r\n\r\n");
      await send(conn, "ok");
      return await readToEnd(conn);
    });
    expect(text).toContain("POST /e [ok]");
  });

  it("drains a streamed body the handler did not read and keeps the connection", async () => {
    const text = await withServer(() => new Response("ignored"), {}, async ({ connect }) => {
      const conn = await connect();
      await send(
        conn,
        "POST / HTTP/1.1\r\nHost: broker\r\nTransfer-Encoding: chunked\r\n\r\n" +
          "a\r\n0123456789\r\n0\r\n\r\n" + get("/", "Connection: close\r\n"),
      );
      return await readToEnd(conn);
    });
    expect(statuses(text)).toEqual([200, 200]);
  });

  it("closes after the response when an unread body is too large to drain", async () => {
    const bodyBytes = 2 * 1024 * 1024;
    const text = await withServer(() => new Response("ignored"), {}, async ({ connect }) => {
      const conn = await connect();
      const head = `POST / HTTP/1.1\r\nHost: broker\r\nContent-Length: ${bodyBytes}\r\n\r\n`;
      // Not awaited: the server stops reading once it gave up on the body.
      const sending = send(conn, head, "x".repeat(bodyBytes), get("/next")).catch(() => {});
      const received = await readToEnd(conn);
      await sending;
      return received;
    });
    expect(statuses(text)).toEqual([200]);
  });

  it("sends every Set-Cookie and chunked framing for a body still being produced", async () => {
    const text = await withServer(
      (request) => {
        let n = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            await new Promise<void>((resolve) => {
              request.signal.addEventListener("abort", () => resolve());
              void Promise.resolve().then(resolve);
            });
            if (n++ < 3) controller.enqueue(new TextEncoder().encode(`part${n};`));
            else controller.close();
          },
        });
        const headers = new Headers({ "content-type": "text/plain" });
        headers.append("set-cookie", "a=1");
        headers.append("set-cookie", "b=2");
        return new Response(body, { headers });
      },
      {},
      async ({ connect }) => {
        const conn = await connect();
        await send(conn, get("/", "Connection: close\r\n"));
        return await readToEnd(conn);
      },
    );
    expect(text).toContain("set-cookie: a=1\r\nset-cookie: b=2\r\n");
    expect(text).toContain("part1;part2;part3;");
  });

  it("streams an event stream chunk by chunk and cancels it when the client leaves", async () => {
    let cancelled = false;
    let aborted = false;
    await withServer(
      (request) => {
        request.signal.addEventListener("abort", () => (aborted = true));
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("data: one\n\n"));
          },
          cancel() {
            cancelled = true;
          },
        });
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      },
      {},
      async ({ connect, server }) => {
        const conn = await connect();
        await send(conn, get("/events"));
        const first = await readUntil(conn, "data: one");
        expect(first).toContain("transfer-encoding: chunked");
        await conn.close();
        for (let i = 0; i < 100 && !cancelled; i++) await server.timers.sleep(10);
      },
    );
    expect(cancelled).toBe(true);
    expect(aborted).toBe(true);
  });
});

describe("http1 server: limits", () => {
  it("answers a connection over connectionsMax with 503 and closes it", async () => {
    const refusals: ConnectionRefusal[] = [];
    const onRefused = (r: ConnectionRefusal) => void refusals.push(r);
    await withServer(echo, { connectionsMax: 1, onRefused }, async ({ connect }) => {
      const first = await connect("c1");
      await send(first, get("/"));
      await readUntil(first, "GET / []");
      const second = await connect("c2");
      const refused = await readToEnd(second);
      expect(statuses(refused)).toEqual([503]);
      expect(refused).toContain('"code":"NETWORK_EXCEPTION"');
      expect(refused).toContain("max.connections=1");
      expect(refused).toContain("connection: close");
      expect(refusals.map((r) => r.limit)).toEqual(["max.connections"]);
      // The admitted connection keeps being served.
      await send(first, get("/again", "Connection: close\r\n"));
      expect(await readToEnd(first)).toContain("GET /again []");
    });
  });

  it("answers a connection over connectionsPerIpMax with 503, other addresses still served", async () => {
    await withServer(echo, { connectionsPerIpMax: 1 }, async ({ connect }) => {
      const first = await connect("c1");
      await send(first, get("/"));
      await readUntil(first, "GET / []");
      const refused = await readToEnd(await connect("c1"));
      expect(statuses(refused)).toEqual([503]);
      expect(refused).toContain("max.connections.per.ip=1");
      const other = await connect("c2");
      await send(other, get("/other", "Connection: close\r\n"));
      expect(await readToEnd(other)).toContain("GET /other []");
    });
  });

  it("closes a keep-alive connection idle for idleTimeoutMs", async () => {
    await withServer(echo, { idleTimeoutMs: 500 }, async ({ connect, server }) => {
      const conn = await connect();
      await send(conn, get("/"));
      await readUntil(conn, "GET / []");
      const answeredAt = server.clock.monotonicMs();
      expect(await readToEnd(conn)).toBe("");
      const idleMs = server.clock.monotonicMs() - answeredAt;
      expect(idleMs).toBeGreaterThanOrEqual(490);
      expect(idleMs).toBeLessThan(600);
    });
  });

  it("answers a head not finished within headersTimeoutMs with 408 and closes", async () => {
    await withServer(echo, { headersTimeoutMs: 300, idleTimeoutMs: 60_000 }, async (rig) => {
      const conn = await rig.connect();
      const start = rig.server.clock.monotonicMs();
      await send(conn, "GET / HTTP/1.1\r\nHost: bro");
      const text = await readToEnd(conn);
      const tookMs = rig.server.clock.monotonicMs() - start;
      expect(statuses(text)).toEqual([408]);
      expect(text).toContain('"code":"REQUEST_TIMED_OUT"');
      expect(tookMs).toBeGreaterThanOrEqual(290);
      expect(tookMs).toBeLessThan(400);
    });
  });

  it("does not cut a response stream that lasts longer than idleTimeoutMs", async () => {
    await withServer(
      (request) => {
        let n = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            await new Promise<void>((resolve) => setTimeoutVirtual(resolve));
            if (n++ < 5) controller.enqueue(new TextEncoder().encode(`data: ${n}\n\n`));
            else controller.close();
          },
        });
        void request;
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      },
      { idleTimeoutMs: 200 },
      async ({ connect, server }) => {
        setTimeoutVirtual = (fn) => server.timers.setTimeout(fn, 150);
        const conn = await connect();
        const start = server.clock.monotonicMs();
        await send(conn, get("/events", "Connection: close\r\n"));
        const text = await readToEnd(conn);
        expect(text).toContain("data: 5\n\n");
        expect(text.endsWith("0\r\n\r\n")).toBe(true);
        expect(server.clock.monotonicMs() - start).toBeGreaterThan(800);
      },
    );
  });

  it("close() closes idle connections and lets an in-flight request finish", async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    await withServer(
      async (request) => {
        if (new URL(request.url).pathname === "/slow") await gate;
        return new Response("done");
      },
      {},
      async ({ connect, http, server }) => {
        const idle = await connect("c1");
        await send(idle, get("/"));
        await readUntil(idle, "done");
        const busy = await connect("c2");
        await send(busy, get("/slow"));
        await server.timers.sleep(20);
        const closing = http.close();
        expect(await readToEnd(idle)).toBe("");
        release();
        const text = await readToEnd(busy);
        expect(text).toContain("connection: close");
        expect(text.endsWith("done")).toBe(true);
        await closing;
      },
    );
  });
});

let setTimeoutVirtual: (fn: () => void) => void = () => {
  throw new Error("set by the test");
};
