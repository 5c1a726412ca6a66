// Corruption cases: each mutates one golden fixture, re-seals the CRC where the check under
// test sits behind it, and expects CORRUPT_MESSAGE (or the documented alternative).
import { describe, expect, it } from "vitest";
import { decodeRecords, validateBatch } from "../../src/log/record-batch.ts";
import { loadFixture } from "../fixtures/record-batch/hex.ts";
import { errorCode, reseal, view } from "../fixtures/record-batch/helpers.ts";

// one-record.hex: record @61 = length @61, attributes @62, timestampDelta @63, offsetDelta @64,
// keyLength @65, key @66..68, valueLength @69, value @70..74, headerCount @75; 76 bytes.
const oneRecord = () => loadFixture("one-record");

function withBatchLength(bytes: Uint8Array, delta: number): Uint8Array {
  view(bytes).setInt32(8, view(bytes).getInt32(8) + delta);
  return bytes;
}

describe("validateBatch", () => {
  it("accepts the fixture it is mutated from", () => {
    expect(validateBatch(oneRecord()).recordCount).toBe(1);
  });

  it("rejects a magic other than 2", () => {
    for (const magic of [0, 1, 3, 0xff]) {
      const bytes = oneRecord();
      bytes[16] = magic;
      expect(errorCode(() => validateBatch(bytes))).toBe("CORRUPT_MESSAGE");
    }
  });

  it("rejects truncated batches and impossible batchLengths", () => {
    const bytes = oneRecord();
    expect(errorCode(() => validateBatch(bytes.subarray(0, bytes.length - 1)))).toBe(
      "CORRUPT_MESSAGE",
    );
    expect(errorCode(() => validateBatch(bytes.subarray(0, 60)))).toBe("CORRUPT_MESSAGE");
    expect(errorCode(() => validateBatch(withBatchLength(oneRecord(), 1)))).toBe("CORRUPT_MESSAGE");
    const tiny = oneRecord();
    view(tiny).setInt32(8, 48);
    expect(errorCode(() => validateBatch(tiny))).toBe("CORRUPT_MESSAGE");
    const negative = oneRecord();
    view(negative).setInt32(8, -1);
    expect(errorCode(() => validateBatch(negative))).toBe("CORRUPT_MESSAGE");
  });

  it("rejects a CRC mismatch, in the data or in the CRC field itself", () => {
    const data = oneRecord();
    data[72] ^= 0x20;
    expect(errorCode(() => validateBatch(data))).toBe("CORRUPT_MESSAGE");
    const crc = oneRecord();
    crc[19] ^= 0x01;
    expect(errorCode(() => validateBatch(crc))).toBe("CORRUPT_MESSAGE");
  });

  it("rejects recordCount above lastOffsetDelta + 1, negative counts and deltas", () => {
    const cases: Array<[number, number]> = [[2, 0], [-1, 0], [1, -1], [0, -5]]; // recordCount, lastOffsetDelta
    for (const [recordCount, lastOffsetDelta] of cases) {
      const bytes = oneRecord();
      view(bytes).setInt32(57, recordCount);
      view(bytes).setInt32(23, lastOffsetDelta);
      expect(errorCode(() => validateBatch(reseal(bytes))), `${recordCount}/${lastOffsetDelta}`)
        .toBe("CORRUPT_MESSAGE");
    }
  });

  it("rejects more records than the section could hold", () => {
    const bytes = oneRecord();
    view(bytes).setInt32(57, 1_000_000);
    view(bytes).setInt32(23, 2_000_000);
    expect(errorCode(() => validateBatch(reseal(bytes)))).toBe("CORRUPT_MESSAGE");
  });

  it("rejects unknown compression codecs; known but unsupported ones pass validation only", () => {
    const unknown = oneRecord();
    view(unknown).setInt16(21, 5);
    expect(errorCode(() => validateBatch(reseal(unknown)))).toBe("CORRUPT_MESSAGE");
    const snappy = oneRecord();
    view(snappy).setInt16(21, 2);
    expect(validateBatch(reseal(snappy)).attributes).toBe(2);
    expect(errorCode(() => decodeRecords(snappy))).toBe("UNSUPPORTED_COMPRESSION_TYPE");
  });

  it("rejects int64 fields beyond 2^53", () => {
    const offset = oneRecord();
    offset[1] = 0x20; // baseOffset 2^53
    expect(errorCode(() => validateBatch(offset))).toBe("CORRUPT_MESSAGE");
    const producer = oneRecord();
    view(producer).setInt32(43, -0x200000);
    view(producer).setInt32(47, 0); // producerId -(2^53)
    expect(errorCode(() => validateBatch(reseal(producer)))).toBe("CORRUPT_MESSAGE");
  });

  it("accepts an empty batch (all records compacted away)", () => {
    const bytes = oneRecord().slice(0, 61);
    view(bytes).setInt32(8, 49);
    view(bytes).setInt32(57, 0);
    expect(validateBatch(reseal(bytes)).recordCount).toBe(0);
    expect(decodeRecords(bytes)).toEqual([]);
  });
});

