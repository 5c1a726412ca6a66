// What the server does with input a well-behaved client never sends: each case gets its error
// response or a clean close of that connection only, and then a normal request still succeeds.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeCbor } from "../../../src/protocol/cbor/cbor-encode.ts";
import { encodeRequestFrame } from "../../../src/protocol/cbor/envelope.ts";
import { encodeFrame } from "../../../src/protocol/cbor/frame.ts";
import { Op } from "../../../src/protocol/cbor/op-codes.ts";
import { batchOf, eventually, type Harness, startHarness } from "./support/harness.ts";
import { captureLogs } from "../../support/log-capture.ts";

describe("protocol server on bad input", () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness({}, { frameBytesMax: 1 << 20 });
    await h.broker.createTopic({ name: "t", partitions: 1 });
  });
  afterEach(async () => {
    await h.stop();
  });

  /** A fresh client can still do real work: the broker and the listener carry on. */
  async function stillServes(): Promise<void> {
    const client = await h.client();
    const r = await client.request("Produce", {
      acks: 1,
      timeoutMs: 1000,
      partitions: [{ topic: "t", partition: 0, records: batchOf(["ok"]) }],
    });
    expect(r.partitions[0].error).toBeNull();
    await client.close();
  }

  it("random bytes: an error frame (correlation id 0) and a close, never a crash", async () => {
    let seed = 12345;
    for (let round = 0; round < 20; round++) {
      const raw = await h.raw();
      const junk = new Uint8Array(64 + round * 13);
      for (let i = 0; i < junk.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        junk[i] = seed >>> 24;
      }
      // A small announced length so the junk is decoded rather than awaited.
      junk.set([0, 0, 0, 40 + (round % 20)], 0);
      await raw.send(junk);
      const first = await raw.next();
      if (first !== null) {
        expect(first.correlationId).toBe(0);
        expect(["CORRUPT_MESSAGE", "PAYLOAD_TOO_LARGE"]).toContain(first.error?.code);
      }
      expect(await raw.closedByServer()).toBe(true);
    }
    await stillServes();
    await eventually(() => h.server.openConnections() === 0);
  });

  it("a frame announcing 2 GiB: PAYLOAD_TOO_LARGE, then the connection closes", async () => {
    const raw = await h.raw();
    await raw.send(new Uint8Array([0x80, 0, 0, 0, 0xa0]));
    const response = await raw.next();
    expect(response).toMatchObject({
      correlationId: 0,
      error: { code: "PAYLOAD_TOO_LARGE", retriable: false },
      body: null,
    });
    expect(response?.error?.message).toContain("2147483648");
    expect(await raw.closedByServer()).toBe(true);
    await stillServes();
  });

  it("a frame just over the configured limit is refused the same way", async () => {
    const raw = await h.raw();
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, (1 << 20) + 1);
    await raw.send(header);
    expect((await raw.next())?.error?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(await raw.closedByServer()).toBe(true);
  });

  it("a connection dropped mid-frame is cleaned up and its parked fetch aborted", async () => {
    const raw = await h.raw();
    // A fetch that parks, then half of another request, then the peer vanishes.
    await raw.send(encodeRequestFrame(Op.Fetch, 1, 1, {
      maxWaitMs: 60_000,
      minBytes: 1,
      maxBytes: 1000,
      partitions: [{ topic: "t", partition: 0, offset: 0, maxBytes: 1000 }],
    }));
    await eventually(() => h.broker.parkedFetches === 1);
    const frame = encodeRequestFrame(Op.ListTopics, 1, 2, {});
    await raw.send(frame.subarray(0, frame.byteLength - 3));
    expect(h.server.openConnections()).toBe(1);
    await raw.conn.close();
    await eventually(() => h.server.openConnections() === 0);
    expect(h.broker.parkedFetches).toBe(0);
    expect(h.broker.abortedFetches).toBe(1);
    await stillServes();
  });

  it("a peer that leaves while all its slots are taken by parked fetches is cleaned up at once", async () => {
    const tight = await startHarness({}, { inFlightMax: 1 });
    try {
      await tight.broker.createTopic({ name: "t", partitions: 1 });
      const raw = await tight.raw();
      const fetch = {
        maxWaitMs: 60_000,
        minBytes: 1,
        maxBytes: 1000,
        partitions: [{ topic: "t", partition: 0, offset: 0, maxBytes: 1000 }],
      };
      await raw.send(encodeRequestFrame(Op.Fetch, 1, 1, fetch));
      await raw.send(encodeRequestFrame(Op.Fetch, 1, 2, fetch));
      await eventually(() => tight.broker.parkedFetches === 1);
      await raw.conn.close();
      await eventually(() => tight.server.openConnections() === 0, 3_000);
      expect(tight.broker.parkedFetches).toBe(0);
    } finally {
      await tight.stop();
    }
  });

  // Envelopes with a bad correlation id, op or version: strict-integers.test.ts.
  it("undecodable CBOR and envelopes that are not 4-item arrays close the connection", async () => {
    const bad = [
      new Uint8Array([0xa1]), // truncated map
      new Uint8Array([0xff]), // a break with nothing to end
      new Uint8Array(0), // empty frame
      encodeCbor({ op: 1 }), // a map, not an array
      encodeCbor([1, 1, 1]), // too short
      new Uint8Array([0x84, 0x01, 0x01, 0x01, 0xa0, 0x00]), // trailing byte after the item
    ];
    for (const payload of bad) {
      const raw = await h.raw();
      await raw.send(encodeFrame(payload));
      const response = await raw.next();
      expect(response?.correlationId).toBe(0);
      expect(response?.error?.code).toBe("CORRUPT_MESSAGE");
      expect(await raw.closedByServer()).toBe(true);
    }
    await stillServes();
  });

  it("unknown operations and versions get UNSUPPORTED_VERSION and the connection carries on", async () => {
    const raw = await h.raw();
    await raw.send(encodeRequestFrame(35, 1, 5, {})); // reserved for further group operations
    expect(await raw.next()).toMatchObject({
      correlationId: 5,
      error: { code: "UNSUPPORTED_VERSION" },
      body: null,
    });
    await raw.send(encodeRequestFrame(Op.Fetch, 2, 6, {}));
    expect(await raw.next()).toMatchObject({
      correlationId: 6,
      error: { code: "UNSUPPORTED_VERSION" },
    });
    await raw.send(encodeRequestFrame(Op.ApiVersions, 99, 7, {}));
    const handshake = await raw.next();
    expect(handshake?.error?.code).toBe("UNSUPPORTED_VERSION");
    expect((handshake?.body as { apis: unknown[] }).apis.length).toBeGreaterThan(5);
    await raw.send(encodeRequestFrame(Op.ListTopics, 1, 8, {}));
    expect(await raw.next()).toMatchObject({
      correlationId: 8,
      error: null,
      body: { topics: [{ name: "t" }] },
    });
  });

  it("wrong body types get INVALID_REQUEST naming the field, on the same connection", async () => {
    const raw = await h.raw();
    const cases: Array<[number, unknown, string]> = [
      [Op.ListTopics, [], "body must be a map"],
      [Op.Produce, {
        acks: 1,
        timeoutMs: 10,
        partitions: [{ topic: "t", partition: 0, records: "text" }],
      }, "body.partitions[0].records"],
      [Op.Produce, { acks: 1, timeoutMs: -1, partitions: [] }, "body.timeoutMs"],
      [Op.Fetch, { maxWaitMs: 10, minBytes: 1, maxBytes: 1.5, partitions: [] }, "body.maxBytes"],
      [
        Op.Fetch,
        { maxWaitMs: 10 ** 9, minBytes: 1, maxBytes: 1, partitions: [] },
        "body.maxWaitMs",
      ],
      [Op.Fetch, {
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1,
        partitions: [{ topic: "t", partition: 0, offset: 2n ** 60n, maxBytes: 1 }],
      }, "body.partitions[0].offset"],
      [Op.CreateTopics, { topics: [{ name: 5 }] }, "body.topics[0].name"],
      [
        Op.CreateTopics,
        { topics: [{ name: "x", configs: { "retention.ms": 5 } }] },
        "body.topics[0].configs.retention.ms",
      ],
      [Op.Metadata, { topics: "all" }, "body.topics"],
      [Op.DeleteTopics, { topics: new Array(10_001).fill("x") }, "body.topics"],
      [Op.ApiVersions, { clientId: null, clientVersion: "1" }, "body.clientId"],
    ];
    let id = 100;
    for (const [op, body, field] of cases) {
      await raw.send(encodeRequestFrame(op, 1, ++id, body));
      const response = await raw.next();
      expect(response?.correlationId).toBe(id);
      expect(response?.error?.code, field).toBe("INVALID_REQUEST");
      expect(response?.error?.message).toContain(field);
    }
    await raw.send(encodeRequestFrame(Op.ListTopics, 1, 999, {}));
    expect(await raw.next()).toMatchObject({ correlationId: 999, error: null });
  });

  it("negative and huge offsets reach the broker and come back as OFFSET_OUT_OF_RANGE", async () => {
    const client = await h.client();
    const r = await client.request("Fetch", {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1000,
      partitions: [
        { topic: "t", partition: 0, offset: -1, maxBytes: 1000 },
        { topic: "t", partition: 0, offset: 2 ** 53 - 1, maxBytes: 1000 },
        { topic: "nope", partition: 0, offset: 0, maxBytes: 1000 },
      ],
    });
    expect(r.partitions.map((p) => p.error?.code)).toEqual([
      "OFFSET_OUT_OF_RANGE",
      "OFFSET_OUT_OF_RANGE",
      "UNKNOWN_TOPIC_OR_PARTITION",
    ]);
  });

  it("a broker method that throws something untyped becomes UNKNOWN_SERVER_ERROR, not a crash", async () => {
    const reported: unknown[] = [];
    const broken = await startHarness({}, { onUnexpectedError: (err) => reported.push(err) }, {
      ...h.broker,
      nodeId: 1,
      metadata: h.broker.metadata.bind(h.broker),
      listTopics: () => {
        throw new RangeError("boom");
      },
    } as never);
    try {
      const client = await broken.client();
      await expect(client.request("ListTopics", {})).rejects.toMatchObject({
        code: "UNKNOWN_SERVER_ERROR",
        message: "boom",
      });
      expect((await client.request("Metadata", { topics: null })).topics.map((t) => t.name))
        .toEqual(["t"]);
      expect(reported).toHaveLength(1);
      expect(reported[0]).toBeInstanceOf(RangeError);
    } finally {
      await broken.stop();
    }
  });
});

describe("the broker's log of protocol errors", () => {
  it("logs a peer's broken frame once per kind and peer, rate-limited, naming the code", async () => {
    const { logger, lines } = captureLogs();
    const logged = await startHarness({}, { logger });
    try {
      for (let i = 0; i < 8; i++) {
        const raw = await logged.raw();
        await raw.send(new Uint8Array([0x80, 0, 0, 0, 0xa0]));
        await raw.next();
        expect(await raw.closedByServer()).toBe(true);
      }
      const errors = lines.filter((l) => l.event === "client.protocol_error");
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.length).toBeLessThan(8); // the rest are counted, not written
      expect(errors[0]).toMatchObject({ level: "warn", code: "PAYLOAD_TOO_LARGE" });
      expect(String(errors[0].remote)).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      await logged.stop();
    }
  });
});
