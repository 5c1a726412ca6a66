// Randomness from the web-standard crypto.getRandomValues, drawn in blocks because one call per
// number costs a trip into the host.
import { IoErrorCode, type Random, RuntimeIoError } from "../types.ts";

const poolWords = 256;
// crypto.getRandomValues refuses requests above 65536 bytes.
const getRandomValuesBytesMax = 65_536;
// Rejection sampling keeps int() unbiased; each draw is rejected with probability below 1/2, so
// this many rejections in a row means the source is broken, not unlucky.
const rejectionsMax = 128;

export function createHostRandom(): Random {
  const pool = new Uint32Array(poolWords);
  let next = poolWords;
  const u32 = (): number => {
    if (next === poolWords) {
      crypto.getRandomValues(pool);
      next = 0;
    }
    return pool[next++];
  };
  // 53 random bits: exactly the doubles in [0, 1) with spacing 2^-53.
  const bits53 = (): number => (u32() >>> 11) * 2 ** 32 + u32();
  const float = (): number => bits53() / 2 ** 53;
  const int = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new RuntimeIoError(
        IoErrorCode.Invalid,
        `random.int(${n}): n must be a safe integer >= 1`,
      );
    }
    const [draw, range] = n <= 2 ** 32 ? [u32, 2 ** 32] : [bits53, 2 ** 53];
    const limit = range - (range % n);
    for (let i = 0; i < rejectionsMax; i++) {
      const x = draw();
      if (x < limit) return x % n;
    }
    throw new RuntimeIoError(IoErrorCode.Io, "random source keeps returning rejected values");
  };
  const bytes = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let offset = 0; offset < n; offset += getRandomValuesBytesMax) {
      crypto.getRandomValues(out.subarray(offset, offset + getRandomValuesBytesMax));
    }
    return out;
  };
  return { u32, float, int, bytes };
}
