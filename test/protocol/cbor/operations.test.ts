// Every operation end to end over real TCP: ProtocolClient -> serveProtocol -> BrokerApi.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FETCH_PARTITIONS_MAX } from "../../../src/model/limits.ts";
import { decodeRecords, setBaseOffset } from "../../../src/log/record-batch.ts";
import { ListOffsetsTimestamp } from "../../../src/protocol/cbor/ops/list-offsets.ts";
import { Op } from "../../../src/protocol/cbor/op-codes.ts";
import { OP_VERSIONS } from "../../../src/protocol/cbor/ops/index.ts";
import type { ProtocolClient } from "../../../src/protocol/cbor/client.ts";
import { batchOf, concatBytes, eventually, type Harness, startHarness } from "./support/harness.ts";

const dec = new TextDecoder();

describe("protocol operations", () => {
  let h: Harness;
  let client: ProtocolClient;

  beforeEach(async () => {
    h = await startHarness({ nodeId: 7 });
    client = await h.client({ clientId: "ops-test" });
  });
  afterEach(async () => {
    await h.stop();
  });

  it("ApiVersions: the handshake reports node, version, limits and every operation", () => {
    expect(client.server.nodeId).toBe(7);
    expect(client.server.serverVersion).toBe("test-1.0");
    expect(client.server.frameBytesMax).toBeGreaterThan(64 * 1024 * 1024);
    const ops = client.server.apis.map((a) => a.name).sort();
    expect(ops).toEqual(Object.keys(Op).sort());
    const produce = client.server.apis.find((a) => a.name === "Produce");
    expect(produce).toEqual({
      op: Op.Produce,
      name: "Produce",
      minVersion: OP_VERSIONS.Produce.min,
      maxVersion: OP_VERSIONS.Produce.max,
    });
  });

  it("CreateTopics, ListTopics, DescribeTopics, DeleteTopics with per-topic errors", async () => {
    const created = await client.request("CreateTopics", {
      topics: [
        { name: "orders", partitions: 3, configs: { "retention.ms": "1000" } },
        { name: "bad/name" },
      ],
    });
    expect(created.topics[0].error).toBeNull();
    expect(created.topics[0].topic?.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(created.topics[0].topic?.configs["retention.ms"]).toBe("1000");
    expect(created.topics[1]).toMatchObject({
      name: "bad/name",
      topic: null,
      error: { code: "INVALID_TOPIC_EXCEPTION", retriable: false },
    });

    const again = await client.request("CreateTopics", { topics: [{ name: "orders" }] });
    expect(again.topics[0].error?.code).toBe("TOPIC_ALREADY_EXISTS");

    const listed = await client.request("ListTopics", {});
    expect(listed.topics).toEqual([{
      name: "orders",
      partitions: 3,
      replicationFactor: 1,
      internal: false,
    }]);

    const described = await client.request("DescribeTopics", { topics: ["orders", "nope"] });
    expect(described.topics[0].topic?.partitions[2]).toMatchObject({
      partition: 2,
      leader: 7,
      isr: [7],
      highWatermark: 0,
    });
    expect(described.topics[1].error).toMatchObject({
      code: "UNKNOWN_TOPIC_OR_PARTITION",
      retriable: true,
    });

    const deleted = await client.request("DeleteTopics", { topics: ["orders", "orders"] });
    expect(deleted.topics.map((t) => t.error?.code ?? null)).toEqual([
      null,
      "UNKNOWN_TOPIC_OR_PARTITION",
    ]);
    expect((await client.request("ListTopics", {})).topics).toEqual([]);
  });

  it("Metadata: all topics, named ones, unknown ones, and auto-creation when the broker allows it", async () => {
    await client.request("CreateTopics", { topics: [{ name: "a", partitions: 2 }, { name: "b" }] });
    const all = await client.request("Metadata", { topics: null });
    expect(all.clusterId).toBe("fake-cluster");
    expect(all.brokers).toEqual([{ nodeId: 7, host: "127.0.0.1", port: 9093, rack: null }]);
    expect(all.topics.map((t) => t.name)).toEqual(["a", "b"]);
    const named = await client.request("Metadata", { topics: ["b"] });
    expect(named.topics.map((t) => t.name)).toEqual(["b"]);
    expect(named.topics[0].error).toBeNull();
    // An unknown topic is an entry with its error (as in Kafka), the others are described.
    const mixed = await client.request("Metadata", { topics: ["zzz", "a", "zzz"] });
    expect(mixed.topics.map((t) => [t.name, t.error?.code ?? null, t.partitions.length])).toEqual([
      ["zzz", "UNKNOWN_TOPIC_OR_PARTITION", 0],
      ["a", null, 2],
    ]);
    expect(mixed.topics[0]).toMatchObject({ internal: false, configs: {}, partitions: [] });

    const auto = await startHarness({ autoCreateTopics: true });
    try {
      const c = await auto.client();
      const meta = await c.request("Metadata", { topics: ["fresh"] });
      expect(meta.topics.map((t) => t.name)).toEqual(["fresh"]);
      const off = await c.request("Metadata", { topics: ["other"], allowAutoTopicCreation: false });
      expect(off.topics).toEqual([{
        name: "other",
        internal: false,
        configs: {},
        partitions: [],
        error: expect.objectContaining({ code: "UNKNOWN_TOPIC_OR_PARTITION", retriable: true }),
      }]);
      expect(auto.broker.topics.has("other")).toBe(false);
    } finally {
      await auto.stop();
    }
  });

  it("Produce and Fetch carry record batches byte for byte, several partitions per request", async () => {
    await client.request("CreateTopics", { topics: [{ name: "t", partitions: 2 }] });
    const first = batchOf(["a", "b", "c"]);
    const second = batchOf(["d"]);
    const produced = await client.request("Produce", {
      acks: 1,
      timeoutMs: 1000,
      partitions: [
        { topic: "t", partition: 0, records: concatBytes([first, second]) },
        { topic: "t", partition: 1, records: batchOf(["x"]) },
        { topic: "t", partition: 9, records: batchOf(["lost"]) },
        { topic: "t", partition: 1, records: new Uint8Array([1, 2, 3]) },
      ],
    });
    expect(
      produced.partitions.map((
        p,
      ) => [p.partition, p.error?.code ?? null, p.baseOffset, p.lastOffset]),
    ).toEqual([
      [0, null, 0, 3],
      [1, null, 0, 0],
      [9, "UNKNOWN_TOPIC_OR_PARTITION", -1, -1],
      [1, "CORRUPT_MESSAGE", -1, -1],
    ]);

    const fetched = await client.request("Fetch", {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      partitions: [
        { topic: "t", partition: 0, offset: 1, maxBytes: 1 << 20 },
        { topic: "t", partition: 1, offset: 5, maxBytes: 1 << 20 },
      ],
    });
    const [p0, p1] = fetched.partitions;
    expect(p0).toMatchObject({
      topic: "t",
      partition: 0,
      error: null,
      highWatermark: 4,
      logStartOffset: 0,
    });
    // Both batches come back exactly as stored: the broker set their base offsets, nothing else.
    const expected = concatBytes([first, second]);
    setBaseOffset(expected, first.byteLength, 3);
    expect(p0.records).toEqual(expected);
    const values = decodeRecords(p0.records, 0).map((
      r,
    ) => [r.offset, dec.decode(r.value ?? new Uint8Array())]);
    expect(values).toEqual([[0, "a"], [1, "b"], [2, "c"]]);
    expect(decodeRecords(p0.records, first.byteLength).map((r) => r.offset)).toEqual([3]);
    expect(p1).toMatchObject({ error: { code: "OFFSET_OUT_OF_RANGE" }, highWatermark: 1 });
    expect(p1.records.byteLength).toBe(0);
  });

  it("Produce with acks 0 gets no response; send() resolves once written", async () => {
    await client.request("CreateTopics", { topics: [{ name: "quiet" }] });
    await client.send("Produce", {
      acks: 0,
      timeoutMs: 0,
      partitions: [{ topic: "quiet", partition: 0, records: batchOf(["1", "2"]) }],
    });
    const fetched = await client.request("Fetch", {
      maxWaitMs: 5_000,
      minBytes: 1,
      maxBytes: 1 << 20,
      partitions: [{ topic: "quiet", partition: 0, offset: 0, maxBytes: 1 << 20 }],
    });
    expect(decodeRecords(fetched.partitions[0].records).map((r) => r.offset)).toEqual([0, 1]);
    expect(client.inFlight).toBe(0);
    await expect(client.send("Produce", { acks: 1, timeoutMs: 0, partitions: [] })).rejects
      .toMatchObject({ code: "INVALID_REQUEST" });
  });

  it("Produce with acks -1 and an invalid acks value", async () => {
    await client.request("CreateTopics", { topics: [{ name: "d" }] });
    const r = await client.request("Produce", {
      acks: -1,
      timeoutMs: 1000,
      partitions: [{ topic: "d", partition: 0, records: batchOf(["x"]) }],
    });
    expect(r.partitions[0]).toMatchObject({
      error: null,
      baseOffset: 0,
      lastOffset: 0,
      logAppendTimeMs: -1,
    });
    const bad = { acks: 2, timeoutMs: 1000, partitions: [] } as unknown as Parameters<
      ProtocolClient["request"]
    >[1];
    await expect(client.request("Produce", bad as never)).rejects.toMatchObject({
      code: "INVALID_REQUIRED_ACKS",
    });
  });

  it("Fetch waits for minBytes and wakes when data is appended", async () => {
    await client.request("CreateTopics", { topics: [{ name: "w" }] });
    const started = Date.now();
    const waiting = client.request("Fetch", {
      maxWaitMs: 20_000,
      minBytes: 1,
      maxBytes: 1 << 20,
      partitions: [{ topic: "w", partition: 0, offset: 0, maxBytes: 1 << 20 }],
    });
    await eventually(() => h.broker.parkedFetches === 1);
    const producer = await h.client();
    await producer.request("Produce", {
      acks: 1,
      timeoutMs: 1000,
      partitions: [{ topic: "w", partition: 0, records: batchOf(["hello"]) }],
    });
    const r = await waiting;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(
      decodeRecords(r.partitions[0].records).map((x) => dec.decode(x.value ?? new Uint8Array())),
    ).toEqual(["hello"]);
  });

  it("Fetch names at most 1,000 partitions; 1,001 is INVALID_REQUEST naming the field", async () => {
    await client.request("CreateTopics", { topics: [{ name: "wide", partitions: 1 }] });
    const entries = (n: number) =>
      Array.from({ length: n }, () => ({ topic: "wide", partition: 0, offset: 0, maxBytes: 10 }));
    const fetch = (n: number) =>
      client.request("Fetch", { maxWaitMs: 0, minBytes: 0, maxBytes: 10, partitions: entries(n) });
    expect((await fetch(FETCH_PARTITIONS_MAX)).partitions).toHaveLength(1000);
    await expect(fetch(FETCH_PARTITIONS_MAX + 1)).rejects.toMatchObject({
      code: "INVALID_REQUEST",
      message: expect.stringContaining("body.partitions must be an array of at most 1000 items"),
    });
  });

  it("Fetch with nothing to wait for answers empty after maxWaitMs", async () => {
    await client.request("CreateTopics", { topics: [{ name: "e" }] });
    const started = Date.now();
    const r = await client.request("Fetch", {
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 1000,
      partitions: [{ topic: "e", partition: 0, offset: 0, maxBytes: 1000 }],
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(r.partitions[0]).toMatchObject({ error: null, highWatermark: 0 });
    expect(r.partitions[0].records.byteLength).toBe(0);
  });

  it("ListOffsets: earliest, latest, by timestamp, and unknown partitions", async () => {
    await client.request("CreateTopics", { topics: [{ name: "o" }] });
    for (const ts of [1000, 2000, 3000]) {
      await client.request("Produce", {
        acks: 1,
        timeoutMs: 1000,
        partitions: [{ topic: "o", partition: 0, records: batchOf(["v", "w"], { timestamp: ts }) }],
      });
    }
    const r = await client.request("ListOffsets", {
      partitions: [
        { topic: "o", partition: 0, timestamp: ListOffsetsTimestamp.Earliest },
        { topic: "o", partition: 0, timestamp: ListOffsetsTimestamp.Latest },
        { topic: "o", partition: 0, timestamp: 1500 },
        { topic: "o", partition: 0, timestamp: 9999 },
        { topic: "o", partition: 4, timestamp: ListOffsetsTimestamp.Latest },
      ],
    });
    expect(r.partitions.map((p) => [p.offset, p.error?.code ?? null])).toEqual([
      [0, null],
      [6, null],
      [2, null],
      [-1, null],
      [-1, "UNKNOWN_TOPIC_OR_PARTITION"],
    ]);
    expect(r.partitions[2].timestampMs).toBe(2000);
  });

  it("InitProducerId hands out distinct producer ids; transactions are refused", async () => {
    const a = await client.request("InitProducerId", {});
    const b = await client.request("InitProducerId", { transactionalId: null });
    expect(a.producerId).not.toBe(b.producerId);
    expect(a.producerEpoch).toBe(0);
    await expect(client.request("InitProducerId", { transactionalId: "tx" } as never)).rejects
      .toMatchObject({ code: "INVALID_REQUEST" });
  });

  it("large offsets and timestamps survive the trip as exact integers", async () => {
    const r = await client.request("ListOffsets", {
      partitions: [{ topic: "x", partition: 0, timestamp: 2 ** 53 - 1 }],
    });
    expect(r.partitions[0].error?.code).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    await client.request("CreateTopics", { topics: [{ name: "big" }] });
    await client.request("Produce", {
      acks: 1,
      timeoutMs: 1000,
      partitions: [{
        topic: "big",
        partition: 0,
        records: batchOf(["x"], { timestamp: 1_700_000_000_123 }),
      }],
    });
    const t = await client.request("ListOffsets", {
      partitions: [{ topic: "big", partition: 0, timestamp: 1_700_000_000_000 }],
    });
    expect(t.partitions[0]).toMatchObject({ offset: 0, timestampMs: 1_700_000_000_123 });
  });

  it("counts requests, errors and open connections in the metrics registry", async () => {
    await client.request("ListTopics", {});
    await expect(client.request("DescribeTopics", { topics: [] })).resolves.toEqual({ topics: [] });
    await expect(client.request("Produce", { acks: 5 as 1, timeoutMs: 10, partitions: [] }))
      .rejects.toMatchObject({ code: "INVALID_REQUIRED_ACKS" });
    const text = h.metrics.render();
    expect(text).toContain('tributary_requests_total{op="ApiVersions"} 1');
    expect(text).toContain('tributary_requests_total{op="ListTopics"} 1');
    expect(text).toContain(
      'tributary_request_errors_total{op="Produce",code="INVALID_REQUIRED_ACKS"} 1',
    );
    expect(text).toContain('tributary_request_duration_seconds_count{op="ListTopics"} 1');
    expect(text).toContain('tributary_open_connections{protocol="cbor"} 1');
  });
});
