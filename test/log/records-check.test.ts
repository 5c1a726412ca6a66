// checkRecords and isUtf8: what our encoder writes always passes, and whatever passes decodes.
// The second is the property that matters for the broker: a batch accepted at produce must be
// readable by every later fetch (decodeRecords), or one producer makes a partition unreadable.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseProducedBatches } from "../../src/broker/produce.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { checkCompressedRecords } from "../../src/log/batch-compress.ts";
import {
  BATCH_HEADER_BYTES,
  compressBatch,
  type DecodedRecord,
  decodeRecords,
  decodeRecordsAsync,
  encodeBatch,
  type RecordInput,
  validateBatch,
} from "../../src/log/record-batch.ts";
import { checkRecords } from "../../src/log/records-check.ts";
import { isUtf8 } from "../../src/log/utf8.ts";
import { reseal } from "../fixtures/record-batch/helpers.ts";
import { loadFixture } from "../fixtures/record-batch/hex.ts";
import { batchOf, T0 } from "../support/malformed-batches.ts";

const RULES = { maxMessageBytes: 1 << 20, keyRequired: false };
const fatal = new TextDecoder("utf-8", { fatal: true });

function decodesAsUtf8(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false; // the only failure of a fatal decoder over an in-memory array
  }
}

const bytesOrNull = fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null });
const recordArb: fc.Arbitrary<RecordInput> = fc.record({
  key: bytesOrNull,
  value: bytesOrNull,
  headers: fc.array(
    fc.record({ key: fc.string({ unit: "binary", maxLength: 8 }), value: bytesOrNull }),
    { maxLength: 3 },
  ),
  timestamp: fc.integer({ min: T0 - 1_000_000, max: T0 + 1_000_000 }),
});
const batchArb = fc.array(recordArb, { minLength: 1, maxLength: 8 }).map((records) =>
  encodeBatch({ records })
);

// Records the quick path leaves to the careful one: 3-byte lengths (values of 8 KiB and more),
// non-ASCII header keys, timestamp deltas of 2^13 and more.
const slowRecordArb: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.option(fc.uint8Array({ maxLength: 4 }), { nil: null }),
  value: fc.constantFrom(0, 100, 9000).map((n) => new Uint8Array(n).fill(7)),
  headers: fc.array(
    fc.record({ key: fc.constantFrom("é", "k", "日本", "x".repeat(70)), value: bytesOrNull }),
    { maxLength: 2 },
  ),
  timestamp: fc.constantFrom(T0, T0 + 5, T0 + 20_000, T0 - 9_000_000),
});
const mixedBatchArb = fc.array(fc.oneof(recordArb, slowRecordArb), { minLength: 1, maxLength: 5 })
  .map((records) => encodeBatch({ records }));

/** The code a refusal carries, or null when the batch was accepted. */
function refusal(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof TributaryError) return err.code;
    throw err;
  }
}

describe("isUtf8", () => {
  it("agrees with a fatal TextDecoder on tricky sequences", () => {
    const cases = [
      [],
      [0x41],
      [0xc2, 0x80],
      [0xc1, 0xbf], // overlong
      [0xe0, 0x9f, 0xbf], // overlong
      [0xe0, 0xa0, 0x80],
      [0xed, 0x9f, 0xbf],
      [0xed, 0xa0, 0x80], // surrogate
      [0xef, 0xbb, 0xbf], // BOM
      [0xf0, 0x8f, 0xbf, 0xbf], // overlong
      [0xf0, 0x90, 0x80, 0x80],
      [0xf4, 0x8f, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xf5, 0x80, 0x80, 0x80],
      [0xe2, 0x82], // truncated
      [0x80],
      [0xff],
    ].map((c) => new Uint8Array(c));
    for (const c of cases) expect(isUtf8(c, 0, c.length), `${[...c]}`).toBe(decodesAsUtf8(c));
  });

  it("agrees with a fatal TextDecoder on random bytes", () => {
    const utf8ish = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.string({ unit: "binary", maxLength: 6 }).map((s) => new TextEncoder().encode(s)),
      fc.array(fc.constantFrom(0x80, 0xbf, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0x41), { maxLength: 8 })
        .map((a) => new Uint8Array(a)),
    );
    fc.assert(
      fc.property(utf8ish, (bytes) => isUtf8(bytes, 0, bytes.length) === decodesAsUtf8(bytes)),
      { numRuns: 3000 },
    );
  });
});

