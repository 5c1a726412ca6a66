import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TributaryError } from "../../src/model/errors.ts";
import {
  batchesIn,
  type BatchInput,
  batchSizeAt,
  compressBatch,
  Compression,
  type DecodedRecord,
  decodeRecords,
  decodeRecordsAsync,
  encodeBatch,
  readBatchHeader,
  type RecordInput,
  setBaseOffset,
  TimestampType,
  validateBatch,
} from "../../src/log/record-batch.ts";
import { loadFixture } from "../fixtures/record-batch/hex.ts";
import { reseal, view } from "../fixtures/record-batch/helpers.ts";

const T = 1_700_000_000_000;
const HALF_SAFE = 2 ** 52 - 1;

const bytesOrNull = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 200, maxLength: 20_000 }) },
);

const wellFormed = (s: string) =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
const headerKey = fc.oneof(
  fc.string({ unit: "binary-ascii", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }).filter(wellFormed),
  fc.string({ unit: "grapheme", maxLength: 10 }),
);

// Timestamps in [-(2^52 - 1), 2^52 - 1], so every delta between two of them is a safe integer.
const timestamp = fc.oneof(
  fc.integer({ min: T - 100_000, max: T + 100_000 }),
  fc.integer({ min: -HALF_SAFE, max: HALF_SAFE }),
  fc.constantFrom(-1, 0, HALF_SAFE, -HALF_SAFE),
);

const recordInput: fc.Arbitrary<RecordInput> = fc.record(
  {
    key: bytesOrNull,
    value: bytesOrNull,
    headers: fc.array(fc.record({ key: headerKey, value: bytesOrNull }), { maxLength: 4 }),
    timestamp,
  },
  { requiredKeys: ["key", "value", "timestamp"] },
);

const batchInput: fc.Arbitrary<BatchInput> = fc.record(
  {
    records: fc.oneof(
      { weight: 5, arbitrary: fc.array(recordInput, { minLength: 1, maxLength: 8 }) },
      { weight: 1, arbitrary: fc.array(recordInput, { minLength: 100, maxLength: 400 }) },
    ),
    baseOffset: fc.oneof(
      fc.nat({ max: 1000 }),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 400 }),
    ),
    partitionLeaderEpoch: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    timestampType: fc.constantFrom(TimestampType.create, TimestampType.logAppend),
    transactional: fc.boolean(),
    control: fc.boolean(),
    producerId: fc.oneof(fc.constant(-1), fc.maxSafeNat()),
    producerEpoch: fc.integer({ min: -0x8000, max: 0x7fff }),
    baseSequence: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  },
  { requiredKeys: ["records"] },
);

/** What decoding a batch encoded from input must give back. */
function expectedRecords(input: BatchInput): DecodedRecord[] {
  const maxTimestamp = Math.max(...input.records.map((r) => r.timestamp));
  const logAppend = input.timestampType === TimestampType.logAppend;
  return input.records.map((r, i) => ({
    offset: (input.baseOffset ?? 0) + i,
    // Unstamped LogAppendTime batches carry the producer's max timestamp until the leader stamps.
    timestamp: logAppend ? maxTimestamp : r.timestamp,
    key: r.key,
    value: r.value,
    headers: r.headers ?? [],
    attributes: 0,
  }));
}

function onlyTributaryErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof TributaryError)) throw err;
  }
}

async function onlyTributaryErrorsAsync(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof TributaryError)) throw err;
  }
}

