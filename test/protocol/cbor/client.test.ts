// ProtocolClient behaviour against scripted servers and the real one: error mapping, timeouts,
// connection loss, local limits, and server shutdown as a client sees it.
import { afterEach, describe, expect, it } from "vitest";
import type { Connection, Listener } from "../../../runtime/types.ts";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { ProtocolClient } from "../../../src/protocol/cbor/client.ts";
import {
  decodeRequest,
  encodeResponseFrame,
  type RequestEnvelope,
} from "../../../src/protocol/cbor/envelope.ts";
import { FrameDecoder } from "../../../src/protocol/cbor/frame.ts";
import { apiVersionsBody } from "../../../src/protocol/cbor/server/handlers/api-versions.ts";
import { Op } from "../../../src/protocol/cbor/op-codes.ts";
import { batchOf, eventually, type Harness, startHarness } from "./support/harness.ts";
import { FakeBroker } from "./support/fake-broker.ts";

const rt = createNodeRuntime();

/** A server that answers the handshake properly and everything else through `script`. */
async function scriptedServer(
  script: (request: RequestEnvelope, conn: Connection) => Promise<void> | void,
  handshake: (request: RequestEnvelope, conn: Connection) => Promise<void> | void = (r, conn) =>
    conn.write(encodeResponseFrame(
      r.correlationId,
      null,
      apiVersionsBody({
        broker: new FakeBroker(),
        serverVersion: "scripted",
        frameBytesMax: 1024,
      }),
    )),
): Promise<{ listener: Listener; conns: Connection[] }> {
  const conns: Connection[] = [];
  const listener = await rt.net.listen({ host: "127.0.0.1", port: 0 }, (conn) => {
    conns.push(conn);
    void (async () => {
      const decoder = new FrameDecoder();
      for (let i = 0; i < 10_000; i++) {
        const chunk = await conn.read();
        if (chunk === null) return;
        for (const payload of decoder.push(chunk)) {
          const request = decodeRequest(payload);
          if (request.op === Op.ApiVersions) await handshake(request, conn);
          else await script(request, conn);
        }
      }
    })();
  });
  return { listener, conns };
}

