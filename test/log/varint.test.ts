import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TributaryError } from "../../src/model/errors.ts";
import {
  type Cursor,
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from "../../src/log/varint.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
const fromHex = (text: string) => Uint8Array.from(text.split(" "), (h) => parseInt(h, 16));

function encodeVarint(value: number): Uint8Array {
  const out = new Uint8Array(5);
  return out.subarray(0, writeVarint(out, 0, value));
}

function encodeVarlong(value: number): Uint8Array {
  const out = new Uint8Array(10);
  return out.subarray(0, writeVarlong(out, 0, value));
}

// Reference zig-zag varlong decoder in BigInt: what the bytes mean as an int64 (or null when
// they are not a terminated encoding of at most 10 bytes).
function referenceVarlong(bytes: Uint8Array): { value: bigint; length: number } | null {
  let u = 0n;
  for (let i = 0; i < Math.min(bytes.length, 10); i++) {
    u |= BigInt(bytes[i] & 0x7f) << BigInt(7 * i);
    if (bytes[i] < 0x80) return { value: (u >> 1n) ^ -(u & 1n), length: i + 1 };
  }
  return null;
}

function corruptCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof TributaryError) return err.code;
    throw err;
  }
  throw new Error("expected a TributaryError");
}

describe("varint (zig-zag int32)", () => {
  it("writes the protobuf/Kafka zig-zag encodings", () => {
    const cases: Array<[number, string]> = [
      [0, "00"],
      [-1, "01"],
      [1, "02"],
      [-2, "03"],
      [63, "7e"],
      [-64, "7f"],
      [64, "80 01"],
      [300, "d8 04"],
      [-8193, "81 80 01"],
      [2147483647, "fe ff ff ff 0f"],
      [-2147483648, "ff ff ff ff 0f"],
    ];
    for (const [value, bytes] of cases) {
      expect(hex(encodeVarint(value)), `${value}`).toBe(bytes);
      expect(sizeOfVarint(value)).toBe(bytes.split(" ").length);
      expect(readVarint(fromHex(bytes), { pos: 0, end: 99 })).toBe(value);
    }
  });

  it("round-trips every int32 and advances by exactly its size", () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (value) => {
        const bytes = encodeVarint(value);
        expect(bytes.length).toBe(sizeOfVarint(value));
        const cursor = { pos: 0, end: bytes.length };
        expect(readVarint(bytes, cursor)).toBe(value);
        expect(cursor.pos).toBe(bytes.length);
      }),
      { numRuns: 2000 },
    );
  });

  it("rejects more than 5 bytes and a fifth byte beyond 32 bits", () => {
    expect(corruptCode(() => readVarint(fromHex("80 80 80 80 80 00"), { pos: 0, end: 6 }))).toBe(
      "CORRUPT_MESSAGE",
    );
    expect(corruptCode(() => readVarint(fromHex("ff ff ff ff 1f"), { pos: 0, end: 5 }))).toBe(
      "CORRUPT_MESSAGE",
    );
  });

  it("never reads past cursor.end or the array", () => {
    const bytes = fromHex("80 80 01");
    expect(corruptCode(() => readVarint(bytes, { pos: 0, end: 2 }))).toBe("CORRUPT_MESSAGE");
    expect(corruptCode(() => readVarint(bytes.subarray(0, 2), { pos: 0, end: 50 }))).toBe(
      "CORRUPT_MESSAGE",
    );
    expect(corruptCode(() => readVarlong(bytes.subarray(0, 2), { pos: 0, end: 50 }))).toBe(
      "CORRUPT_MESSAGE",
    );
    expect(readVarint(bytes, { pos: 0, end: 50 })).toBe(8192);
  });
});

describe("varlong (zig-zag int64 as safe integers)", () => {
  it("writes the encodings of values past 32 bits", () => {
    const cases: Array<[number, string]> = [
      [2147483648, "80 80 80 80 10"],
      [-2147483649, "81 80 80 80 10"],
      [2 ** 35 + 1, "82 80 80 80 80 02"],
      [-(2 ** 32), "ff ff ff ff 1f"],
      [Number.MAX_SAFE_INTEGER, "fe ff ff ff ff ff ff 1f"],
      [Number.MIN_SAFE_INTEGER, "fd ff ff ff ff ff ff 1f"],
    ];
    for (const [value, bytes] of cases) {
      expect(hex(encodeVarlong(value)), `${value}`).toBe(bytes);
      expect(sizeOfVarlong(value)).toBe(bytes.split(" ").length);
      expect(readVarlong(fromHex(bytes), { pos: 0, end: 99 })).toBe(value);
    }
  });

  it("round-trips every safe integer and matches a BigInt reference", () => {
    const safe = fc.oneof(
      fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      fc.maxSafeInteger(),
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    );
    fc.assert(
      fc.property(safe, (value) => {
        const bytes = encodeVarlong(value);
        expect(bytes.length).toBe(sizeOfVarlong(value));
        const cursor = { pos: 0, end: bytes.length };
        expect(readVarlong(bytes, cursor)).toBe(value);
        expect(cursor.pos).toBe(bytes.length);
        expect(referenceVarlong(bytes)).toEqual({ value: BigInt(value), length: bytes.length });
      }),
      { numRuns: 3000 },
    );
  });

  it("rejects values beyond 2^53 in magnitude and more than 10 bytes", () => {
    // 2^53 (zig-zag 2^54) and -(2^53) (zig-zag 2^54 - 1): valid int64s, not safe integers.
    for (const bytes of ["80 80 80 80 80 80 80 20", "ff ff ff ff ff ff ff 1f"]) {
      expect(referenceVarlong(fromHex(bytes))?.value).toBe(
        bytes.startsWith("80") ? 2n ** 53n : -(2n ** 53n),
      );
      expect(corruptCode(() => readVarlong(fromHex(bytes), { pos: 0, end: 8 }))).toBe(
        "CORRUPT_MESSAGE",
      );
    }
    const eleven = fromHex("80 80 80 80 80 80 80 80 80 80 00");
    expect(corruptCode(() => readVarlong(eleven, { pos: 0, end: 11 }))).toBe("CORRUPT_MESSAGE");
    expect(corruptCode(() => writeVarlong(new Uint8Array(10), 0, 2 ** 53))).toBe("INVALID_RECORD");
  });

  it("decodes arbitrary bytes to the reference value or CORRUPT_MESSAGE, within bounds", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), fc.nat({ max: 12 }), (bytes, endRaw) => {
        const end = Math.min(endRaw, bytes.length);
        for (const read of [readVarint, readVarlong]) {
          const cursor: Cursor = { pos: 0, end };
          let value: number | undefined;
          try {
            value = read(bytes, cursor);
          } catch (err) {
            expect(err).toBeInstanceOf(TributaryError);
            expect((err as TributaryError).code).toBe("CORRUPT_MESSAGE");
            expect(cursor.pos).toBe(0);
            continue;
          }
          expect(cursor.pos).toBeGreaterThan(0);
          expect(cursor.pos).toBeLessThanOrEqual(Math.min(end, read === readVarint ? 5 : 10));
          const reference = referenceVarlong(bytes.subarray(0, end));
          expect(reference?.length).toBe(cursor.pos);
          if (read === readVarlong) expect(BigInt(value)).toBe(reference!.value);
          else expect(value).toBe(Number(BigInt.asIntN(32, reference!.value)));
        }
      }),
      { numRuns: 5000 },
    );
  });
});
