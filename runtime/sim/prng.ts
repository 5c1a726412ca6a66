// Seeded pseudo-random numbers for the simulation: sfc32 (a small, fast generator that passes
// PractRand) seeded through splitmix32 so that nearby seeds such as 1 and 2 give unrelated streams.
//
// fork(label) derives a child stream from this stream's seed and the label, without drawing from
// this stream: adding a fork somewhere never shifts the numbers everyone else sees, which keeps
// traces comparable when a test grows. Forking the same label twice yields the same stream.

import type { Random } from "../types.ts";

const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_53 = 2 ** 53;

export class SeededRandom implements Random {
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    this.seed = seed >>> 0;
    const mix = splitmix32(this.seed);
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = 1;
    // Discard the first outputs: sfc32 needs a few rounds to diffuse its seed.
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** 53 random bits scaled into [0, 1). */
  float(): number {
    const high = this.u32() >>> 5; // 27 bits
    const low = this.u32() >>> 6; // 26 bits
    return (high * 0x400_0000 + low) / TWO_POW_53;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling) for n up to 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) {
      throw new RangeError(`int(n) needs a positive integer n, got ${n}`);
    }
    if (n > TWO_POW_32) return Math.floor(this.float() * n);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    // Each draw is rejected with probability < 1/2, so 64 draws fail with odds below 2^-64.
    for (let attempt = 0; attempt < 64; attempt++) {
      const value = this.u32();
      if (value < limit) return value % n;
    }
    return this.u32() % n;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  intBetween(min: number, max: number): number {
    if (max < min) throw new RangeError(`intBetween: max ${max} < min ${min}`);
    return min + this.int(max - min + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let word = this.u32();
      for (let j = i; j < Math.min(i + 4, n); j++) {
        out[j] = word & 0xff;
        word >>>= 8;
      }
    }
    return out;
  }

  /** An independent stream determined by this stream's seed and the label. */
  fork(label: string): SeededRandom {
    return new SeededRandom(hashLabel(this.seed, label));
  }
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over the label's UTF-16 units, started from the parent seed. */
function hashLabel(seed: number, label: string): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return splitmix32(hash)();
}
