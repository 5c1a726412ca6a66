// Produce, Fetch and ListOffsets over the listener against an embedded broker: record batch v2
// stored as sent (only the base offset and leader epoch, outside the CRC, rewritten), legacy
// magic 0/1 refused with UNSUPPORTED_VERSION and a log line, corrupt batches with
// CORRUPT_MESSAGE and nothing stored, acks=0 unanswered, classic and flexible versions alike.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { type RunningBroker, startBroker } from "../../../src/server/start-broker.ts";
import { encodeBatch } from "../../../src/log/record-batch.ts";
import { checkProducedBatches } from "../../../src/protocol/kafka/record-batches.ts";
import { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { captureLogs } from "../../support/log-capture.ts";
import { parseHex } from "../../fixtures/record-batch/hex.ts";
import { type RawClient, rawClient, requestFrame } from "./support/raw-client.ts";

const enc = new TextEncoder();
const T0 = 1_700_000_000_000;
const batch = (n: number, t = T0) =>
  encodeBatch({
    records: Array.from({ length: n }, (_, i) => ({
      key: enc.encode(`k${i}`),
      value: enc.encode(`v${i}`),
      timestamp: t + i,
    })),
  });

/** A magic-1 message set of one message (what pre-0.11 clients write). */
const MAGIC_1_SET = parseHex(`
  0000000000000000   # offset
  00000016           # message_size 22
  00000000           # crc (never looked at: the magic is refused first)
  01 00              # magic 1, attributes
  0000018bcfe56800   # timestamp
  ffffffff           # key: null
  00000001 76        # value "v"
`);

const logs = captureLogs("info");
let node: RunningBroker;
let c: RawClient;

beforeAll(async () => {
  node = await startBroker(createNodeRuntime(), {
    storage: "memory",
    port: 0,
    httpPort: null,
    kafkaPort: 0,
    logger: logs.logger,
  });
  await node.broker.createTopic({ name: "pf", partitions: 2 });
  c = await rawClient(node.kafkaPort!);
});

afterAll(async () => {
  c?.destroy();
  await node?.close();
});

function produceRequest(version: number, acks: number, records: Uint8Array, partition = 0) {
  const flexible = version >= 9;
  const w = new KafkaWriter();
  w.str(flexible, null).int16(acks).int32(5_000);
  w.array(flexible, ["pf"], (w, name) => {
    w.str(flexible, name);
    w.array(flexible, [records], (w, r) => w.int32(partition).bytes(flexible, r).tags(flexible));
    w.tags(flexible);
  });
  w.tags(flexible);
  return requestFrame(0, version, version, w.finish().slice(), { flexible });
}

/** [errorCode, baseOffset, errorMessage] of a one-partition Produce response. */
function produceResult(frame: Uint8Array, version: number) {
  const flexible = version >= 9;
  const r = new KafkaReader(frame);
  r.int32();
  if (flexible) r.taggedFields();
  const topics = r.array(flexible, "responses", (r) => {
    flexible ? r.compactString() : r.string();
    const parts = r.array(flexible, "partitions", (r) => {
      r.int32();
      const error = r.int16();
      const base = r.int64();
      r.int64();
      if (version >= 5) r.int64();
      let message: string | null = null;
      if (version >= 8) {
        r.array(flexible, "record_errors", () => {});
        message = flexible ? r.compactNullableString() : r.nullableString();
      }
      if (flexible) r.taggedFields();
      return [error, base, message] as const;
    });
    if (flexible) r.taggedFields();
    return parts![0];
  });
  r.int32();
  if (flexible) r.taggedFields();
  r.expectEnd("Produce response");
  return topics![0];
}

function fetchRequest(version: number, offset: number) {
  const flexible = version >= 12;
  const w = new KafkaWriter();
  w.int32(-1).int32(100).int32(1).int32(1 << 20).int8(0);
  if (version >= 7) w.int32(0).int32(-1);
  w.array(flexible, ["pf"], (w, name) => {
    w.str(flexible, name);
    w.array(flexible, [offset], (w, o) => {
      w.int32(0);
      if (version >= 9) w.int32(-1);
      w.int64(o);
      if (version >= 12) w.int32(-1);
      if (version >= 5) w.int64(-1);
      w.int32(1 << 20).tags(flexible);
    });
    w.tags(flexible);
  });
  if (version >= 7) w.array(flexible, [], () => {});
  if (version >= 11) w.str(flexible, "");
  w.tags(flexible);
  return requestFrame(1, version, 1000 + version, w.finish().slice(), { flexible });
}

/** [errorCode, highWatermark, records] of a one-partition Fetch response. */
function fetchResult(frame: Uint8Array, version: number) {
  const flexible = version >= 12;
  const r = new KafkaReader(frame);
  expect(r.int32()).toBe(1000 + version);
  if (flexible) r.taggedFields();
  r.int32();
  if (version >= 7) expect([r.int16(), r.int32()]).toEqual([0, 0]);
  const out = r.array(flexible, "responses", (r) => {
    flexible ? r.compactString() : r.string();
    const parts = r.array(flexible, "partitions", (r) => {
      r.int32();
      const error = r.int16();
      const hw = r.int64();
      expect(r.int64()).toBe(hw); // last stable offset: no transactions
      if (version >= 5) r.int64();
      expect(r.array(flexible, "aborted", () => {})).toBeNull();
      if (version >= 11) expect(r.int32()).toBe(-1);
      const records = flexible ? r.compactNullableBytes() : r.nullableBytes();
      if (flexible) r.taggedFields();
      return [error, hw, records] as const;
    });
    if (flexible) r.taggedFields();
    return parts![0];
  });
  if (flexible) r.taggedFields();
  r.expectEnd("Fetch response");
  return out![0];
}

function listOffsets(version: number, timestamp: number) {
  const flexible = version >= 6;
  const w = new KafkaWriter();
  w.int32(-1);
  if (version >= 2) w.int8(0);
  w.array(flexible, ["pf"], (w, name) => {
    w.str(flexible, name);
    w.array(flexible, [timestamp], (w, t) => {
      w.int32(0);
      if (version >= 4) w.int32(-1);
      w.int64(t).tags(flexible);
    });
    w.tags(flexible);
  });
  w.tags(flexible);
  return requestFrame(2, version, 2000 + version, w.finish().slice(), { flexible });
}

/** [errorCode, timestamp, offset]. */
function listOffsetsResult(frame: Uint8Array, version: number) {
  const flexible = version >= 6;
  const r = new KafkaReader(frame);
  r.int32();
  if (flexible) r.taggedFields();
  if (version >= 2) r.int32();
  const out = r.array(flexible, "topics", (r) => {
    flexible ? r.compactString() : r.string();
    const parts = r.array(flexible, "partitions", (r) => {
      r.int32();
      const result = [r.int16(), r.int64(), r.int64()] as const;
      if (version >= 4) r.int32();
      if (flexible) r.taggedFields();
      return result;
    });
    if (flexible) r.taggedFields();
    return parts![0];
  });
  if (flexible) r.taggedFields();
  r.expectEnd("ListOffsets response");
  return out![0];
}

async function ask(frame: Uint8Array): Promise<Uint8Array> {
  c.send(frame);
  return await c.next();
}

describe("checkProducedBatches", () => {
  const code = (records: Uint8Array | null) => {
    try {
      checkProducedBatches(records);
      return "ok";
    } catch (err) {
      return (err as TributaryError).code;
    }
  };

  it("passes whole magic-2 batches, one or several", () => {
    expect(code(batch(2))).toBe("ok");
    expect(code(new Uint8Array([...batch(1), ...batch(3)]))).toBe("ok");
  });

  it("refuses magic 0 and 1 with UNSUPPORTED_VERSION, others with CORRUPT_MESSAGE", () => {
    expect(code(MAGIC_1_SET)).toBe("UNSUPPORTED_VERSION");
    const magic0 = MAGIC_1_SET.slice();
    magic0[16] = 0;
    expect(code(magic0)).toBe("UNSUPPORTED_VERSION");
    const magic3 = batch(1);
    magic3[16] = 3;
    expect(code(magic3)).toBe("CORRUPT_MESSAGE");
  });

  it("refuses nothing, a stub, a lying length and a trailing partial batch", () => {
    expect(code(null)).toBe("CORRUPT_MESSAGE");
    expect(code(new Uint8Array(0))).toBe("CORRUPT_MESSAGE");
    expect(code(batch(1).subarray(0, 16))).toBe("CORRUPT_MESSAGE");
    const long = batch(1);
    new DataView(long.buffer).setInt32(8, 10_000);
    expect(code(long)).toBe("CORRUPT_MESSAGE");
    expect(code(new Uint8Array([...batch(1), ...batch(1).subarray(0, 30)]))).toBe(
      "CORRUPT_MESSAGE",
    );
  });
});

describe("over the listener", () => {
  it("Produce v7 assigns offsets; Fetch v11 returns the batch as sent but for its base offset", async () => {
    const first = batch(3);
    expect(produceResult(await ask(produceRequest(7, -1, first)), 7)).toEqual([0, 0, null]);
    const second = batch(2, T0 + 10);
    expect(produceResult(await ask(produceRequest(7, 1, second)), 7)).toEqual([0, 3, null]);
    const [error, hw, records] = fetchResult(await ask(fetchRequest(11, 3)), 11);
    expect([error, hw]).toEqual([0, 5]);
    expect(new DataView(records!.buffer, records!.byteOffset).getBigInt64(0)).toBe(3n);
    // batchLength and everything from the magic on (the CRC and what it covers) as sent.
    expect(records!.subarray(8, 12)).toEqual(second.subarray(8, 12));
    expect(records!.subarray(16)).toEqual(second.subarray(16));
  });

  it("Fetch v4 from an offset inside a batch returns the whole batch holding it", async () => {
    const [error, hw, records] = fetchResult(await ask(fetchRequest(4, 1)), 4);
    expect([error, hw]).toEqual([0, 5]);
    expect(new DataView(records!.buffer, records!.byteOffset).getBigInt64(0)).toBe(0n);
  });

  it("a magic-1 message set gets UNSUPPORTED_VERSION and a log line; nothing is stored", async () => {
    const [error, base, message] = produceResult(await ask(produceRequest(8, -1, MAGIC_1_SET)), 8);
    expect([error, base]).toEqual([35, -1]);
    expect(message).toMatch(/record batch v2/);
    expect(logs.lines).toContainEqual(expect.objectContaining({
      event: "kafka.produce_refused",
      code: "UNSUPPORTED_VERSION",
      topic: "pf",
    }));
    expect(listOffsetsResult(await ask(listOffsets(1, -1)), 1)).toEqual([0, -1, 5]);
  });

  it("a batch with a bad CRC gets CORRUPT_MESSAGE; nothing is stored", async () => {
    const bad = batch(1);
    bad[bad.length - 1] ^= 0xff;
    expect(produceResult(await ask(produceRequest(7, -1, bad)), 7)[0]).toBe(2);
    expect(listOffsetsResult(await ask(listOffsets(2, -1)), 2)).toEqual([0, -1, 5]);
  });

  it("acks=0 gets no response: the next answer is the next request's", async () => {
    c.send(produceRequest(7, 0, batch(1)));
    const next = await ask(requestFrame(18, 0, 4242, new Uint8Array(0)));
    expect(new KafkaReader(next).int32()).toBe(4242);
    expect(listOffsetsResult(await ask(listOffsets(1, -1)), 1)).toEqual([0, -1, 6]);
  });

  it("ListOffsets v1-v6: earliest, latest and by timestamp", async () => {
    for (const v of [1, 4, 6]) {
      expect(listOffsetsResult(await ask(listOffsets(v, -2)), v)).toEqual([0, -1, 0]);
      expect(listOffsetsResult(await ask(listOffsets(v, -1)), v)).toEqual([0, -1, 6]);
      expect(listOffsetsResult(await ask(listOffsets(v, T0 + 10)), v)).toEqual([0, T0 + 10, 3]);
    }
  });

  it("flexible Produce v9 and Fetch v12 round-trip", async () => {
    expect(produceResult(await ask(produceRequest(9, -1, batch(1, T0 + 50))), 9)).toEqual([
      0,
      6,
      null,
    ]);
    const [error, hw, records] = fetchResult(await ask(fetchRequest(12, 6)), 12);
    expect([error, hw]).toEqual([0, 7]);
    expect(new DataView(records!.buffer, records!.byteOffset).getBigInt64(0)).toBe(6n);
  });

  it("an unknown partition is that partition's error, not the connection's", async () => {
    const [error] = produceResult(await ask(produceRequest(7, -1, batch(1), 9)), 7);
    expect(error).toBe(3);
  });
});
