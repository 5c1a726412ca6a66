import { describe, expect, it } from "vitest";
import {
  BATCH_HEADER_BYTES,
  BATCH_OVERHEAD_BYTES,
  batchesIn,
  batchSizeAt,
  Compression,
  decodeRecords,
  encodeBatch,
  lastOffsetOf,
  readBatchHeader,
  setBaseOffset,
  setMaxTimestampLogAppend,
  setPartitionLeaderEpoch,
  TimestampType,
  validateBatch,
} from "../../src/log/record-batch.ts";
import { InvariantViolation } from "../../src/model/errors.ts";
import { errorCode, utf8 } from "../fixtures/record-batch/helpers.ts";
import { concat } from "./support.ts";

const T = 1_700_000_000_000;

function batchOf(count: number, baseOffset = 0): Uint8Array {
  const records = Array.from(
    { length: count },
    (_, i) => ({ key: utf8(`k${i}`), value: utf8(`v${i}`), timestamp: T + i }),
  );
  return encodeBatch({ baseOffset, records });
}

describe("layout constants", () => {
  it("match Kafka's v2 header: 61 bytes, 12 of them outside batchLength", () => {
    expect(BATCH_HEADER_BYTES).toBe(61);
    expect(BATCH_OVERHEAD_BYTES).toBe(12);
    expect(Compression).toEqual({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 });
    expect(TimestampType).toEqual({ create: 0, logAppend: 1 });
  });
});

describe("batchSizeAt, readBatchHeader, lastOffsetOf", () => {
  it("reads sizes and headers at any position of a larger buffer", () => {
    const a = batchOf(3, 10);
    const b = batchOf(2, 13);
    const both = concat(new Uint8Array(5), a, b);
    expect(batchSizeAt(both, 5)).toBe(a.length);
    expect(batchSizeAt(both, 5 + a.length)).toBe(b.length);
    const header = readBatchHeader(both, 5 + a.length);
    expect(header).toMatchObject({ baseOffset: 13, lastOffsetDelta: 1, recordCount: 2 });
    expect(lastOffsetOf(header)).toBe(14);
    expect(decodeRecords(both, 5 + a.length).map((r) => r.offset)).toEqual([13, 14]);
  });

  it("returns -1 below 12 bytes and rejects a batchLength too small for a header", () => {
    const a = batchOf(1);
    expect(batchSizeAt(a.subarray(0, 11), 0)).toBe(-1);
    expect(batchSizeAt(a, a.length - 11)).toBe(-1);
    expect(batchSizeAt(a.subarray(0, 12), 0)).toBe(a.length);
    const zeros = new Uint8Array(64);
    expect(errorCode(() => batchSizeAt(zeros, 0))).toBe("CORRUPT_MESSAGE");
    expect(errorCode(() => batchSizeAt(a, a.length + 1))).toBe("CORRUPT_MESSAGE");
  });

  it("needs 61 bytes for a header", () => {
    const a = batchOf(1);
    expect(errorCode(() => readBatchHeader(a.subarray(0, 60)))).toBe("CORRUPT_MESSAGE");
    expect(readBatchHeader(a.subarray(0, 61)).recordCount).toBe(1);
  });
});

describe("batchesIn", () => {
  it("walks concatenated batches and stops before a partial trailing one", () => {
    const a = batchOf(3, 0);
    const b = batchOf(1, 3);
    const c = batchOf(2, 4);
    const all = concat(a, b, c);
    const walk = (bytes: Uint8Array) =>
      [...batchesIn(bytes)].map((x) => [x.position, x.header.baseOffset]);
    expect(walk(all)).toEqual([[0, 0], [a.length, 3], [a.length + b.length, 4]]);
    expect(walk(all.subarray(0, all.length - 1))).toEqual([[0, 0], [a.length, 3]]);
    expect(walk(all.subarray(0, a.length + b.length + 11))).toEqual([[0, 0], [a.length, 3]]);
    expect(walk(all.subarray(0, a.length + b.length + 20))).toEqual([[0, 0], [a.length, 3]]);
    expect(walk(new Uint8Array(0))).toEqual([]);
  });
});