describe("checkRecords", () => {
  it("accepts the golden fixtures of real producers", async () => {
    for (const name of ["one-record", "multi-record", "headers-null-key", "kafka-java-producer"]) {
      const bytes = loadFixture(name);
      expect(() => parseProducedBatches(bytes, RULES), name).not.toThrow();
    }
    const gz = loadFixture("sarama-gzip");
    const header = validateBatch(gz);
    await checkCompressedRecords(gz, header, {
      batchAt: 0,
      keyRequired: false,
      decompressedBytesMax: 1 << 20,
    });
  });

  it("names the record index in its messages", () => {
    const bad = batchOf(4, (i) => (i === 2 ? { lengthSkew: 3 } : {}));
    expect(() => parseProducedBatches(bad, RULES)).toThrow(/batch at byte 0: record 2: /);
    const order = batchOf(3, (i) => ({ offsetDelta: [0, 1, 7][i] }));
    expect(() => parseProducedBatches(order, RULES)).toThrow(/record 2: offsetDelta 7/);
    const truncated = batchOf(2, (i) => (i === 1 ? { lengthSkew: -12 } : {}));
    expect(() => parseProducedBatches(truncated, RULES)).toThrow(/record 1: /);
  });

  it("refuses keyless records only when keys are required", () => {
    const keyless = batchOf(2, (i) => (i === 1 ? { key: null } : {}));
    const records = [BATCH_HEADER_BYTES, keyless.length] as const;
    const header = validateBatch(keyless);
    expect(
      refusal(() => checkRecords(keyless, ...records, header, { batchAt: 0, keyRequired: false })),
    )
      .toBeNull();
    expect(
      refusal(() => checkRecords(keyless, ...records, header, { batchAt: 0, keyRequired: true })),
    )
      .toBe("INVALID_RECORD");
  });

  it("accepts every batch our encoder writes", () => {
    fc.assert(
      fc.property(batchArb, (bytes) => {
        parseProducedBatches(bytes, RULES);
      }),
      { numRuns: 500 },
    );
  });

  it("accepts every batch our encoder writes, the quick path's cases or not", () => {
    fc.assert(
      fc.property(mixedBatchArb, (bytes) => {
        parseProducedBatches(bytes, RULES);
      }),
      { numRuns: 300 },
    );
  });

  it("a single corrupted byte in the records is refused, or the batch decodes", () => {
    fc.assert(
      fc.property(
        fc.oneof(batchArb, mixedBatchArb),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (clean, at, flip) => {
          const bytes = clean.slice();
          const pos = BATCH_HEADER_BYTES + (at % (bytes.length - BATCH_HEADER_BYTES));
          bytes[pos] ^= flip;
          reseal(bytes);
          const code = refusal(() => parseProducedBatches(bytes, RULES));
          if (code !== null) {
            expect(["CORRUPT_MESSAGE", "INVALID_RECORD"]).toContain(code);
            return;
          }
          // Accepted: what would be stored must decode, with every record it declares.
          const decoded = decodeRecords(bytes);
          expect(decoded.length).toBe(validateBatch(bytes).recordCount);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("a corrupted byte of a gzip batch is refused, or the batch decodes", async () => {
    await fc.assert(
      fc.asyncProperty(
        batchArb,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (p, at, flip) => {
          const clean = await compressBatch({ records: decodeRecords(p).map(toInput) });
          const bytes = clean.slice();
          const pos = BATCH_HEADER_BYTES + (at % (bytes.length - BATCH_HEADER_BYTES));
          bytes[pos] ^= flip;
          reseal(bytes);
          const header = validateBatch(bytes);
          const rules = { batchAt: 0, keyRequired: false, decompressedBytesMax: 1 << 20 };
          try {
            await checkCompressedRecords(bytes, header, rules);
          } catch (err) {
            if (!(err instanceof TributaryError)) throw err;
            expect(["CORRUPT_MESSAGE", "INVALID_RECORD"]).toContain(err.code);
            return;
          }
          expect((await decodeRecordsAsync(bytes)).length).toBe(header.recordCount);
        },
      ),
      { numRuns: 200 },
    );
  });
});

function toInput(r: DecodedRecord): RecordInput {
  return { key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp };
}
