// UTF-8 for record header keys: exact byte length up front (the batch encoder sizes its buffer
// before writing), allocation-free writes and reads for the common short ASCII key, and the
// platform TextEncoder/TextDecoder for everything else.

import { assert, TributaryError } from "../model/errors.ts";

const encoder = new TextEncoder();
// fatal: a header key that is not UTF-8 means the batch is corrupt. ignoreBOM: keep a leading
// U+FEFF as part of the key instead of silently dropping it.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// Below this many bytes, a char-code loop beats a TextDecoder call.
const SHORT_ASCII_BYTES_MAX = 32;

/** Bytes TextEncoder produces for s (a lone surrogate becomes U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  const n = s.length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 2; // 4 bytes for the 2 code units of a pair
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Writes s (whose utf8Length is byteLength) at pos; returns the position after it. */
export function writeUtf8(bytes: Uint8Array, pos: number, s: string, byteLength: number): number {
  if (byteLength === s.length) {
    for (let i = 0; i < byteLength; i++) bytes[pos + i] = s.charCodeAt(i);
    return pos + byteLength;
  }
  const { written } = encoder.encodeInto(s, bytes.subarray(pos, pos + byteLength));
  // The message is built only on failure.
  if (written !== byteLength) {
    assert(false, `utf8Length said ${byteLength} bytes, TextEncoder wrote ${written}`);
  }
  return pos + byteLength;
}

/** Decodes bytes[start, end) as UTF-8; CORRUPT_MESSAGE when it is not valid UTF-8. */
export function readUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_ASCII_BYTES_MAX) {
    let s = "";
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (b >= 0x80) return decodeWithPlatform(bytes, start, end);
      s += String.fromCharCode(b);
    }
    return s;
  }
  return decodeWithPlatform(bytes, start, end);
}

function decodeWithPlatform(bytes: Uint8Array, start: number, end: number): string {
  try {
    return decoder.decode(bytes.subarray(start, end));
  } catch (err) {
    // The only failure of a fatal decoder over an in-memory array is invalid UTF-8.
    throw new TributaryError("CORRUPT_MESSAGE", `header key at byte ${start} is not valid UTF-8`, {
      cause: err,
    });
  }
}

/**
 * Whether bytes[start, end) is well-formed UTF-8, exactly as a fatal TextDecoder judges it
 * (no overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequence), without
 * decoding: the produce path checks header keys it never turns into strings.
 */
export function isUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  // Each step consumes one whole sequence of 1-4 bytes, so this ends.
  while (i < end) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong below U+0800
      if (b === 0xed) hi = 0x9f; // surrogates U+D800..DFFF
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong below U+10000
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return false;
    if (end - i <= need) return false;
    const second = bytes[i + 1];
    if (second < lo || second > hi) return false;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k];
      if (c < 0x80 || c > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}
