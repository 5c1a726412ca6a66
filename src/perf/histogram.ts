// A log-bucketed latency histogram in the spirit of HdrHistogram: constant memory whatever the
// number of samples, and every percentile within a fixed relative error.
//
// Values are non-negative integers (the perf tool records microseconds). Values below
// 2^precisionBits get a bucket each (exact). Above that, each power-of-two range [2^e, 2^(e+1))
// is cut into 2^(precisionBits-1) equal buckets, so a bucket is never wider than
// 2^-(precisionBits-1) of its lower bound: with the default 8 bits, under 0.8 %.
// A percentile reports the middle of its bucket, clamped to the exact min and max seen.

import { assert } from "../model/errors.ts";

/** Largest value recorded as is; larger ones are clamped (about 13 days in microseconds). */
export const HISTOGRAM_VALUE_MAX = 2 ** 40;
const PRECISION_BITS_DEFAULT = 8;

export class LogHistogram {
  readonly precisionBits: number;
  readonly #linear: number;
  readonly #half: number;
  readonly #counts: Float64Array;
  #count = 0;
  #min = Infinity;
  #max = 0;
  #sum = 0;

  constructor(options: { precisionBits?: number } = {}) {
    const bits = options.precisionBits ?? PRECISION_BITS_DEFAULT;
    assert(Number.isInteger(bits) && bits >= 2 && bits <= 16, "precisionBits in [2, 16]");
    this.precisionBits = bits;
    this.#linear = 2 ** bits;
    this.#half = this.#linear / 2;
    this.#counts = new Float64Array(this.#indexOf(HISTOGRAM_VALUE_MAX) + 1);
  }

  /** Samples recorded. */
  get count(): number {
    return this.#count;
  }

  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }

  get max(): number {
    return this.#max;
  }

  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /** Buckets held: fixed at construction, independent of the samples. */
  get bucketCount(): number {
    return this.#counts.length;
  }

  record(value: number, times = 1): void {
    let v = Math.round(value);
    if (!(v > 0)) v = 0; // negative (clock step) and NaN count as 0
    if (v > HISTOGRAM_VALUE_MAX) v = HISTOGRAM_VALUE_MAX;
    this.#counts[this.#indexOf(v)] += times;
    this.#count += times;
    this.#sum += v * times;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  /** Adds another histogram's samples (same precision) to this one. */
  merge(other: LogHistogram): void {
    assert(other.precisionBits === this.precisionBits, "merging histograms of one precision");
    const counts = other.#counts;
    for (let i = 0; i < counts.length; i++) this.#counts[i] += counts[i];
    this.#count += other.#count;
    this.#sum += other.#sum;
    if (other.#count > 0) {
      this.#min = Math.min(this.#min, other.#min);
      this.#max = Math.max(this.#max, other.#max);
    }
  }

  /**
   * The value at quantile q in [0, 1] by the nearest-rank rule (the ceil(q * count)-th smallest
   * sample), as the middle of its bucket; 0 when empty.
   */
  quantile(q: number): number {
    assert(q >= 0 && q <= 1, `quantile ${q} outside [0, 1]`);
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i];
      if (seen >= rank) return this.#clamp(this.#middleOf(i));
    }
    return this.#max;
  }

  #clamp(value: number): number {
    return Math.min(this.#max, Math.max(this.#min, value));
  }

  #indexOf(v: number): number {
    if (v < this.#linear) return v;
    // v >= 2^bits: shift so the top `bits` bits remain; mantissa lies in [half, linear).
    const shift = Math.floor(Math.log2(v)) - this.precisionBits + 1;
    const exact = Math.floor(v / 2 ** shift);
    // log2 of a double can land one off near powers of two; correct it.
    const s = exact >= this.#linear ? shift + 1 : exact < this.#half ? shift - 1 : shift;
    const mantissa = Math.floor(v / 2 ** s);
    return this.#linear + (s - 1) * this.#half + (mantissa - this.#half);
  }

  #middleOf(index: number): number {
    if (index < this.#linear) return index;
    const s = Math.floor((index - this.#linear) / this.#half) + 1;
    const mantissa = ((index - this.#linear) % this.#half) + this.#half;
    const low = mantissa * 2 ** s;
    return low + (2 ** s - 1) / 2;
  }
}
