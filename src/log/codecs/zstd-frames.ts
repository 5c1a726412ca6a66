// Walking Zstandard frames (RFC 8878) without decoding them: where each frame ends, what it
// declares, and an upper bound of what it decodes to, so the decoder's output buffer is sized
// (and a bomb refused) before anything is decompressed.
//
// Frame: magic 28 b5 2f fd | descriptor (FCS size flag bits 7-6, single segment 5, reserved 3,
// content checksum 2, dictionary id size 1-0) | window descriptor unless single segment |
// dictionary id 0/1/2/4 bytes | frame content size 0/1/2/4/8 bytes (2 bytes carry +256) |
// blocks: 3-byte LE header (last 0, type 1-2: raw, RLE, compressed, reserved; size 3-23), raw:
// size bytes, RLE: 1 byte repeated size times, compressed: size bytes decoding to at most
// min(window, 128 KiB) | content checksum 4 bytes. Skippable frames: magic 0x184d2a5X, size
// uint32 LE.

import { corruptStream } from "./codec-errors.ts";

const MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_BYTES_MAX = 128 * 1024;

export interface ZstdFrame {
  start: number;
  end: number;
  /** -1 when the frame does not declare it. */
  contentSize: number;
  /** An upper bound of the frame's output (exact when it holds no compressed block). */
  outputBound: number;
}

function corrupt(why: string) {
  return corruptStream("zstd", why);
}

function uintLE(data: Uint8Array, at: number, bytes: number): number {
  if (at + bytes > data.length) throw corrupt("frame header cut short");
  let value = 0;
  for (let i = bytes - 1; i >= 0; i--) value = value * 256 + data[at + i];
  return value;
}

/** The zstd frames of data, skippable frames left out; CORRUPT_MESSAGE on bad framing. */
export function zstdFrames(data: Uint8Array): ZstdFrame[] {
  const frames: ZstdFrame[] = [];
  let at = 0;
  // Each frame or block advances `at` by at least 3 bytes: bounded by data.length.
  while (at < data.length) {
    const magic = uintLE(data, at, 4);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      at += 8 + uintLE(data, at + 4, 4);
      if (at > data.length) throw corrupt("skippable frame cut short");
      continue;
    }
    if (magic !== MAGIC) throw corrupt(`frame magic 0x${magic.toString(16)}`);
    const frame = readFrame(data, at);
    frames.push(frame);
    at = frame.end;
  }
  return frames;
}

function readFrame(data: Uint8Array, start: number): ZstdFrame {
  const descriptor = uintLE(data, start + 4, 1);
  if ((descriptor & 0x08) !== 0) throw corrupt("reserved descriptor bit set");
  const singleSegment = (descriptor & 0x20) !== 0;
  const dictBytes = [0, 1, 2, 4][descriptor & 3];
  const fcsFlag = descriptor >>> 6;
  const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
  let at = start + 5;
  let windowBytes = Infinity;
  if (!singleSegment) {
    const w = uintLE(data, at, 1);
    const base = 2 ** (10 + (w >>> 3));
    windowBytes = base + (base / 8) * (w & 7);
    at += 1;
  }
  if (dictBytes > 0 && uintLE(data, at, dictBytes) !== 0) {
    throw corrupt("frames with a dictionary are not supported");
  }
  at += dictBytes;
  let contentSize = -1;
  if (fcsBytes > 0) {
    contentSize = uintLE(data, at, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
    at += fcsBytes;
  }
  if (singleSegment) windowBytes = contentSize;
  const blockMax = Math.min(windowBytes, BLOCK_BYTES_MAX);
  let bound = 0;
  for (;;) {
    const header = uintLE(data, at, 3);
    at += 3;
    const type = (header >>> 1) & 3;
    const size = header >>> 3;
    if (type === 3) throw corrupt("reserved block type");
    if (type === 0) {
      at += size;
      bound += size;
    } else if (type === 1) {
      at += 1;
      bound += size;
    } else {
      if (size > blockMax) throw corrupt(`compressed block of ${size} bytes`);
      at += size;
      bound += blockMax;
    }
    if (at > data.length) throw corrupt("block cut short");
    if ((header & 1) !== 0) break;
  }
  if ((descriptor & 0x04) !== 0) at += 4;
  if (at > data.length) throw corrupt("content checksum cut short");
  const outputBound = contentSize >= 0 ? Math.min(contentSize, bound) : bound;
  return { start, end: at, contentSize, outputBound };
}
