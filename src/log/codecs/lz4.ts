// lz4 (codec 3): the records section is an LZ4 frame (lz4's Frame_format.md; Kafka adopted the
// standard frame in KIP-57, for magic 1 and later, with a correct header checksum).
//
// Frame: magic 04 22 4d 18 | FLG (version 01 in bits 7-6, block independence 5, block checksum
// 4, content size 3, content checksum 2, dictionary id 0) | BD (block max size in bits 6-4:
// 4 = 64 KiB .. 7 = 4 MiB) | content size uint64 LE? | dictionary id? | HC = second byte of
// xxh32(FLG..before HC) | blocks: size uint32 LE (high bit: stored uncompressed; 0 ends) | data
// | xxh32 of data when block checksums are on | after the end mark, xxh32 of the content when
// content checksums are on. Skippable frames (magic 0x184d2a50..5f, size uint32 LE) are skipped.
//
// Read: everything above but dictionaries, checksums verified, several frames in a row. Written
// as the Java client writes it: independent 64 KiB blocks, no checksums or content size. Blocks
// are cut 64 bytes short of 64 KiB so no sequence comes near the end of a full block, where
// decoders (lz4's own among them) refuse what lz4js may write.

import lz4 from "lz4js";
import xxh32 from "lz4js/xxh32.js";
import { type Codec, promised } from "./codec.ts";
import { corruptStream, expandsTooFar, guarded } from "./codec-errors.ts";
import { decodeLz4Block, OutputFull } from "./lz4-block.ts";

const MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const FLG_VERSION = 0x40;
const FLG_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const BD_64KIB = 4 << 4;
const UNCOMPRESSED_BIT = 0x80000000;
const BLOCK_BYTES_WRITTEN = 64 * 1024 - 64;
/** A compressed byte yields at most this many output bytes (a match length byte of 255). */
const EXPANSION_MAX = 256;

function corrupt(why: string) {
  return corruptStream("lz4", why);
}

function u32(data: Uint8Array, at: number): number {
  if (at + 4 > data.length) throw corrupt("frame cut short");
  return (data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24)) >>> 0;
}

function putU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}

interface FrameHeader {
  flags: number;
  blockBytesMax: number;
  /** -1 when the frame does not say. */
  contentSize: number;
  /** Where the first block starts. */
  blocksAt: number;
}

