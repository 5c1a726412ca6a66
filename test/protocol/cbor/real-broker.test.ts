// The protocol against the real Broker on an in-memory file system, over real TCP: the paths
// the fake broker cannot vouch for (idempotent producers, validation, durable acks).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { MemoryFileSystem } from "../../../runtime/memory/memory-fs.ts";
import type { Runtime } from "../../../runtime/types.ts";
import { Broker } from "../../../src/broker/broker.ts";
import { decodeRecords, encodeBatch } from "../../../src/log/record-batch.ts";
import { ProtocolClient } from "../../../src/protocol/cbor/client.ts";
import { ListOffsetsTimestamp } from "../../../src/protocol/cbor/ops/list-offsets.ts";
import { type ProtocolServer, serveProtocol } from "../../../src/protocol/cbor/server/server.ts";
import { eventually } from "../../support/eventually.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function idempotentBatch(
  producerId: number,
  producerEpoch: number,
  baseSequence: number,
  values: string[],
): Uint8Array {
  return encodeBatch({
    records: values.map((v) => ({
      key: enc.encode(`k-${v}`),
      value: enc.encode(v),
      timestamp: 1_700_000_000_000,
    })),
    producerId,
    producerEpoch,
    baseSequence,
  });
}

describe("protocol with the real broker", () => {
  let broker: Broker;
  let server: ProtocolServer;
  let client: ProtocolClient;

  beforeEach(async () => {
    const host = createNodeRuntime();
    const rt: Runtime = {
      ...host,
      fs: new MemoryFileSystem({ random: host.random, dirtyOpsMax: 0 }),
    };
    broker = await Broker.open(rt, { nodeId: 3, dataDir: "/data", host: "127.0.0.1", port: 0 });
    server = await serveProtocol(rt, broker, { host: "127.0.0.1", port: 0, version: "real-test" });
    broker.advertise({ port: server.port });
    client = await ProtocolClient.connect(rt, {
      host: "127.0.0.1",
      port: server.port,
      requestTimeoutMs: 10_000,
    });
  });
  afterEach(async () => {
    await client.close();
    await server.close();
    await broker.close();
  });

  it("runs a topic's whole life: create, produce idempotently, fetch, list offsets, delete", async () => {
    const created = await client.request("CreateTopics", {
      topics: [{ name: "life", partitions: 2 }],
    });
    expect(created.topics[0].error).toBeNull();
    const meta = await client.request("Metadata", { topics: ["life"] });
    expect(meta.brokers).toEqual([{ nodeId: 3, host: "127.0.0.1", port: server.port, rack: null }]);
    expect(meta.topics[0].partitions.map((p) => p.leader)).toEqual([3, 3]);

    const { producerId, producerEpoch } = await client.request("InitProducerId", {});
    const produce = (baseSequence: number, values: string[]) =>
      client.request("Produce", {
        acks: -1,
        timeoutMs: 5_000,
        partitions: [{
          topic: "life",
          partition: 1,
          records: idempotentBatch(producerId, producerEpoch, baseSequence, values),
        }],
      });
    const first = await produce(0, ["a", "b"]);
    expect(first.partitions[0]).toMatchObject({ error: null, baseOffset: 0, lastOffset: 1 });
    // A retry of the same batch returns its original offsets and writes nothing.
    const retry = await produce(0, ["a", "b"]);
    expect(retry.partitions[0]).toMatchObject({ error: null, baseOffset: 0, lastOffset: 1 });
    const gap = await produce(5, ["z"]);
    expect(gap.partitions[0].error?.code).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    const next = await produce(2, ["c"]);
    expect(next.partitions[0]).toMatchObject({ error: null, baseOffset: 2 });

    const fetched = await client.request("Fetch", {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      partitions: [{ topic: "life", partition: 1, offset: 0, maxBytes: 1 << 20 }],
    });
    const part = fetched.partitions[0];
    expect(part).toMatchObject({ error: null, highWatermark: 3, logStartOffset: 0 });
    const values: string[] = [];
    for (let pos = 0, guard = 0; pos < part.records.byteLength && guard < 10; guard++) {
      const records = decodeRecords(part.records, pos);
      values.push(...records.map((r) => `${r.offset}:${dec.decode(r.value ?? new Uint8Array())}`));
      pos += new DataView(part.records.buffer, part.records.byteOffset).getInt32(pos + 8) + 12;
    }
    expect(values).toEqual(["0:a", "1:b", "2:c"]);

    const offsets = await client.request("ListOffsets", {
      partitions: [
        { topic: "life", partition: 1, timestamp: ListOffsetsTimestamp.Earliest },
        { topic: "life", partition: 1, timestamp: ListOffsetsTimestamp.Latest },
      ],
    });
    expect(offsets.partitions.map((p) => p.offset)).toEqual([0, 3]);

    const deleted = await client.request("DeleteTopics", { topics: ["life"] });
    expect(deleted.topics[0].error).toBeNull();
    await expect(client.request("DescribeTopics", { topics: ["life"] })).resolves.toMatchObject({
      topics: [{ name: "life", error: { code: "UNKNOWN_TOPIC_OR_PARTITION" } }],
    });
  });

  it("passes the broker's validation errors through per partition", async () => {
    await client.request("CreateTopics", {
      topics: [{ name: "v", configs: { "max.message.bytes": "100" } }],
    });
    const corrupt = encodeBatch({ records: [{ key: null, value: enc.encode("x"), timestamp: 1 }] });
    corrupt[30] ^= 0xff; // inside the CRC'd region
    const big = encodeBatch({ records: [{ key: null, value: new Uint8Array(500), timestamp: 1 }] });
    const r = await client.request("Produce", {
      acks: 1,
      timeoutMs: 1_000,
      partitions: [
        { topic: "v", partition: 0, records: corrupt },
        { topic: "v", partition: 0, records: big },
        { topic: "v", partition: 3, records: big },
      ],
    });
    expect(r.partitions.map((p) => p.error?.code)).toEqual([
      "CORRUPT_MESSAGE",
      "MESSAGE_TOO_LARGE",
      "UNKNOWN_TOPIC_OR_PARTITION",
    ]);
  });

  it("a parked fetch on the real broker wakes on append", async () => {
    await client.request("CreateTopics", { topics: [{ name: "wake" }] });
    const waiting = client.request("Fetch", {
      maxWaitMs: 20_000,
      minBytes: 1,
      maxBytes: 1 << 20,
      partitions: [{ topic: "wake", partition: 0, offset: 0, maxBytes: 1 << 20 }],
    });
    await eventually(() => broker.waitingFetchCount === 1);
    await client.request("Produce", {
      acks: 1,
      timeoutMs: 1_000,
      partitions: [{ topic: "wake", partition: 0, records: idempotentBatch(-1, -1, -1, ["hi"]) }],
    });
    const started = Date.now();
    const r = await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(
      decodeRecords(r.partitions[0].records).map((x) => dec.decode(x.value ?? new Uint8Array())),
    ).toEqual(["hi"]);
  });
});