describe("decodeRecords structure checks", () => {
  const mutate = (fn: (bytes: Uint8Array) => void, name = "one-record") => {
    const bytes = loadFixture(name);
    fn(bytes);
    return errorCode(() => decodeRecords(reseal(bytes)));
  };

  it("rejects a record length that disagrees with its fields", () => {
    expect(mutate((b) => (b[61] = 0x1e))).toBe("CORRUPT_MESSAGE"); // 15: past the batch
    expect(mutate((b) => (b[61] = 0x1a))).toBe("CORRUPT_MESSAGE"); // 13: fields run past it
    expect(mutate((b) => (b[61] = 0x0a))).toBe("CORRUPT_MESSAGE"); // 5: below the minimum
    expect(mutate((b) => (b[61] = 0x01))).toBe("CORRUPT_MESSAGE"); // -1
  });

  it("rejects bytes left after recordCount records, and fewer records than declared", () => {
    const trailing = new Uint8Array(77);
    trailing.set(oneRecord());
    withBatchLength(trailing, 1);
    expect(errorCode(() => decodeRecords(reseal(trailing)))).toBe("CORRUPT_MESSAGE");
    expect(mutate((b) => view(b).setInt32(57, 0))).toBe("CORRUPT_MESSAGE");
    const short = loadFixture("multi-record");
    view(short).setInt32(57, 3);
    view(short).setInt32(8, view(short).getInt32(8) - 14); // drop record 2
    expect(errorCode(() => decodeRecords(reseal(short.subarray(0, short.length - 14))))).toBe(
      "CORRUPT_MESSAGE",
    );
  });

  it("rejects key and value lengths below -1 or past the record", () => {
    expect(mutate((b) => (b[65] = 0x03))).toBe("CORRUPT_MESSAGE"); // key length -2
    expect(mutate((b) => (b[65] = 0x0a))).toBe("CORRUPT_MESSAGE"); // key length 5
    expect(mutate((b) => (b[69] = 0x0c))).toBe("CORRUPT_MESSAGE"); // value length 6
  });

  it("rejects offset deltas beyond lastOffsetDelta or not increasing", () => {
    expect(mutate((b) => (b[64] = 0x02))).toBe("CORRUPT_MESSAGE"); // offsetDelta 1 > lastOffsetDelta 0
    expect(mutate((b) => (b[64] = 0x01))).toBe("CORRUPT_MESSAGE"); // offsetDelta -1
    // multi-record.hex: record 1 @70, offsetDelta @74; make it repeat record 0's delta.
    expect(mutate((b) => (b[74] = 0x00), "multi-record")).toBe("CORRUPT_MESSAGE");
  });

  it("accepts gaps in offset deltas (compaction), keeping each record's own offset", () => {
    // multi-record.hex minus record 1 (bytes 70..79): offsets 42 and 44 remain.
    const full = loadFixture("multi-record");
    const bytes = new Uint8Array(full.length - 10);
    bytes.set(full.subarray(0, 70));
    bytes.set(full.subarray(80), 70);
    withBatchLength(bytes, -10);
    view(bytes).setInt32(57, 2);
    const records = decodeRecords(reseal(bytes));
    expect(records.map((r) => r.offset)).toEqual([42, 44]);
  });

  it("rejects header keys that are null, too long or not UTF-8, and negative header counts", () => {
    // headers-null-key.hex: headerCount @68, first header key length @69, key @70..77.
    expect(mutate((b) => (b[70] = 0xff), "headers-null-key")).toBe("CORRUPT_MESSAGE");
    expect(mutate((b) => (b[69] = 0x01), "headers-null-key")).toBe("CORRUPT_MESSAGE");
    expect(mutate((b) => (b[69] = 0x7e), "headers-null-key")).toBe("CORRUPT_MESSAGE");
    expect(mutate((b) => (b[68] = 0x01), "headers-null-key")).toBe("CORRUPT_MESSAGE");
    expect(mutate((b) => (b[68] = 0x7e), "headers-null-key")).toBe("CORRUPT_MESSAGE");
  });

  it("rejects record timestamps that leave the safe integer range", () => {
    // large-timestamp-delta.hex: record 1 is base + 2^35 + 1; push base to 2^53 - 2^34.
    const bytes = loadFixture("large-timestamp-delta");
    const base = 2 ** 53 - 2 ** 34;
    view(bytes).setInt32(27, Math.floor(base / 2 ** 32));
    view(bytes).setUint32(31, base % 2 ** 32);
    expect(errorCode(() => decodeRecords(reseal(bytes)))).toBe("CORRUPT_MESSAGE");
  });
});