describe("in-place edits", () => {
  it("setBaseOffset and setPartitionLeaderEpoch keep the CRC valid and move every offset", () => {
    const bytes = batchOf(3);
    const crc = readBatchHeader(bytes).crc;
    setBaseOffset(bytes, 0, 2 ** 40 + 7);
    setPartitionLeaderEpoch(bytes, 0, 12);
    const header = validateBatch(bytes);
    expect(header).toMatchObject({ baseOffset: 2 ** 40 + 7, partitionLeaderEpoch: 12, crc });
    expect(decodeRecords(bytes).map((r) => r.offset)).toEqual([
      2 ** 40 + 7,
      2 ** 40 + 8,
      2 ** 40 + 9,
    ]);
  });

  it("setMaxTimestampLogAppend turns a CreateTime batch into LogAppendTime with a fresh CRC", () => {
    const bytes = batchOf(2);
    setMaxTimestampLogAppend(bytes, 0, T + 500);
    expect(validateBatch(bytes)).toMatchObject({
      attributes: 0x08,
      baseTimestamp: T,
      maxTimestamp: T + 500,
    });
    expect(decodeRecords(bytes).map((r) => r.timestamp)).toEqual([T + 500, T + 500]);
  });

  it("setMaxTimestampLogAppend refuses to re-seal a corrupt batch", () => {
    const bytes = batchOf(2);
    bytes[bytes.length - 3] ^= 1;
    expect(errorCode(() => setMaxTimestampLogAppend(bytes, 0, T))).toBe("CORRUPT_MESSAGE");
    expect(errorCode(() => validateBatch(bytes))).toBe("CORRUPT_MESSAGE");
  });

  it("a batch whose last offset passes 2^53 is corrupt", () => {
    const bytes = batchOf(3);
    setBaseOffset(bytes, 0, Number.MAX_SAFE_INTEGER - 1);
    expect(errorCode(() => validateBatch(bytes))).toBe("CORRUPT_MESSAGE");
    setBaseOffset(bytes, 0, Number.MAX_SAFE_INTEGER - 2);
    expect(decodeRecords(bytes).map((r) => r.offset).at(-1)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("treat bad arguments as bugs (assertions), not as corrupt data", () => {
    const bytes = batchOf(1);
    expect(() => setBaseOffset(bytes, 0, -1)).toThrow(InvariantViolation);
    expect(() => setBaseOffset(bytes, 0, 2 ** 53)).toThrow(InvariantViolation);
    expect(() => setBaseOffset(bytes.subarray(0, 11), 0, 1)).toThrow(InvariantViolation);
    expect(() => setPartitionLeaderEpoch(bytes, 0, 2 ** 31)).toThrow(InvariantViolation);
  });
});

describe("encodeBatch input checks", () => {
  const one = [{ key: null, value: utf8("v"), timestamp: T }];

  it("rejects empty batches, bad timestamps and out-of-range producer fields", () => {
    expect(errorCode(() => encodeBatch({ records: [] }))).toBe("INVALID_RECORD");
    expect(errorCode(() => encodeBatch({ records: [{ key: null, value: null, timestamp: 1.5 }] })))
      .toBe(
        "INVALID_TIMESTAMP",
      );
    const spread = [{ key: null, value: null, timestamp: -(2 ** 52) }, {
      key: null,
      value: null,
      timestamp: 2 ** 52,
    }];
    expect(errorCode(() => encodeBatch({ records: spread }))).toBe("INVALID_TIMESTAMP");
    expect(errorCode(() => encodeBatch({ records: one, producerEpoch: 40000 }))).toBe(
      "INVALID_RECORD",
    );
    expect(errorCode(() => encodeBatch({ records: one, baseSequence: 2 ** 31 }))).toBe(
      "INVALID_RECORD",
    );
    expect(errorCode(() => encodeBatch({ records: one, baseOffset: -5 }))).toBe("INVALID_RECORD");
    expect(errorCode(() => encodeBatch({ records: one, timestampType: 2 }))).toBe("INVALID_RECORD");
    const two = [...one, ...one];
    expect(encodeBatch({ records: two, baseOffset: Number.MAX_SAFE_INTEGER - 1 }).length)
      .toBeGreaterThan(61);
    expect(errorCode(() => encodeBatch({ records: two, baseOffset: Number.MAX_SAFE_INTEGER })))
      .toBe("INVALID_RECORD");
  });

  it("writes only uncompressed batches", () => {
    for (
      const compression of [
        Compression.gzip,
        Compression.snappy,
        Compression.lz4,
        Compression.zstd,
        7,
      ]
    ) {
      expect(errorCode(() => encodeBatch({ records: one, compression }))).toBe(
        "UNSUPPORTED_COMPRESSION_TYPE",
      );
    }
  });

  it("round-trips non-ASCII and long header keys, and replaces a lone surrogate like TextEncoder", () => {
    const keys = ["ключ", "🐱 cat", "k".repeat(300), "\uFEFFbom", "a\uD800b"];
    const bytes = encodeBatch({
      records: [{
        key: null,
        value: null,
        timestamp: T,
        headers: keys.map((key) => ({ key, value: null })),
      }],
    });
    const decoded = decodeRecords(bytes)[0].headers.map((h) => h.key);
    expect(decoded).toEqual(["ключ", "🐱 cat", "k".repeat(300), "\uFEFFbom", "a\uFFFDb"]);
  });

  it("keeps records independent of later changes to the input arrays", () => {
    const value = utf8("before");
    const bytes = encodeBatch({ records: [{ key: null, value, timestamp: T }] });
    value.set(utf8("after!"));
    expect(decodeRecords(bytes)[0].value).toEqual(utf8("before"));
  });

  it("encodes one large batch of many records exactly once", () => {
    const count = 20_000;
    const records = Array.from({ length: count }, (_, i) => ({
      key: i % 3 === 0 ? null : utf8(`key-${i}`),
      value: new Uint8Array(i % 50).fill(i & 0xff),
      headers: i % 5 === 0 ? [{ key: `h${i}`, value: null }] : undefined,
      timestamp: T + i * 7,
    }));
    const bytes = encodeBatch({ records });
    const decoded = decodeRecords(bytes);
    expect(decoded.length).toBe(count);
    expect(decoded[count - 1]).toMatchObject({ offset: count - 1, timestamp: T + (count - 1) * 7 });
    expect(decoded[19_995].headers).toEqual([{ key: "h19995", value: null }]);
  });
});
