// Decoding one raw Snappy block (the format of google/snappy's format_description.txt), strict:
// every length, offset and the declared size are checked, so hostile input ends in
// CORRUPT_MESSAGE and never in a short, padded or over-long output.
//
// Block: uncompressed length (varint, < 2^32) | elements. Element tag, low two bits:
//   00 literal: length-1 in tag>>2 when < 60; 60..63 mean 1..4 little-endian bytes follow
//   01 copy: length 4 + (tag>>2 & 7), offset (tag>>5) << 8 | 1 byte
//   10 copy: length 1 + (tag>>2), offset 2 bytes little-endian
//   11 copy: length 1 + (tag>>2), offset 4 bytes little-endian
// A copy's offset is 1..bytes written so far; the copy may overlap what it writes.

import { corruptStream, expandsTooFar } from "./codec-errors.ts";

/**
 * The best any element does is 64 bytes out of a 3-byte copy: a declared length beyond this
 * many times the input is corrupt, which bounds what is allocated before decoding.
 */
const EXPANSION_MAX = 22;

function corrupt(why: string) {
  return corruptStream("snappy", why);
}

/** The declared uncompressed length and where the elements start. */
export function snappyBlockLength(data: Uint8Array): { length: number; start: number } {
  let length = 0;
  // A varint of at most 5 bytes: bounded.
  for (let i = 0; i < 5; i++) {
    if (i >= data.length) throw corrupt("block ends inside its length");
    const byte = data[i];
    length += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) {
      if (length > 0xffffffff) throw corrupt("block length beyond 2^32");
      return { length, start: i + 1 };
    }
  }
  throw corrupt("block length varint longer than 5 bytes");
}

/** Decodes the raw block `data` into a new array; MESSAGE_TOO_LARGE past bytesMax. */
export function decodeSnappyBlock(data: Uint8Array, bytesMax: number): Uint8Array {
  const { length, start } = snappyBlockLength(data);
  if (length > bytesMax) throw expandsTooFar(bytesMax);
  if (length > data.length * EXPANSION_MAX) {
    throw corrupt(`${data.length} bytes cannot hold ${length}`);
  }
  const out = new Uint8Array(length);
  let at = start;
  let written = 0;
  // Every element consumes at least one input byte, so this runs at most data.length times.
  while (at < data.length) {
    const tag = data[at++];
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const extra = n - 59;
        if (at + extra > data.length) throw corrupt("literal length cut short");
        n = 0;
        for (let i = extra - 1; i >= 0; i--) n = n * 256 + data[at + i];
        at += extra;
      }
      n += 1;
      if (at + n > data.length) throw corrupt("literal runs past the input");
      if (written + n > length) throw corrupt("literal runs past the declared length");
      out.set(data.subarray(at, at + n), written);
      at += n;
      written += n;
      continue;
    }
    let n: number;
    let offset: number;
    if (kind === 1) {
      if (at + 1 > data.length) throw corrupt("copy cut short");
      n = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | data[at];
      at += 1;
    } else if (kind === 2) {
      if (at + 2 > data.length) throw corrupt("copy cut short");
      n = 1 + (tag >>> 2);
      offset = data[at] | (data[at + 1] << 8);
      at += 2;
    } else {
      if (at + 4 > data.length) throw corrupt("copy cut short");
      n = 1 + (tag >>> 2);
      offset = (data[at] | (data[at + 1] << 8) | (data[at + 2] << 16)) + data[at + 3] * 2 ** 24;
      at += 4;
    }
    if (offset === 0 || offset > written) throw corrupt(`copy offset ${offset} at ${written}`);
    if (written + n > length) throw corrupt("copy runs past the declared length");
    // Byte by byte: the source may overlap the bytes this copy writes.
    for (let i = 0; i < n; i++, written++) out[written] = out[written - offset];
  }
  if (written !== length) throw corrupt(`block holds ${written} bytes, declares ${length}`);
  return out;
}
