import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { encodeCbor } from "../../../src/protocol/cbor/cbor-encode.ts";
import { decodeCbor } from "../../../src/protocol/cbor/cbor-decode.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const bytes = (h: string) => new Uint8Array(h.match(/../g)?.map((x) => parseInt(x, 16)) ?? []);

describe("encodeCbor", () => {
  // Examples from RFC 8949 Appendix A, plus the cases where general-purpose encoders use floats.
  const cases: Array<[unknown, string]> = [
    [0, "00"],
    [23, "17"],
    [24, "1818"],
    [1000, "1903e8"],
    [1000000, "1a000f4240"],
    [4294967296, "1b0000000100000000"],
    [1_700_000_000_000, "1b0000018bcfe56800"],
    [Number.MAX_SAFE_INTEGER, "1b001fffffffffffff"],
    [-1, "20"],
    [-10, "29"],
    [-1000, "3903e7"],
    [-4294967297, "3b0000000100000000"],
    [18446744073709551615n, "1bffffffffffffffff"],
    [1.5, "fb3ff8000000000000"],
    [false, "f4"],
    [true, "f5"],
    [null, "f6"],
    ["", "60"],
    ["IETF", "6449455446"],
    ["\u00fc", "62c3bc"],
    ["\ud800\udd51", "64f0908591"],
    [new Uint8Array([1, 2, 3, 4]), "4401020304"],
    [[], "80"],
    [[1, [2, 3], [4, 5]], "8301820203820405"],
    [{}, "a0"],
    [{ a: 1, b: [2, 3] }, "a26161016162820203"],
    [{ a: 1, skipped: undefined }, "a1616101"],
  ];
  for (const [value, expected] of cases) {
    it(`encodes ${typeof value === "bigint" ? `${value}n` : JSON.stringify(value)} as ${expected}`, () => {
      expect(hex(encodeCbor(value))).toBe(expected);
    });
  }

  it("leaves room for a prefix", () => {
    expect(hex(encodeCbor([1], 4))).toBe("000000008101");
  });

  it("refuses values that have no place in a message", () => {
    expect(() => encodeCbor(new Map([["a", 1]]))).toThrow();
    expect(() => encodeCbor(new Date(0))).toThrow();
    expect(() => encodeCbor(2 ** 53)).toThrow();
    expect(() => encodeCbor(() => 1)).toThrow();
    expect(() => encodeCbor(2n ** 64n)).toThrow();
  });

  it("round-trips through the decoder (property)", () => {
    const value = fc.letrec((tie) => ({
      item: fc.oneof(
        { depthSize: "small" },
        fc.constant(null),
        fc.boolean(),
        fc.maxSafeInteger(),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
        fc.string({ unit: "grapheme" }),
        fc.uint8Array({ maxLength: 40 }),
        fc.array(tie("item"), { maxLength: 5 }),
        fc.dictionary(fc.string().filter((k) => k !== "__proto__"), tie("item"), { maxKeys: 5 }),
      ),
    })).item;
    fc.assert(
      fc.property(value, (v) => {
        const decoded = normalise(decodeCbor(encodeCbor(v)));
        expect(decoded).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });
});

describe("decodeCbor", () => {
  it("returns byte strings as Uint8Array views into the input", () => {
    const input = bytes("4401020304");
    const out = decodeCbor(input) as Uint8Array;
    expect(out).toBeInstanceOf(Uint8Array);
    expect(out.buffer).toBe(input.buffer);
  });

  it("returns integers beyond 2^53 as bigints (validators reject them)", () => {
    expect(decodeCbor(bytes("1b0020000000000001"))).toBe(2n ** 53n + 1n);
  });

  it("fails with CORRUPT_MESSAGE on truncated input, trailing bytes and empty input", () => {
    for (const h of ["a1", "8201", "0102", "", "5affffffff00"]) {
      expect(() => decodeCbor(bytes(h)), h).toThrow(
        expect.objectContaining({ code: "CORRUPT_MESSAGE" }),
      );
    }
  });
});

/** The decoder hands out every 8-byte integer as a bigint; validators narrow them to numbers. */
function normalise(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(normalise);
  if (v !== null && typeof v === "object" && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  }
  return v;
}