describe("record batch properties", () => {
  it("decode(encode(x)) == x for arbitrary batches", () => {
    fc.assert(
      fc.property(batchInput, (input) => {
        const bytes = encodeBatch(input);
        const header = validateBatch(bytes);
        expect(header).toMatchObject({
          baseOffset: input.baseOffset ?? 0,
          batchLength: bytes.length - 12,
          partitionLeaderEpoch: input.partitionLeaderEpoch ?? -1,
          lastOffsetDelta: input.records.length - 1,
          recordCount: input.records.length,
          baseTimestamp: input.records[0].timestamp,
          maxTimestamp: Math.max(...input.records.map((r) => r.timestamp)),
          producerId: input.producerId ?? -1,
          producerEpoch: input.producerEpoch ?? -1,
          baseSequence: input.baseSequence ?? -1,
        });
        expect(header.attributes).toBe(
          (input.timestampType === TimestampType.logAppend ? 0x08 : 0) |
            (input.transactional ? 0x10 : 0) |
            (input.control ? 0x20 : 0),
        );
        expect(decodeRecords(bytes)).toEqual(expectedRecords(input));
      }),
      { numRuns: 300 },
    );
  });

  it("gzip: decodeRecordsAsync(compressBatch(x)) == x", async () => {
    await fc.assert(
      fc.asyncProperty(batchInput, async (input) => {
        const bytes = await compressBatch(input);
        expect(await decodeRecordsAsync(bytes)).toEqual(expectedRecords(input));
      }),
      { numRuns: 60 },
    );
  });

  it("snappy, lz4, zstd: decodeRecordsAsync(compressBatch(x)) == x", async () => {
    const codec = fc.constantFrom(Compression.snappy, Compression.lz4, Compression.zstd);
    await fc.assert(
      fc.asyncProperty(batchInput, codec, async (input, compression) => {
        const bytes = await compressBatch({ ...input, compression });
        expect(bytes[22] & 7).toBe(compression);
        expect(await decodeRecordsAsync(bytes)).toEqual(expectedRecords(input));
      }),
      { numRuns: 90 },
    );
  });

  it("flipping any single bit of the CRC-covered region (or the CRC) fails validation", () => {
    const small = batchInput.filter((b) => encodeBatch(b).length < 4000);
    fc.assert(
      fc.property(small, fc.nat(), (input, bitRaw) => {
        const bytes = encodeBatch(input);
        const bit = 17 * 8 + (bitRaw % ((bytes.length - 17) * 8));
        bytes[bit >>> 3] ^= 1 << (bit & 7);
        expect(() => validateBatch(bytes)).toThrow(TributaryError);
        try {
          validateBatch(bytes);
        } catch (err) {
          expect((err as TributaryError).code).toBe("CORRUPT_MESSAGE");
        }
      }),
      { numRuns: 500 },
    );
  });

  it("every single-bit flip from the CRC onwards in each golden fixture fails validation", () => {
    for (
      const name of [
        "one-record",
        "headers-null-key",
        "multi-record",
        "control-commit",
        "kafka-java-producer",
      ]
    ) {
      const golden = loadFixture(name);
      const size = batchSizeAt(golden, 0);
      for (let bit = 17 * 8; bit < size * 8; bit++) {
        const bytes = golden.slice(0, size);
        bytes[bit >>> 3] ^= 1 << (bit & 7);
        let code = "none";
        try {
          validateBatch(bytes);
        } catch (err) {
          code = err instanceof TributaryError ? err.code : String(err);
        }
        expect(code, `${name} bit ${bit}`).toBe("CORRUPT_MESSAGE");
      }
    }
  });

  it("setBaseOffset keeps the CRC valid and shifts every offset", () => {
    fc.assert(
      fc.property(batchInput, fc.maxSafeNat(), (input, baseOffset) => {
        const bytes = encodeBatch(input);
        const before = readBatchHeader(bytes).crc;
        setBaseOffset(bytes, 0, Math.max(0, baseOffset - input.records.length));
        const header = validateBatch(bytes);
        expect(header.crc).toBe(before);
        expect(decodeRecords(bytes).map((r) => r.offset)).toEqual(
          input.records.map((_, i) => header.baseOffset + i),
        );
      }),
      { numRuns: 100 },
    );
  });

  it("random garbage never crashes the readers: only TributaryError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 300 }), (bytes, position) => {
        const at = Math.min(position, bytes.length);
        onlyTributaryErrors(() => readBatchHeader(bytes, at));
        onlyTributaryErrors(() => batchSizeAt(bytes, at));
        onlyTributaryErrors(() => validateBatch(bytes, at));
        onlyTributaryErrors(() => decodeRecords(bytes, at));
        onlyTributaryErrors(() => [...batchesIn(bytes)]);
      }),
      { numRuns: 3000 },
    );
  });

  it("garbage records behind a valid, re-sealed header never crash decodeRecords", () => {
    const header = fc.record({
      attributes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0x7f })),
      lastOffsetDelta: fc.integer({ min: -2, max: 40 }),
      recordCount: fc.integer({ min: -2, max: 40 }),
      baseTimestamp: fc.oneof(fc.constant(T), fc.integer({ min: -0x200000, max: 0x1fffff })),
    });
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 400 }), (h, garbage) => {
        const bytes = new Uint8Array(61 + garbage.length);
        bytes.set(garbage, 61);
        const v = view(bytes);
        v.setInt32(8, bytes.length - 12);
        bytes[16] = 2;
        v.setInt16(21, h.attributes & ~0x07);
        v.setInt32(23, h.lastOffsetDelta);
        v.setInt32(27, h.baseTimestamp === T ? 0x18b : h.baseTimestamp);
        v.setInt32(57, h.recordCount);
        onlyTributaryErrors(() => decodeRecords(reseal(bytes)));
      }),
      { numRuns: 3000 },
    );
  });

  it("mutated valid batches, re-sealed, decode or throw only TributaryError", () => {
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(batchInput, mutation, (input, edits) => {
        const bytes = encodeBatch(input);
        for (const [at, value] of edits) bytes[61 + (at % (bytes.length - 61))] = value;
        onlyTributaryErrors(() => decodeRecords(reseal(bytes)));
      }),
      { numRuns: 500 },
    );
  });

  it("mutated compressed batches (every codec) decode or throw only TributaryError", async () => {
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 3,
    });
    const small = fc.array(recordInput, { minLength: 1, maxLength: 5 }).map((records) => ({
      records,
    }));
    const codec = fc.constantFrom(
      Compression.gzip,
      Compression.snappy,
      Compression.lz4,
      Compression.zstd,
    );
    await fc.assert(
      fc.asyncProperty(small, mutation, codec, async (input, edits, compression) => {
        const bytes = await compressBatch({ ...input, compression });
        for (const [at, value] of edits) bytes[61 + (at % (bytes.length - 61))] = value;
        await onlyTributaryErrorsAsync(() => decodeRecordsAsync(reseal(bytes)));
      }),
      { numRuns: 300 },
    );
  });
});