describe("ProtocolClient", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function scripted(
    script: Parameters<typeof scriptedServer>[0],
    handshake?: Parameters<typeof scriptedServer>[1],
  ) {
    const server = await scriptedServer(script, handshake);
    cleanups.push(async () => {
      await server.listener.close();
      await Promise.all(server.conns.map((c) => c.close()));
    });
    return server;
  }

  async function connect(
    port: number,
    options: { requestTimeoutMs?: number; inFlightMax?: number } = {},
  ) {
    const client = await ProtocolClient.connect(rt, { host: "127.0.0.1", port, ...options });
    cleanups.push(() => client.close());
    return client;
  }

  it("fails to connect with NETWORK_EXCEPTION when nothing listens", async () => {
    const server = await rt.net.listen({ host: "127.0.0.1", port: 0 }, (c) => void c.close());
    const port = server.port;
    await server.close();
    await expect(ProtocolClient.connect(rt, { host: "127.0.0.1", port })).rejects.toMatchObject({
      code: "NETWORK_EXCEPTION",
      retriable: true,
    });
  });

  it("maps known error codes to TributaryError and unknown ones to UNKNOWN_SERVER_ERROR", async () => {
    const server = await scripted((r, conn) => {
      const code = r.op === Op.ListTopics ? "TOPIC_ALREADY_EXISTS" : "SOMETHING_FROM_THE_FUTURE";
      return conn.write(
        encodeResponseFrame(r.correlationId, { code, message: "why", retriable: true }, null),
      );
    });
    const client = await connect(server.listener.port);
    await expect(client.request("ListTopics", {})).rejects.toMatchObject({
      code: "TOPIC_ALREADY_EXISTS",
      message: "why",
    });
    const err = await client.request("InitProducerId", {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "UNKNOWN_SERVER_ERROR" });
    expect((err as Error).message).toContain("SOMETHING_FROM_THE_FUTURE: why");
  });

  it("rejects a response whose body does not match its operation", async () => {
    const server = await scripted((r, conn) =>
      conn.write(encodeResponseFrame(r.correlationId, null, { topics: [{ name: 5 }] }))
    );
    const client = await connect(server.listener.port);
    await expect(client.request("ListTopics", {})).rejects.toMatchObject({
      code: "UNKNOWN_SERVER_ERROR",
    });
  });

  it("times out a request with REQUEST_TIMED_OUT and ignores the late answer", async () => {
    const held: RequestEnvelope[] = [];
    const server = await scripted((r) => void held.push(r));
    const client = await connect(server.listener.port, { requestTimeoutMs: 100 });
    await expect(client.request("ListTopics", {})).rejects.toMatchObject({
      code: "REQUEST_TIMED_OUT",
    });
    expect(client.inFlight).toBe(0);
    await server.conns[0].write(encodeResponseFrame(held[0].correlationId, null, { topics: [] }));
    // The connection is still usable afterwards.
    const late = client.request("ListTopics", {});
    await eventually(() => held.length === 2);
    await server.conns[0].write(encodeResponseFrame(held[1].correlationId, null, { topics: [] }));
    await expect(late).resolves.toEqual({ topics: [] });
  });

  it("times out a request still waiting for an in-flight slot, and frees every slot", async () => {
    const held: RequestEnvelope[] = [];
    const server = await scripted((r) => void held.push(r));
    const client = await connect(server.listener.port, { requestTimeoutMs: 5_000, inFlightMax: 1 });
    const first = client.request("ListTopics", {});
    const queued = await client.request("ListTopics", {}, { timeoutMs: 50 }).catch((e) => e);
    expect(queued).toMatchObject({ code: "REQUEST_TIMED_OUT" });
    expect((queued as Error).message).toContain("no in-flight slot within 50 ms");
    await eventually(() => held.length === 1);
    await server.conns[0].write(encodeResponseFrame(held[0].correlationId, null, { topics: [] }));
    await expect(first).resolves.toEqual({ topics: [] });
    // The slot the first request held is free again: the next one is sent and answered.
    const next = client.request("ListTopics", {});
    await eventually(() => held.length === 2);
    await server.conns[0].write(encodeResponseFrame(held[1].correlationId, null, { topics: [] }));
    await expect(next).resolves.toEqual({ topics: [] });
    expect(client.inFlight).toBe(0);
  });

  it("adds a Fetch's maxWaitMs to its deadline", async () => {
    const server = await scripted((r, conn) => {
      setTimeout(
        () => void conn.write(encodeResponseFrame(r.correlationId, null, { partitions: [] })),
        250,
      );
    });
    const client = await connect(server.listener.port, { requestTimeoutMs: 100 });
    await expect(
      client.request("Fetch", { maxWaitMs: 300, minBytes: 1, maxBytes: 1, partitions: [] }),
    ).resolves.toEqual({ partitions: [] });
  });

  it("fails every pending request with NETWORK_EXCEPTION when the connection drops", async () => {
    const server = await scripted(() => {});
    const client = await connect(server.listener.port);
    const pending = Array.from(
      { length: 5 },
      () => client.request("ListTopics", {}).catch((e: unknown) => e),
    );
    await eventually(() => client.inFlight === 5);
    await server.conns[0].close();
    for (const err of await Promise.all(pending)) {
      expect(err).toMatchObject({ code: "NETWORK_EXCEPTION" });
    }
    await client.closed;
    await expect(client.request("ListTopics", {})).rejects.toMatchObject({
      code: "NETWORK_EXCEPTION",
    });
  });

  it("fails pending requests with the server's connection-level error", async () => {
    const server = await scripted((_r, conn) =>
      conn.write(
        encodeResponseFrame(
          0,
          { code: "CORRUPT_MESSAGE", message: "bad frame", retriable: false },
          null,
        ),
      )
    );
    const client = await connect(server.listener.port);
    await expect(client.request("ListTopics", {})).rejects.toMatchObject({
      code: "CORRUPT_MESSAGE",
    });
    await expect(client.request("ListTopics", {})).rejects.toMatchObject({
      code: "NETWORK_EXCEPTION",
    });
  });

  it("refuses locally a request larger than the broker's frame limit", async () => {
    const server = await scripted(() => {});
    const client = await connect(server.listener.port);
    const records = new Uint8Array(2000);
    await expect(
      client.request("Produce", {
        acks: 1,
        timeoutMs: 0,
        partitions: [{ topic: "t", partition: 0, records }],
      }),
    )
      .rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(client.inFlight).toBe(0);
  });

  it("refuses operations the broker does not list, with UNSUPPORTED_VERSION", async () => {
    const server = await scripted(() => {}, (r, conn) => {
      const body = apiVersionsBody({
        broker: new FakeBroker(),
        serverVersion: "old",
        frameBytesMax: 1024,
      });
      body.apis = body.apis.filter((a) => a.name !== "InitProducerId");
      return conn.write(encodeResponseFrame(r.correlationId, null, body));
    });
    const client = await connect(server.listener.port);
    await expect(client.request("InitProducerId", {})).rejects.toMatchObject({
      code: "UNSUPPORTED_VERSION",
    });
  });

  it("fails connect when the handshake is refused", async () => {
    const server = await scripted(
      () => {},
      (r, conn) =>
        conn.write(
          encodeResponseFrame(r.correlationId, {
            code: "UNSUPPORTED_VERSION",
            message: "no",
            retriable: false,
          }, null),
        ),
    );
    await expect(ProtocolClient.connect(rt, { host: "127.0.0.1", port: server.listener.port }))
      .rejects.toMatchObject({ code: "UNSUPPORTED_VERSION" });
  });
});

