// Compressed batches through the broker: every codec is accepted, stored as sent and served as
// stored; compression.type re-encodes on append; compacted topics open compressed batches to
// refuse keyless records; the cleaner rewrites a snappy batch as snappy.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Broker } from "../../src/broker/broker.ts";
import {
  batchesIn,
  type BatchInput,
  compressBatch,
  Compression,
  compressionOf,
  decodeRecordsAsync,
  lastOffsetOf,
} from "../../src/log/record-batch.ts";
import { loadFixture } from "../fixtures/record-batch/hex.ts";
import { codeOf, dec, enc, type TestEnv, testEnv } from "./helpers.ts";

const T0 = 1_700_000_000_000;
const CODECS = [Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd];

function input(entries: Array<[string | null, string | null]>, compression: number): BatchInput {
  return {
    compression,
    records: entries.map(([key, value], i) => ({
      key: key === null ? null : enc(key),
      value: value === null ? null : enc(value),
      timestamp: T0 + i,
    })),
  };
}

async function fetchRaw(broker: Broker, topic: string, offset = 0): Promise<Uint8Array> {
  const [r] = await broker.fetch({
    partitions: [{ topic, partition: 0, offset, maxBytes: 1 << 20 }],
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
  });
  expect(r.error).toBeUndefined();
  return r.records;
}

/** Every stored batch's codec and its records as key=value, to the high watermark. */
async function readStored(broker: Broker, topic: string) {
  const codecs: number[] = [];
  const records: string[] = [];
  let offset = 0;
  for (let round = 0; round < 1_000; round++) {
    const bytes = await fetchRaw(broker, topic, offset);
    if (bytes.length === 0) return { codecs, records };
    for (const { position, header } of batchesIn(bytes)) {
      // The cleaner's empty batches (kept for their offsets) have no records to compress.
      if (header.recordCount > 0) codecs.push(compressionOf(header));
      for (const r of await decodeRecordsAsync(bytes, position)) {
        if (r.offset >= offset) records.push(`${r.offset}:${dec(r.key)}=${dec(r.value)}`);
      }
      offset = Math.max(offset, lastOffsetOf(header) + 1);
    }
  }
  throw new Error("read did not finish");
}

let env: TestEnv;
let broker: Broker;
beforeEach(async () => {
  env = await testEnv();
  broker = await env.open();
});
afterEach(async () => {
  await env.cleanup();
});

describe("compressed produce and fetch", () => {
  it("stores each codec's batch byte for byte and serves it as stored", async () => {
    await broker.createTopic({ name: "t" });
    const sent: Uint8Array[] = [];
    for (const codec of CODECS) {
      const bytes = await compressBatch(input([["k", `v${codec}`], ["j", "w".repeat(200)]], codec));
      sent.push(bytes);
      const r = await broker.produce({ topic: "t", partition: 0, batches: bytes, acks: -1 });
      expect(r.baseOffset).toBe(sent.length * 2 - 2);
    }
    const stored = await fetchRaw(broker, "t");
    let i = 0;
    for (const { position, header } of batchesIn(stored)) {
      const batch = stored.subarray(position, position + header.batchLength + 12);
      // Only baseOffset (bytes 0-7) and the leader epoch (12-15) are the broker's: the rest,
      // CRC, codec and compressed records included, is what the producer sent.
      expect(batch.subarray(16)).toEqual(sent[i].subarray(16));
      expect(batch.subarray(8, 12)).toEqual(sent[i].subarray(8, 12));
      i++;
    }
    expect(i).toBe(4);
    expect((await readStored(broker, "t")).records).toEqual([
      "0:k=v1",
      `1:j=${"w".repeat(200)}`,
      "2:k=v2",
      `3:j=${"w".repeat(200)}`,
      "4:k=v3",
      `5:j=${"w".repeat(200)}`,
      "6:k=v4",
      `7:j=${"w".repeat(200)}`,
    ]);
  });

  it("takes librdkafka's zstd batch and serves its records", async () => {
    await broker.createTopic({ name: "rd" });
    const batch = loadFixture("librdkafka-zstd");
    await broker.produce({ topic: "rd", partition: 0, batches: batch, acks: 1 });
    const { codecs, records } = await readStored(broker, "rd");
    expect(codecs).toEqual([Compression.zstd]);
    expect(records).toEqual(
      [0, 1, 2, 3, 4].map((i) => `${i}:key${i % 2}=value ${i} ${"abc".repeat(10)}`),
    );
  });

  it("refuses compressed records that expand past max.message.bytes", async () => {
    await broker.createTopic({ name: "small", configs: { "max.message.bytes": "2000" } });
    for (const codec of CODECS) {
      const big = await compressBatch(input([["k", "z".repeat(5000)]], codec));
      expect(big.length).toBeLessThan(2000);
      expect(await codeOf(broker.produce({ topic: "small", partition: 0, batches: big, acks: 1 })))
        .toBe("MESSAGE_TOO_LARGE");
    }
    expect((await readStored(broker, "small")).records).toEqual([]);
  });

  it("keeps call order when compressed and uncompressed produces are pipelined", async () => {
    await broker.createTopic({ name: "order" });
    const produced = [];
    for (let i = 0; i < 12; i++) {
      const codec = i % 3 === 0 ? Compression.none : CODECS[i % 4];
      const bytes = await compressBatch(input([["k", `v${i}`]], codec));
      produced.push(broker.produce({ topic: "order", partition: 0, batches: bytes, acks: 1 }));
    }
    const offsets = (await Promise.all(produced)).map((r) => r.baseOffset);
    expect(offsets).toEqual([...Array(12).keys()]);
    expect((await readStored(broker, "order")).records).toEqual(
      [...Array(12).keys()].map((i) => `${i}:k=v${i}`),
    );
  });
});

