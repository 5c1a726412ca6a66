import { describe, expect, it } from "vitest";
import {
  BATCH_HEADER_BYTES,
  type BatchInput,
  compressBatch,
  Compression,
  decodeRecords,
  decodeRecordsAsync,
  encodeBatch,
  readBatchHeader,
  validateBatch,
} from "../../src/log/record-batch.ts";
import { loadFixture } from "../fixtures/record-batch/hex.ts";
import { asyncErrorCode, errorCode, reseal, utf8, view } from "../fixtures/record-batch/helpers.ts";

const T = 1_700_000_000_000;

const input: BatchInput = {
  baseOffset: 5,
  partitionLeaderEpoch: 1,
  producerId: 77,
  producerEpoch: 2,
  baseSequence: 10,
  transactional: true,
  records: Array.from({ length: 50 }, (_, i) => ({
    key: utf8(`key-${i % 7}`),
    value: i % 10 === 9 ? null : utf8(`a fairly repetitive value number ${i} `.repeat(4)),
    headers: [{ key: "source", value: utf8("test") }],
    timestamp: T + i,
  })),
};

async function gzipBytes(data: Uint8Array): Promise<Uint8Array> {
  const stream = new ReadableStream<BufferSource>({
    start(controller) {
      controller.enqueue(data as Uint8Array<ArrayBuffer>);
      controller.close();
    },
  });
  return new Uint8Array(
    await new Response(stream.pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  );
}

/** A gzip batch whose records section is exactly `section`, re-sealed. */
function gzipBatchWith(section: Uint8Array): Uint8Array {
  const header = loadFixture("sarama-gzip").subarray(0, BATCH_HEADER_BYTES);
  const bytes = new Uint8Array(BATCH_HEADER_BYTES + section.length);
  bytes.set(header);
  bytes.set(section, BATCH_HEADER_BYTES);
  view(bytes).setInt32(8, bytes.length - 12);
  return reseal(bytes);
}

describe("gzip batches", () => {
  it("compressBatch keeps the header, compresses the records, and decodes to the same records", async () => {
    const plain = encodeBatch(input);
    const gzipped = await compressBatch(input);
    expect(gzipped.length).toBeLessThan(plain.length / 3);
    const header = validateBatch(gzipped);
    const plainHeader = readBatchHeader(plain);
    expect(header).toEqual({
      ...plainHeader,
      batchLength: gzipped.length - 12,
      crc: header.crc,
      attributes: plainHeader.attributes | Compression.gzip,
    });
    expect(gzipped.subarray(BATCH_HEADER_BYTES, BATCH_HEADER_BYTES + 2)).toEqual(
      new Uint8Array([0x1f, 0x8b]),
    );
    expect(await decodeRecordsAsync(gzipped)).toEqual(decodeRecords(plain));
    expect(errorCode(() => decodeRecords(gzipped))).toBe("UNSUPPORTED_COMPRESSION_TYPE");
  });

  it("decodes Sarama's (Go) gzip batch", async () => {
    const records = await decodeRecordsAsync(loadFixture("sarama-gzip"));
    expect(records).toEqual([{
      offset: 0,
      timestamp: 1479847795005,
      key: new Uint8Array([1, 2, 3, 4]),
      value: new Uint8Array([5, 6, 7]),
      headers: [{ key: "\b\t\n", value: new Uint8Array([11, 12]) }],
      attributes: 0,
    }]);
  });

  it("decodes an uncompressed batch too, at any position", async () => {
    const plain = encodeBatch(input);
    const shifted = new Uint8Array(plain.length + 3);
    shifted.set(plain, 3);
    expect(await decodeRecordsAsync(shifted, 3)).toEqual(decodeRecords(plain));
  });

  it("compressBatch honours compression none and refuses undefined codecs 5..7", async () => {
    expect(await compressBatch({ ...input, compression: Compression.none })).toEqual(
      encodeBatch(input),
    );
    for (const compression of [5, 6, 7]) {
      expect(await asyncErrorCode(() => compressBatch({ ...input, compression }))).toBe(
        "UNSUPPORTED_COMPRESSION_TYPE",
      );
    }
  });

  it("a gzip section labelled snappy, lz4 or zstd is CORRUPT_MESSAGE", async () => {
    for (const codec of [Compression.snappy, Compression.lz4, Compression.zstd]) {
      const bytes = loadFixture("sarama-gzip");
      view(bytes).setInt16(21, codec);
      expect(await asyncErrorCode(() => decodeRecordsAsync(reseal(bytes)))).toBe(
        "CORRUPT_MESSAGE",
      );
    }
  });

  it("reports invalid, truncated and misframed gzip sections as CORRUPT_MESSAGE", async () => {
    const section = loadFixture("sarama-gzip").subarray(BATCH_HEADER_BYTES);
    const notGzip = gzipBatchWith(utf8("definitely not a gzip stream"));
    expect(await asyncErrorCode(() => decodeRecordsAsync(notGzip))).toBe("CORRUPT_MESSAGE");
    const truncated = gzipBatchWith(section.subarray(0, section.length - 10));
    expect(await asyncErrorCode(() => decodeRecordsAsync(truncated))).toBe("CORRUPT_MESSAGE");
    const garbageRecords = gzipBatchWith(await gzipBytes(new Uint8Array([0x7f, 1, 2, 3])));
    expect(await asyncErrorCode(() => decodeRecordsAsync(garbageRecords))).toBe("CORRUPT_MESSAGE");
    const empty = gzipBatchWith(new Uint8Array(0));
    expect(await asyncErrorCode(() => decodeRecordsAsync(empty))).toBe("CORRUPT_MESSAGE");
  });

  it("bounds decompression: a small batch may not expand past decompressedBytesMax", async () => {
    const bomb = await compressBatch({
      records: [{ key: null, value: new Uint8Array(4 << 20), timestamp: T }],
    });
    expect(bomb.length).toBeLessThan(10_000);
    const small = { decompressedBytesMax: 1 << 20 };
    expect(await asyncErrorCode(() => decodeRecordsAsync(bomb, 0, small))).toBe(
      "MESSAGE_TOO_LARGE",
    );
    const records = await decodeRecordsAsync(bomb, 0, { decompressedBytesMax: 8 << 20 });
    expect(records[0].value?.length).toBe(4 << 20);
  });
});
