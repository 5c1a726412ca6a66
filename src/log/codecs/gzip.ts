// gzip (codec 1): the records section is one gzip stream (RFC 1952). Runs on the web-standard
// CompressionStream/DecompressionStream, present in Node 20, Deno and Bun: no package needed.

import { TributaryError } from "../../model/errors.ts";
import { readStreamBounded } from "../read-bounded.ts";
import type { Codec } from "./codec.ts";
import { corruptStream, expandsTooFar } from "./codec-errors.ts";

function streamOf(data: Uint8Array): ReadableStream<BufferSource> {
  // (De)compression streams take only ArrayBuffer-backed chunks; copy a shared one.
  const chunk = data.buffer instanceof ArrayBuffer
    ? (data as Uint8Array<ArrayBuffer>)
    : data.slice();
  return new ReadableStream<BufferSource>({
    start(controller) {
      controller.enqueue(chunk);
      controller.close();
    },
  });
}

function readAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  bytesMax: number,
): Promise<Uint8Array> {
  return readStreamBounded(reader, { bytesMax, tooLarge: () => expandsTooFar(bytesMax) });
}

export const gzipCodec: Codec = {
  name: "gzip",
  code: 1,
  async compress(data) {
    const reader = streamOf(data).pipeThrough(new CompressionStream("gzip")).getReader();
    // gzip output is at most a few bytes per 32 KiB block above its input.
    return await readAll(reader, data.length + 1024 + (data.length >>> 10));
  },
  async decompress(data, bytesMax) {
    const reader = streamOf(data).pipeThrough(new DecompressionStream("gzip")).getReader();
    try {
      return await readAll(reader, bytesMax);
    } catch (err) {
      if (err instanceof TributaryError) throw err;
      // The stream fails only on input that is not a complete, valid gzip stream.
      throw corruptStream("gzip", "not one complete gzip stream", err);
    }
  },
};
