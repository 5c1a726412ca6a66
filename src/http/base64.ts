// Standard base64 (RFC 4648 §4) over Uint8Array, without Buffer or atob/btoa string juggling.
// Decoding is strict: only the standard alphabet, padding optional but correct when present,
// so a typo in a client's payload is an error rather than silently different bytes.

import { TributaryError } from "../model/errors.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function encodeBase64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] +
      ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + "==";
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + "=";
  }
  return out;
}

/** Decodes base64; `field` names the offending input in the INVALID_REQUEST message. */
export function decodeBase64(text: string, field: string): Uint8Array {
  let end = text.length;
  if (end % 4 === 0 && text.endsWith("==")) end -= 2;
  else if (end % 4 === 0 && text.endsWith("=")) end -= 1;
  if (end % 4 === 1) throw invalid(field);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let bits = 0;
  let bitCount = 0;
  let pos = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? DECODE[code] : -1;
    if (value < 0) throw invalid(field);
    bits = ((bits << 6) | value) & 0xffffff;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      out[pos++] = (bits >> bitCount) & 0xff;
    }
  }
  return out;
}

function invalid(field: string): TributaryError {
  return new TributaryError("INVALID_REQUEST", `${field} is not valid base64`);
}
