// The Kafka primitive types (reader.ts, writer.ts): each pinned by bytes from the protocol's
// type table, round trips, and typed errors (never anything else) on short or bad input.
import { describe, expect, it } from "vitest";
import { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { parseHex } from "../../fixtures/record-batch/hex.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const reader = (h: string) => new KafkaReader(parseHex(h));
const written = (f: (w: KafkaWriter) => void) => {
  const w = new KafkaWriter(1); // grows from one byte: the growth path runs too
  f(w);
  return hex(w.finish());
};

function invalid(f: () => unknown): TributaryError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(TributaryError);
    expect((err as TributaryError).code).toBe("INVALID_REQUEST");
    return err as TributaryError;
  }
  throw new Error("expected INVALID_REQUEST");
}

describe("fixed-width integers", () => {
  it("are big-endian and signed", () => {
    const r = reader("ff 8000 80000000 ffffffffffffffff 00000001");
    expect([r.int8(), r.int16(), r.int32(), r.int64(), r.uint32()]).toEqual([
      -1,
      -32768,
      -2147483648,
      -1,
      1,
    ]);
    expect(written((w) => w.int8(-1).int16(-32768).int32(-2147483648).int64(-1).uint32(1)))
      .toBe("ff800080000000ffffffffffffffff00000001");
  });

  it("maps Long.MAX_VALUE to the largest exact number and refuses other unsafe int64s", () => {
    expect(reader("7fffffffffffffff").int64()).toBe(Number.MAX_SAFE_INTEGER);
    expect(invalid(() => reader("0100000000000000").int64("offset")).message).toMatch(/offset/);
  });

  it("booleans are 0 or 1 only", () => {
    expect(reader("01").bool()).toBe(true);
    invalid(() => reader("02").bool());
  });
});

describe("unsigned varints (KIP-482 lengths and tags)", () => {
  const cases: Array<[number, string]> = [
    [0, "00"],
    [1, "01"],
    [127, "7f"],
    [128, "8001"],
    [300, "ac02"],
    [16384, "808001"],
    [0xffff_ffff, "ffffffff0f"],
  ];
  it.each(cases)("%d is %s", (value, bytes) => {
    expect(written((w) => w.unsignedVarint(value))).toBe(bytes);
    expect(reader(bytes).unsignedVarint()).toBe(value);
  });

  it("refuses more than 32 bits and more than 5 bytes", () => {
    invalid(() => reader("ffffffff1f").unsignedVarint());
    invalid(() => reader("ffffffffff01").unsignedVarint());
    invalid(() => reader("80").unsignedVarint());
  });
});

describe("zig-zag varints (records)", () => {
  const cases: Array<[number, string]> = [[0, "00"], [-1, "01"], [1, "02"], [-64, "7f"], [
    64,
    "8001",
  ]];
  it.each(cases)("varint %d is %s", (value, bytes) => {
    expect(written((w) => w.varint(value))).toBe(bytes);
    expect(reader(bytes).varint()).toBe(value);
  });

  it("varlong carries millisecond timestamps", () => {
    const ts = 1_700_000_000_000;
    const r = new KafkaReader(new KafkaWriter().varlong(ts).varlong(-ts).finish());
    expect([r.varlong(), r.varlong()]).toEqual([ts, -ts]);
  });

  it("a truncated varint is INVALID_REQUEST", () => {
    invalid(() => reader("80").varint());
  });
});

describe("strings and bytes", () => {
  it("classic strings: int16 length, -1 null", () => {
    expect(written((w) => w.nullableString("ab").nullableString(null).nullableString("")))
      .toBe("00026162ffff0000");
    const r = reader("00026162 ffff 0000");
    expect([r.string(), r.nullableString(), r.string()]).toEqual(["ab", null, ""]);
    invalid(() => reader("ffff").string());
    invalid(() => reader("0003 6162").string());
    invalid(() => reader("fffe").nullableString());
  });

  it("compact strings: unsigned varint length + 1, 0 null", () => {
    expect(written((w) => w.compactNullableString("ab").compactNullableString(null)))
      .toBe("03616200");
    const r = reader("036162 00 01");
    expect([r.compactString(), r.compactNullableString(), r.compactString()]).toEqual([
      "ab",
      null,
      "",
    ]);
    invalid(() => reader("00").compactString());
  });

  it("strings must be UTF-8", () => {
    invalid(() => reader("0001 ff").string());
  });

  it("bytes: int32 length or compact, null allowed", () => {
    expect(written((w) => w.nullableBytes(parseHex("0a0b")).nullableBytes(null)))
      .toBe("000000020a0bffffffff");
    expect(written((w) => w.compactNullableBytes(parseHex("0a")).compactNullableBytes(null)))
      .toBe("020a00");
    const r = reader("000000020a0b ffffffff 020a 00");
    expect(hex(r.bytesField())).toBe("0a0b");
    expect(r.nullableBytes()).toBeNull();
    expect(hex(r.compactBytes())).toBe("0a");
    expect(r.compactNullableBytes()).toBeNull();
    invalid(() => reader("7fffffff").bytesField());
  });
});

describe("arrays", () => {
  it("classic: int32 count, -1 null; compact: count + 1, 0 null", () => {
    expect(written((w) => w.array(false, [1, 2], (w, n) => w.int8(n)).array(false, null, () => {})))
      .toBe("000000020102ffffffff");
    expect(written((w) => w.array(true, [1], (w, n) => w.int8(n)).array(true, null, () => {})))
      .toBe("020100");
    const r = reader("000000020102 ffffffff 0201 00");
    expect(r.array(false, "a", (r) => r.int8())).toEqual([1, 2]);
    expect(r.array(false, "a", (r) => r.int8())).toBeNull();
    expect(r.array(true, "a", (r) => r.int8())).toEqual([1]);
    expect(r.array(true, "a", (r) => r.int8())).toBeNull();
  });

  it("a count beyond the bytes left is refused before anything is read", () => {
    expect(invalid(() => reader("7fffffff 00").arrayLength("topics")).message).toMatch(/topics/);
    invalid(() => reader("ffffffff0f").compactArrayLength());
  });
});

describe("tagged fields (KIP-482)", () => {
  it("count, then tag, size and bytes each", () => {
    const fields = reader("02 00 01 aa 03 02 bbcc").taggedFields();
    expect(fields.map((f) => [f.tag, hex(f.data)])).toEqual([[0, "aa"], [3, "bbcc"]]);
    expect(written((w) => w.tags(true).tags(false))).toBe("00");
  });

  it("tags must ascend and fit", () => {
    invalid(() => reader("02 01 00 01 00").taggedFields());
    invalid(() => reader("01 00 05 aa").taggedFields());
  });
});

describe("uuid", () => {
  it("is 16 raw bytes", () => {
    const id = parseHex("000102030405060708090a0b0c0d0e0f");
    expect(hex(reader(hex(id)).uuid())).toBe(hex(id));
    expect(written((w) => w.uuid(id))).toBe(hex(id));
    invalid(() => reader("0001").uuid());
  });
});

it("expectEnd names the bytes left over", () => {
  const r = reader("0001");
  r.int8();
  expect(invalid(() => r.expectEnd("Metadata v1")).message).toMatch(/1 bytes left/);
});