describe("server shutdown as clients see it", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("answers parked fetches, lets in-flight produces finish, then closes every connection", async () => {
    const gates: Array<() => void> = [];
    h = await startHarness({
      produceDelay: () => new Promise<void>((resolve) => gates.push(resolve)),
    });
    await h.broker.createTopic({ name: "s", partitions: 1 });
    const client = await h.client();
    const fetch = client.request("Fetch", {
      maxWaitMs: 60_000,
      minBytes: 1_000_000,
      maxBytes: 1000,
      partitions: [{ topic: "s", partition: 0, offset: 0, maxBytes: 1000 }],
    });
    const produce = client.request("Produce", {
      acks: 1,
      timeoutMs: 1000,
      partitions: [{ topic: "s", partition: 0, records: batchOf(["last"]) }],
    });
    await eventually(() => gates.length === 1 && h!.broker.parkedFetches === 1);
    const closing = h.server.close();
    const fetched = await fetch;
    expect(fetched.partitions[0].error).toBeNull();
    gates.shift()?.();
    expect((await produce).partitions[0]).toMatchObject({ error: null, baseOffset: 0 });
    await closing;
    await client.closed;
    expect(h.server.openConnections()).toBe(0);
    await expect(
      ProtocolClient.connect(h.rt, {
        host: "127.0.0.1",
        port: h.server.port,
        connectTimeoutMs: 2000,
      }),
    )
      .rejects.toMatchObject({ code: "NETWORK_EXCEPTION" });
  });

  it("closes connections after closeWaitMsMax even if a request never finishes", async () => {
    h = await startHarness({ produceDelay: () => new Promise<void>(() => {}) }, {
      closeWaitMsMax: 100,
    });
    await h.broker.createTopic({ name: "stuck", partitions: 1 });
    const client = await h.client();
    const stuck = client.request("Produce", {
      acks: 1,
      timeoutMs: 1000,
      partitions: [{ topic: "stuck", partition: 0, records: batchOf(["x"]) }],
    })
      .catch((e: unknown) => e);
    await eventually(() => h!.broker.produceCalls.length === 1);
    const started = Date.now();
    await h.server.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await stuck).toMatchObject({ code: "NETWORK_EXCEPTION" });
  });
});