describe("compression.type", () => {
  it("producer (the default) keeps each batch's codec", async () => {
    await broker.createTopic({ name: "as-sent" });
    for (const codec of [Compression.none, ...CODECS]) {
      const bytes = await compressBatch(input([["k", "v"]], codec));
      await broker.produce({ topic: "as-sent", partition: 0, batches: bytes, acks: 1 });
    }
    expect((await readStored(broker, "as-sent")).codecs).toEqual([0, 1, 2, 3, 4]);
  });

  for (
    const [type, code] of [["gzip", 1], ["snappy", 2], ["lz4", 3], ["zstd", 4], [
      "uncompressed",
      0,
    ]] as const
  ) {
    it(`${type}: every batch is stored in it, records and offsets unchanged`, async () => {
      await broker.createTopic({ name: "re", configs: { "compression.type": type } });
      const offsets = [];
      for (const codec of [Compression.none, ...CODECS]) {
        // Two batches in one request, with idempotent producer fields that must survive.
        const one = await compressBatch({
          ...input([["a", `x${codec}`], ["b", "y".repeat(100)]], codec),
          producerId: 7,
          producerEpoch: 0,
          baseSequence: codec * 3,
        });
        const two = await compressBatch({
          ...input([["c", `z${codec}`]], codec),
          producerId: 7,
          producerEpoch: 0,
          baseSequence: codec * 3 + 2,
        });
        const both = new Uint8Array([...one, ...two]);
        const r = await broker.produce({ topic: "re", partition: 0, batches: both, acks: -1 });
        offsets.push([r.baseOffset, r.lastOffset]);
      }
      expect(offsets).toEqual([[0, 2], [3, 5], [6, 8], [9, 11], [12, 14]]);
      const { codecs, records } = await readStored(broker, "re");
      expect(codecs).toEqual(new Array(10).fill(code));
      expect(records.slice(0, 3)).toEqual(["0:a=x0", `1:b=${"y".repeat(100)}`, "2:c=z0"]);
      expect(records).toHaveLength(15);
      // The producer's state followed the re-encoded batches: a retry is still a duplicate.
      const again = await compressBatch({
        ...input([["c", "z4"]], Compression.zstd),
        producerId: 7,
        producerEpoch: 0,
        baseSequence: 14,
      });
      const dup = await broker.produce({ topic: "re", partition: 0, batches: again, acks: -1 });
      expect(dup.baseOffset).toBe(14);
      expect((await readStored(broker, "re")).records).toHaveLength(15);
    });
  }

  it("uncompressed: a batch that no longer fits max.message.bytes is refused", async () => {
    await broker.createTopic({
      name: "tight",
      configs: { "compression.type": "uncompressed", "max.message.bytes": "1000" },
    });
    const packed = await compressBatch(input([["k", "q".repeat(3000)]], Compression.lz4));
    expect(await codeOf(broker.produce({ topic: "tight", partition: 0, batches: packed, acks: 1 })))
      .toBe("MESSAGE_TOO_LARGE");
  });
});

describe("compacted topics with compressed batches", () => {
  it("opens every codec's batch to refuse keyless records", async () => {
    await broker.createTopic({ name: "c", configs: { "cleanup.policy": "compact" } });
    for (const codec of CODECS) {
      const keyless = await compressBatch(input([["k", "v"], [null, "no key"]], codec));
      expect(await codeOf(broker.produce({ topic: "c", partition: 0, batches: keyless, acks: 1 })))
        .toBe("INVALID_RECORD");
      const keyed = await compressBatch(input([["k", `v${codec}`]], codec));
      expect(await codeOf(broker.produce({ topic: "c", partition: 0, batches: keyed, acks: 1 })))
        .toBe("resolved");
    }
  });

  it("compacts a snappy topic: latest per key, rewritten batches stay snappy", async () => {
    await broker.createTopic({
      name: "snap",
      configs: {
        "cleanup.policy": "compact",
        "segment.bytes": "1024",
        "min.cleanable.dirty.ratio": "0.01",
      },
    });
    for (let i = 0; i < 40; i++) {
      const value = `${i}:${"x".repeat(60)}`;
      const bytes = await compressBatch(
        input([["a", value], ["b", value], [`c${i % 3}`, value]], Compression.snappy),
      );
      await broker.produce({ topic: "snap", partition: 0, batches: bytes, acks: -1 });
    }
    const before = await readStored(broker, "snap");
    const results = await broker.cleanLogs();
    const result = results.get("snap-0");
    expect(result?.outcome).toBe("cleaned");
    expect(result?.recordsRemoved).toBeGreaterThan(50);
    const after = await readStored(broker, "snap");
    expect(after.records.length).toBeLessThan(before.records.length - 50);
    const latest = (records: string[]) =>
      Object.fromEntries(records.map((r) => {
        const [offset, rest] = r.split(/:(.*)/s);
        const [key, value] = rest.split("=");
        return [key, `${offset}=${value}`];
      }));
    expect(latest(after.records)).toEqual(latest(before.records));
    expect(new Set(after.codecs)).toEqual(new Set([Compression.snappy]));
  });
});
