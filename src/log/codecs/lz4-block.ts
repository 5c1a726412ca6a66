// Decoding one LZ4 block (lz4's Block_format.md) into a caller's output buffer, strict: every
// literal and match is checked against the input, the output capacity and the window, so
// hostile input ends in an error and never writes outside `out`.
//
// Sequence: token (literal length high 4 bits, match length low 4 bits; 15 means more bytes
// follow, each added, until one below 255) | literals | offset uint16 LE (1..65535) | more match
// length bytes. The match length is the field + 4. The block's last sequence has literals only.

import { corruptStream } from "./codec-errors.ts";

export interface BlockTarget {
  out: Uint8Array;
  /** Where this block's output starts in out. */
  at: number;
  /** Lowest index of out a match may read (the block start when blocks are independent). */
  windowStart: number;
}

/** Thrown (and caught by the frame decoder) when the block does not fit out's capacity. */
export class OutputFull extends Error {}

function corrupt(why: string) {
  return corruptStream("lz4", why);
}

/** Decodes src[start, end) to target.out at target.at; returns the index after the output. */
export function decodeLz4Block(
  src: Uint8Array,
  start: number,
  end: number,
  target: BlockTarget,
): number {
  const out = target.out;
  let s = start;
  let d = target.at;
  // Each sequence consumes at least its token: bounded by end - start.
  while (s < end) {
    const token = src[s++];
    let literals = token >>> 4;
    if (literals === 15) {
      let more = 255;
      // Each length byte is one input byte: bounded.
      while (more === 255) {
        if (s >= end) throw corrupt("literal length cut short");
        more = src[s++];
        literals += more;
      }
    }
    if (s + literals > end) throw corrupt("literals run past the block");
    if (d + literals > out.length) throw new OutputFull();
    out.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s === end) return d;
    if (s + 2 > end) throw corrupt("match offset cut short");
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    let length = token & 15;
    if (length === 15) {
      let more = 255;
      while (more === 255) {
        if (s >= end) throw corrupt("match length cut short");
        more = src[s++];
        length += more;
      }
    }
    length += 4;
    if (offset === 0 || d - offset < target.windowStart) {
      throw corrupt(`match offset ${offset} reaches before the window`);
    }
    if (d + length > out.length) throw new OutputFull();
    // Byte by byte: a match may overlap the bytes it writes (offset < length repeats them).
    for (let i = 0; i < length; i++, d++) out[d] = out[d - offset];
  }
  throw corrupt("block does not end with literals");
}