function readFrameHeader(data: Uint8Array, at: number): FrameHeader {
  if (at + 7 > data.length) throw corrupt("frame header cut short");
  const flags = data[at + 4];
  const bd = data[at + 5];
  if ((flags & 0xc0) !== FLG_VERSION) throw corrupt(`frame version bits ${flags >>> 6}`);
  if ((flags & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corrupt("reserved descriptor bits set");
  if ((flags & FLG_DICT_ID) !== 0) throw corrupt("frames with a dictionary are not supported");
  const sizeCode = (bd >>> 4) & 7;
  if (sizeCode < 4) throw corrupt(`block max size code ${sizeCode}`);
  const blockBytesMax = 1 << (2 * sizeCode + 8);
  let p = at + 6;
  let contentSize = -1;
  if ((flags & FLG_CONTENT_SIZE) !== 0) {
    if (p + 9 > data.length) throw corrupt("frame header cut short");
    contentSize = u32(data, p) + u32(data, p + 4) * 2 ** 32;
    p += 8;
  }
  const checksum = (xxh32.hash(0, data, at + 4, p - at - 4) >>> 8) & 0xff;
  if (data[p] !== checksum) throw corrupt("frame header checksum mismatch");
  return { flags, blockBytesMax, contentSize, blocksAt: p + 1 };
}

/** Walks the frames once: checks their framing and sums an upper bound of the output. */
function outputBound(data: Uint8Array, bytesMax: number): number {
  let bound = 0;
  let at = 0;
  // Every frame and block advances `at` by at least 4 bytes: bounded by data.length.
  while (at < data.length) {
    const magic = u32(data, at);
    if ((magic & SKIPPABLE_MASK) === SKIPPABLE_MAGIC) {
      at += 8 + u32(data, at + 4);
      if (at > data.length) throw corrupt("skippable frame cut short");
      continue;
    }
    if (magic !== MAGIC) throw corrupt(`frame magic 0x${magic.toString(16)}`);
    const header = readFrameHeader(data, at);
    if (header.contentSize > bytesMax) throw expandsTooFar(bytesMax);
    at = header.blocksAt;
    let frameBound = 0;
    for (;;) {
      const word = u32(data, at);
      at += 4;
      if (word === 0) break;
      const stored = (word & UNCOMPRESSED_BIT) !== 0;
      const size = word & 0x7fffffff;
      if (size > header.blockBytesMax) throw corrupt(`block of ${size} bytes`);
      at += size + ((header.flags & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0);
      if (at > data.length) throw corrupt("block cut short");
      frameBound += stored ? size : Math.min(header.blockBytesMax, size * EXPANSION_MAX);
    }
    if ((header.flags & FLG_CONTENT_CHECKSUM) !== 0) at += 4;
    if (at > data.length) throw corrupt("content checksum cut short");
    bound += header.contentSize >= 0 ? Math.min(header.contentSize, frameBound) : frameBound;
  }
  return bound;
}

function decodeFrames(data: Uint8Array, out: Uint8Array): number {
  let at = 0;
  let d = 0;
  while (at < data.length) {
    const magic = u32(data, at);
    if ((magic & SKIPPABLE_MASK) === SKIPPABLE_MAGIC) {
      at += 8 + u32(data, at + 4);
      continue;
    }
    const header = readFrameHeader(data, at);
    const frameStart = d;
    at = header.blocksAt;
    for (;;) {
      const word = u32(data, at);
      at += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if ((header.flags & FLG_BLOCK_CHECKSUM) !== 0) {
        if (u32(data, at + size) !== xxh32.hash(0, data, at, size) >>> 0) {
          throw corrupt("block checksum mismatch");
        }
      }
      if ((word & UNCOMPRESSED_BIT) !== 0) {
        if (d + size > out.length) throw new OutputFull();
        out.set(data.subarray(at, at + size), d);
        d += size;
      } else {
        const windowStart = (header.flags & FLG_INDEPENDENT) !== 0 ? d : frameStart;
        d = decodeLz4Block(data, at, at + size, { out, at: d, windowStart });
      }
      at += size + ((header.flags & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0);
    }
    if (header.contentSize >= 0 && d - frameStart !== header.contentSize) {
      throw corrupt(`frame holds ${d - frameStart} bytes, declares ${header.contentSize}`);
    }
    if ((header.flags & FLG_CONTENT_CHECKSUM) !== 0) {
      if (u32(data, at) !== xxh32.hash(0, out, frameStart, d - frameStart) >>> 0) {
        throw corrupt("content checksum mismatch");
      }
      at += 4;
    }
  }
  return d;
}

export function lz4DecompressSync(data: Uint8Array, bytesMax: number): Uint8Array {
  const bound = outputBound(data, bytesMax);
  const capacity = Math.min(bound, bytesMax);
  const out = new Uint8Array(capacity);
  try {
    return out.subarray(0, decodeFrames(data, out));
  } catch (err) {
    if (!(err instanceof OutputFull)) throw err;
    // The bound is exact enough that only output past bytesMax fills it.
    if (capacity === bytesMax) throw expandsTooFar(bytesMax);
    throw corrupt("blocks expand beyond their stated sizes");
  }
}

export function lz4CompressSync(data: Uint8Array): Uint8Array {
  const blocks = Math.ceil(data.length / BLOCK_BYTES_WRITTEN);
  // Worst case: every block stored as is, plus its size word; header 7 bytes, end mark 4.
  const out = new Uint8Array(7 + data.length + 4 * blocks + 4);
  putU32(out, 0, MAGIC);
  out[4] = FLG_VERSION | FLG_INDEPENDENT;
  out[5] = BD_64KIB;
  out[6] = (xxh32.hash(0, out, 4, 2) >>> 8) & 0xff;
  let d = 7;
  const scratch = new Uint8Array(BLOCK_BYTES_WRITTEN + (BLOCK_BYTES_WRITTEN >>> 8) + 16);
  const table = new Uint32Array(1 << 16);
  for (let at = 0; at < data.length; at += BLOCK_BYTES_WRITTEN) {
    const size = Math.min(BLOCK_BYTES_WRITTEN, data.length - at);
    // A fresh table per block keeps blocks independent: matches never reach the previous one.
    table.fill(0);
    const packed = lz4.compressBlock(data, scratch, at, size, table);
    if (packed === 0 || packed >= size) {
      putU32(out, d, (UNCOMPRESSED_BIT | size) >>> 0);
      out.set(data.subarray(at, at + size), d + 4);
      d += 4 + size;
    } else {
      putU32(out, d, packed);
      out.set(scratch.subarray(0, packed), d + 4);
      d += 4 + packed;
    }
  }
  putU32(out, d, 0);
  return out.slice(0, d + 4);
}

export const lz4Codec: Codec = {
  name: "lz4",
  code: 3,
  compress(data) {
    return promised(() => lz4CompressSync(data));
  },
  decompress(data, bytesMax) {
    return promised(() =>
      guarded("lz4", "undecodable frame", () => lz4DecompressSync(data, bytesMax))
    );
  },
};
