import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { encodeFrame, FrameDecoder } from "../../../src/protocol/cbor/frame.ts";
import { concatBytes } from "../../support/bytes.ts";

function payloads(count: number, sizeMax: number, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let x = seed;
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const p = new Uint8Array(x % (sizeMax + 1));
    for (let j = 0; j < p.length; j++) p[j] = (i + j) & 0xff;
    out.push(p);
  }
  return out;
}

function feed(decoder: FrameDecoder, stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let pos = 0;
  for (const size of cuts) {
    if (pos >= stream.byteLength) break;
    frames.push(...decoder.push(stream.subarray(pos, pos + size)).map((f) => f.slice()));
    pos += size;
  }
  if (pos < stream.byteLength) frames.push(...decoder.push(stream.subarray(pos)));
  return frames;
}

describe("FrameDecoder", () => {
  const messages = payloads(40, 300, 7);
  const stream = concatBytes(messages.map(encodeFrame));

  it("decodes a stream fed one byte at a time", () => {
    const decoder = new FrameDecoder();
    const frames = feed(decoder, stream, new Array<number>(stream.byteLength).fill(1));
    expect(frames).toEqual(messages);
    expect(decoder.midFrame).toBe(false);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("decodes a stream fed in one chunk, returning views without copying", () => {
    const decoder = new FrameDecoder();
    const frames = decoder.push(stream);
    expect(frames).toEqual(messages);
    expect(frames.every((f) => f.buffer === stream.buffer)).toBe(true);
  });

  it("decodes any chunking (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 200 }),
        (parts, cuts) => {
          const bytes = concatBytes(parts.map(encodeFrame));
          const decoder = new FrameDecoder({ frameBytesMax: 200 });
          const frames = feed(decoder, bytes, cuts);
          expect(frames).toEqual(parts);
          expect(decoder.error).toBeNull();
          expect(decoder.midFrame).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reports a partial frame as mid-frame and completes it later", () => {
    const decoder = new FrameDecoder();
    const frame = encodeFrame(new Uint8Array([1, 2, 3, 4, 5]));
    expect(decoder.push(frame.subarray(0, 2))).toEqual([]);
    expect(decoder.midFrame).toBe(true);
    expect(decoder.push(frame.subarray(2, 6))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(6);
    expect(decoder.push(frame.subarray(6))).toEqual([new Uint8Array([1, 2, 3, 4, 5])]);
    expect(decoder.midFrame).toBe(false);
  });

  it("returns zero-length payloads (the envelope decoder rejects them later)", () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(new Uint8Array([0, 0, 0, 0, 0, 0]))).toEqual([new Uint8Array(0)]);
    expect(decoder.midFrame).toBe(true);
    expect(decoder.push(new Uint8Array([0, 0]))).toEqual([new Uint8Array(0)]);
  });

  it("flags a 2 GiB announcement without buffering it, after the frames before it", () => {
    const decoder = new FrameDecoder({ frameBytesMax: 1024 });
    const good = encodeFrame(new Uint8Array([9]));
    const huge = new Uint8Array([0x80, 0, 0, 0, 1, 2, 3]);
    expect(decoder.push(concatBytes([good, huge]))).toEqual([new Uint8Array([9])]);
    expect(decoder.error?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(decoder.error?.message).toContain("2147483648");
    expect(decoder.bufferedBytes).toBeLessThanOrEqual(4);
    expect(decoder.push(good)).toEqual([]);
  });

  it("flags an oversized announcement split across chunks", () => {
    const decoder = new FrameDecoder({ frameBytesMax: 10 });
    expect(decoder.push(new Uint8Array([0, 0]))).toEqual([]);
    expect(decoder.error).toBeNull();
    decoder.push(new Uint8Array([0, 11]));
    expect(decoder.error?.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("accepts a frame of exactly frameBytesMax", () => {
    const decoder = new FrameDecoder({ frameBytesMax: 10 });
    const payload = new Uint8Array(10).fill(7);
    expect(decoder.push(encodeFrame(payload))).toEqual([payload]);
    expect(decoder.error).toBeNull();
  });

  it("rejects a nonsensical limit", () => {
    expect(() => new FrameDecoder({ frameBytesMax: 0 })).toThrow();
    expect(() => new FrameDecoder({ frameBytesMax: 2 ** 32 })).toThrow();
  });
});
