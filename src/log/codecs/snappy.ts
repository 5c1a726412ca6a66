// snappy (codec 2). Kafka clients write it two ways, and both are read:
// - the Java client: xerial snappy-java's stream framing. Header (16 bytes): magic
//   82 53 4e 41 50 50 59 00 ("\x82SNAPPY\0"), version int32 BE, compatible version int32 BE;
//   then chunks, each an int32 BE length and one raw Snappy block of that many bytes.
// - librdkafka and most others: one raw Snappy block.
// No raw block can begin with the magic (its second byte would make the first element a copy
// from an empty output), so the first 8 bytes decide.
//
// Written xerial-framed with 32 KiB chunks, as the Java client does: every Kafka client reads
// that, while a raw block is read by the Java client only through a fallback.

import snappy from "snappyjs";
import { type Codec, promised } from "./codec.ts";
import { corruptStream, expandsTooFar, guarded } from "./codec-errors.ts";
import { decodeSnappyBlock, snappyBlockLength } from "./snappy-block.ts";

export const XERIAL_MAGIC = new Uint8Array([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size. */
const CHUNK_BYTES = 32 * 1024;

export function isXerialFramed(data: Uint8Array): boolean {
  if (data.length < XERIAL_MAGIC.length) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

function readInt32(data: Uint8Array, at: number): number {
  return ((data[at] << 24) | (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3]) >>> 0;
}

function writeInt32(out: Uint8Array, at: number, value: number): void {
  new DataView(out.buffer, out.byteOffset, out.byteLength).setInt32(at, value);
}

/** The raw blocks of a xerial stream, checked for framing, their total declared size bounded. */
function xerialChunks(data: Uint8Array, bytesMax: number): Uint8Array[] {
  if (data.length < XERIAL_HEADER_BYTES) throw corruptStream("snappy", "xerial header cut short");
  const chunks: Uint8Array[] = [];
  let declared = 0;
  let at = XERIAL_HEADER_BYTES;
  // Each chunk takes at least 5 bytes: bounded by data.length / 5.
  while (at < data.length) {
    if (at + 4 > data.length) throw corruptStream("snappy", "xerial chunk length cut short");
    const length = readInt32(data, at);
    at += 4;
    if (length === 0 || length > data.length - at) {
      throw corruptStream("snappy", `xerial chunk of ${length} bytes, ${data.length - at} left`);
    }
    const chunk = data.subarray(at, at + length);
    declared += snappyBlockLength(chunk).length;
    if (declared > bytesMax) throw expandsTooFar(bytesMax);
    chunks.push(chunk);
    at += length;
  }
  return chunks;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function snappyCompressSync(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(XERIAL_HEADER_BYTES);
  header.set(XERIAL_MAGIC);
  writeInt32(header, 8, XERIAL_VERSION);
  writeInt32(header, 12, XERIAL_COMPATIBLE_VERSION);
  parts.push(header);
  for (let at = 0; at < data.length; at += CHUNK_BYTES) {
    // Typed loosely by its own declarations (it can also return an ArrayBuffer or a Buffer);
    // given a Uint8Array it returns one.
    const block = snappy.compress(
      data.subarray(at, Math.min(data.length, at + CHUNK_BYTES)),
    ) as Uint8Array;
    const length = new Uint8Array(4);
    writeInt32(length, 0, block.length);
    parts.push(length, block);
  }
  return concat(parts);
}

export function snappyDecompressSync(data: Uint8Array, bytesMax: number): Uint8Array {
  if (!isXerialFramed(data)) return decodeSnappyBlock(data, bytesMax);
  const chunks = xerialChunks(data, bytesMax);
  return concat(chunks.map((chunk) => decodeSnappyBlock(chunk, bytesMax)));
}

export const snappyCodec: Codec = {
  name: "snappy",
  code: 2,
  compress(data) {
    return promised(() => snappyCompressSync(data));
  },
  decompress(data, bytesMax) {
    return promised(() =>
      guarded("snappy", "undecodable block", () => snappyDecompressSync(data, bytesMax))
    );
  },
};
