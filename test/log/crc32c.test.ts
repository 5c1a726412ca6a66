import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { crc32c } from "../../src/log/crc32c.ts";

// Bit-at-a-time reference straight from the definition (reflected 0x82F63B78), sharing
// nothing with the table-driven implementation under test.
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const ascii = (s: string) => new TextEncoder().encode(s);

describe("crc32c", () => {
  it("matches the standard check value and the RFC 3720 (iSCSI) test vectors", () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it("agrees with a bitwise reference for every length around the 8-byte stride", () => {
    const bytes = Uint8Array.from({ length: 80 }, (_, i) => (i * 151 + 7) & 0xff);
    for (let length = 0; length <= bytes.length; length++) {
      expect(crc32c(bytes.subarray(0, length))).toBe(crc32cBitwise(bytes.subarray(0, length)));
    }
  });

  it("agrees with the reference on arbitrary bytes and sub-ranges", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1));
        expect(crc32c(bytes, start, end)).toBe(crc32cBitwise(bytes.subarray(start, end)));
      }),
      { numRuns: 300 },
    );
  });

  it("reads a view at its own offset, not the start of its buffer", () => {
    const backing = ascii("xx123456789yy");
    expect(crc32c(backing.subarray(2, 11))).toBe(0xe3069283);
  });

  it("clamps out-of-range positions like subarray", () => {
    const bytes = ascii("123456789");
    expect(crc32c(bytes, -5, 100)).toBe(0xe3069283);
    expect(crc32c(bytes, 7, 3)).toBe(0);
  });
});
