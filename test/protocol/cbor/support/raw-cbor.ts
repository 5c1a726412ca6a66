// Request frames holding CBOR our encoder never writes (floats for integers, tags), for tests
// of what the server does with them. `raw(hex)` stands for those bytes inside a value handed to
// rawRequestFrame; the value is encoded as usual and each stand-in is swapped for its bytes.
import { encodeCbor } from "../../../../src/protocol/cbor/cbor-encode.ts";
import { encodeFrame } from "../../../../src/protocol/cbor/frame.ts";

// Stand-ins are integers no message uses, encoded as 0x1b and 8 bytes; the swap finds them there.
const STAND_IN_BASE = 0x1_2345_6789_0000;
const standIns = new Map<number, Uint8Array>();

/** A stand-in for the CBOR item `hex` (e.g. "f93c00", the half-precision float 1.0). */
export function raw(hex: string): number {
  const bytes = new Uint8Array(hex.match(/../g)?.map((x) => parseInt(x, 16)) ?? []);
  if (bytes.byteLength === 0) throw new Error("raw: empty item");
  const standIn = STAND_IN_BASE + standIns.size;
  standIns.set(standIn, bytes);
  return standIn;
}

/** CBOR items for the integer 1 that are not CBOR integers. */
export const NOT_INTEGER_ONE = {
  half: "f93c00",
  single: "fa3f800000",
  double: "fb3ff0000000000000",
  bignum: "c24101",
} as const;
/** -1 the same ways (bignum tag 3 holds -1 - n: h'00' is -1). */
export const NOT_INTEGER_MINUS_ONE = {
  half: "f9bc00",
  double: "fbbff0000000000000",
  bignum: "c34100",
} as const;
/** 0 the same ways. */
export const NOT_INTEGER_ZERO = {
  half: "f90000",
  double: "fb0000000000000000",
  bignum: "c240",
} as const;

/** The CBOR encoding of value with every stand-in replaced by its item. */
export function rawCbor(value: unknown): Uint8Array {
  const encoded = encodeCbor(value);
  const out: number[] = [];
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  for (let i = 0; i < encoded.byteLength; i++) {
    if (encoded[i] === 0x1b && i + 9 <= encoded.byteLength) {
      const n = Number(view.getBigUint64(i + 1));
      const bytes = standIns.get(n);
      if (bytes !== undefined) {
        out.push(...bytes);
        i += 8;
        continue;
      }
    }
    out.push(encoded[i]);
  }
  return new Uint8Array(out);
}

/** A whole request frame [op, version, correlationId, body], stand-ins allowed anywhere. */
export function rawRequestFrame(
  op: number,
  version: number,
  correlationId: number,
  body: unknown,
): Uint8Array {
  return encodeFrame(rawCbor([op, version, correlationId, body]));
}
