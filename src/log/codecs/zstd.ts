// zstd (codec 4, KIP-110): the records section is one or more Zstandard frames.
//
// Both ways go through @bokuweb/zstd-wasm (the reference C library compiled to wasm; it loads
// under Node, Deno and Bun), initialised once on first use. Its decompress sizes its output
// from the frame's declared content size, or from the size we pass when the frame declares
// none (the Java client's streaming frames do not); zstd-frames.ts bounds both before any
// call, so a bomb is refused without allocating, and the library's own capacity check stops
// anything that decodes past the bound. Written at level 3 (zstd's and Kafka's default).

import { compress, decompress, init } from "@bokuweb/zstd-wasm";
import type { Codec } from "./codec.ts";
import { corruptStream, expandsTooFar } from "./codec-errors.ts";
import { zstdFrames } from "./zstd-frames.ts";

const LEVEL = 3;

let ready: Promise<void> | null = null;

function loaded(): Promise<void> {
  ready ??= init().catch((err: unknown) => {
    ready = null;
    throw err;
  });
  return ready;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export async function zstdDecompress(data: Uint8Array, bytesMax: number): Promise<Uint8Array> {
  const frames = zstdFrames(data);
  await loaded();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const frame of frames) {
    const budget = bytesMax - total;
    if (frame.contentSize > budget) throw expandsTooFar(bytesMax);
    if (frame.contentSize > frame.outputBound) {
      throw corruptStream("zstd", `frame declares ${frame.contentSize} bytes it cannot hold`);
    }
    const capacity = Math.min(budget, frame.outputBound);
    let part: Uint8Array;
    try {
      part = decompress(data.subarray(frame.start, frame.end), { defaultHeapSize: capacity });
    } catch (err) {
      // The bound is an upper bound: only a frame decoding past bytesMax can overflow it.
      if (capacity === budget && frame.outputBound > budget) throw expandsTooFar(bytesMax);
      throw corruptStream("zstd", "undecodable frame", err);
    }
    parts.push(part);
    total += part.length;
  }
  return concat(parts, total);
}

export const zstdCodec: Codec = {
  name: "zstd",
  code: 4,
  async compress(data) {
    await loaded();
    return compress(data, LEVEL);
  },
  decompress: zstdDecompress,
};
