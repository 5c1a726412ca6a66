import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { encodeCbor } from "../../../src/protocol/cbor/cbor-encode.ts";
import {
  CborFloat,
  CborSimple,
  CborTag,
  decodeCbor,
} from "../../../src/protocol/cbor/cbor-decode.ts";

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
    [5n, "05"],
    [-5n, "24"],
    [70000n, "1a00011170"],
    [-4294967297n, "3b0000000100000000"],
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

  it("writes text as TextEncoder does, lone surrogates and map keys too (property)", () => {
    const encoder = new TextEncoder();
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.string({ unit: "grapheme-ascii", maxLength: 300 }),
    );
    fc.assert(
      fc.property(text, (t) => {
        const utf8 = encoder.encode(t);
        // The bytes after the head, and the head's length argument, are TextEncoder's.
        const alone = encodeCbor(t);
        expect(hex(alone.subarray(alone.byteLength - utf8.byteLength))).toBe(hex(utf8));
        expect(decodeCbor(alone)).toBe(new TextDecoder().decode(utf8));
        const asKey = encodeCbor({ [t]: 1 });
        expect(hex(asKey)).toBe(`a1${hex(alone)}01`);
      }),
      { numRuns: 300 },
    );
  });

  it("writes every head size for text, byte strings, arrays and map sizes", () => {
    const head = (major: number, n: number) =>
      hex(encodeCbor(major === 3 ? "a".repeat(n) : new Uint8Array(n))).slice(
        0,
        n < 24 ? 2 : n < 256 ? 4 : n < 65536 ? 6 : 10,
      );
    expect(head(3, 23)).toBe("77");
    expect(head(3, 24)).toBe("7818");
    expect(head(3, 300)).toBe("79012c");
    expect(head(3, 70000)).toBe("7a00011170");
    expect(head(2, 70000)).toBe("5a00011170");
    expect(hex(encodeCbor(new Array(300).fill(0))).slice(0, 6)).toBe("99012c");
    const wide = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
    expect(hex(encodeCbor({ ...wide, gone: undefined })).slice(0, 4)).toBe("b81e");
  });

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
    expect(decodeCbor(bytes("3b0020000000000000"))).toBe(-(2n ** 53n) - 1n);
    expect(decodeCbor(bytes("1bffffffffffffffff"))).toBe(18446744073709551615n);
  });

  it("returns integers up to 2^53 - 1 as numbers, in every head size", () => {
    const cases: Array<[string, number]> = [
      ["00", 0],
      ["17", 23],
      ["1818", 24],
      ["1903e8", 1000],
      ["1a000f4240", 1000000],
      ["1b0000000100000000", 4294967296],
      ["1b001fffffffffffff", Number.MAX_SAFE_INTEGER],
      ["3903e7", -1000],
      ["3b0000000100000000", -4294967297],
      ["1a80000000", 2 ** 31], // the high bit of a 4-byte argument is not a sign
    ];
    for (const [h, n] of cases) expect(decodeCbor(bytes(h)), h).toBe(n);
  });

  it("keeps floats, tags and other simple values apart from integers, even when integral", () => {
    // RFC 8949 Appendix A: 1.0 in half, single and double precision; -4.1; 65504.0 (half).
    const floats: Array<[string, number]> = [
      ["f93c00", 1],
      ["fa3f800000", 1],
      ["fb3ff0000000000000", 1],
      ["fbc010666666666666", -4.1],
      ["f97bff", 65504],
      ["f90001", 5.960464477539063e-8],
      ["f9bc00", -1],
    ];
    for (const [h, value] of floats) {
      const out = decodeCbor(bytes(h));
      expect(out, h).toBeInstanceOf(CborFloat);
      expect((out as CborFloat).value, h).toBe(value);
    }
    expect((decodeCbor(bytes("f97c00")) as CborFloat).value).toBe(Infinity);
    expect((decodeCbor(bytes("f97e00")) as CborFloat).value).toBeNaN();
    // Bignums (tags 2 and 3) and any other tag stay tagged.
    expect(decodeCbor(bytes("c24101"))).toEqual(new CborTag(2, new Uint8Array([1])));
    expect(decodeCbor(bytes("c34100"))).toEqual(new CborTag(3, new Uint8Array([0])));
    expect(decodeCbor(bytes("c11a514b67b0"))).toEqual(new CborTag(1, 1363896240));
    expect(decodeCbor(bytes("f0"))).toEqual(new CborSimple(16));
    expect(decodeCbor(bytes("f8ff"))).toEqual(new CborSimple(255));
    expect(decodeCbor(bytes("f7"))).toBeUndefined();
  });

  it("reads indefinite-length items (RFC 8949 Appendix A)", () => {
    expect(decodeCbor(bytes("5f42010243030405ff"))).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    expect(decodeCbor(bytes("7f657374726561646d696e67ff"))).toBe("streaming");
    expect(decodeCbor(bytes("9f018202039f0405ffff"))).toEqual([1, [2, 3], [4, 5]]);
    expect(decodeCbor(bytes("bf61610161629f0203ffff"))).toEqual({ a: 1, b: [2, 3] });
  });

  it("decodes maps into plain objects with text keys only; __proto__ is a plain field", () => {
    const out = decodeCbor(bytes("a3016161626869617804f6")) as Record<string, unknown>;
    expect(out).toEqual({ hi: "x" }); // the entries under the integer keys 1 and 4 are dropped
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    const proto = decodeCbor(encodeCbor({ ["__proto__"]: 1 })) as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(["__proto__"]);
  });

  it("decodes text, also non-ASCII and long, and hands out the same string for repeated keys", () => {
    for (const text of ["", "IETF", "\u00fc", "\ud800\udd51", "x".repeat(40), "é".repeat(30)]) {
      expect(decodeCbor(encodeCbor(text))).toBe(text);
    }
    // Two different 3-byte strings landing anywhere in the cache never get confused.
    for (let i = 0; i < 5000; i++) expect(decodeCbor(encodeCbor(`k${i}`))).toBe(`k${i}`);
  });

  it("fails with CORRUPT_MESSAGE on input that is not well-formed", () => {
    const bad = [
      "a1", // truncated map
      "8201", // truncated array
      "0102", // trailing bytes
      "", // empty
      "5affffffff00", // byte string longer than the input
      "1c", // reserved additional information
      "ff", // a break outside an indefinite item
      "81ff", // a break as an array item
      "f818", // a simple value below 32 in two bytes
      "5f4101610aff", // an indefinite byte string with a text chunk
      "9b0000000100000000", // an array announcing 2^32 items
      "c2", // a tag without its item
      "fb3ff0", // a truncated double
      "81".repeat(100) + "00", // nested 100 deep
    ];
    for (const h of bad) {
      expect(() => decodeCbor(bytes(h)), h).toThrow(
        expect.objectContaining({ code: "CORRUPT_MESSAGE" }),
      );
    }
  });
});

/** Floats come back wrapped (CborFloat); the property compares their values. */
function normalise(v: unknown): unknown {
  if (v instanceof CborFloat) return v.value;
  if (Array.isArray(v)) return v.map(normalise);
  if (v !== null && typeof v === "object" && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  }
  return v;
}
