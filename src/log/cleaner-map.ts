// The key -> latest offset map of one cleaning pass, built over the dirty section.
//
// Keys are compared as bytes. Each key is held as a latin1 string (one char per byte, so the
// mapping is exact and two different keys never collide), which also lets V8 and JSC store it
// one byte per char. Memory is bounded by bytesMax, charged per distinct key as its length plus
// ENTRY_OVERHEAD_BYTES (map slot, string header, the offset); when the next batch's new keys
// do not fit, the map is full and the pass cleans up to that batch only (see cleaner.ts).

import { assert } from "../model/errors.ts";

/** Estimated bytes a map entry costs beyond the key's own bytes. */
export const ENTRY_OVERHEAD_BYTES = 64;
/** String.fromCharCode takes the bytes as arguments: stay well below engines' argument limits. */
const CHARS_PER_CALL = 8192;

export interface KeyedOffset {
  key: Uint8Array;
  offset: number;
}

export class OffsetMap {
  readonly bytesMax: number;
  readonly #offsets = new Map<string, number>();
  #bytes = 0;

  constructor(bytesMax: number) {
    assert(Number.isSafeInteger(bytesMax) && bytesMax > 0, `offset map bytesMax ${bytesMax}`);
    this.bytesMax = bytesMax;
  }

  get size(): number {
    return this.#offsets.size;
  }

  /** Estimated memory held (see the file comment). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The latest offset mapped for key, or -1 when the key is not in the map. */
  latest(key: Uint8Array): number {
    return this.#offsets.get(keyString(key)) ?? -1;
  }

  /**
   * Maps the records of one batch (offsets increasing), or nothing and returns false when their
   * new keys do not fit. An empty map takes any batch, so every pass makes progress.
   */
  putBatch(records: readonly KeyedOffset[]): boolean {
    const keys = records.map((record) => keyString(record.key));
    let addedBytes = 0;
    const fresh = new Set<string>();
    for (const key of keys) {
      if (this.#offsets.has(key) || fresh.has(key)) continue;
      fresh.add(key);
      addedBytes += key.length + ENTRY_OVERHEAD_BYTES;
    }
    if (this.#offsets.size > 0 && this.#bytes + addedBytes > this.bytesMax) return false;
    for (let i = 0; i < keys.length; i++) {
      const before = this.#offsets.get(keys[i]) ?? -1;
      assert(records[i].offset > before, `offset ${records[i].offset} after ${before} for a key`);
      this.#offsets.set(keys[i], records[i].offset);
    }
    this.#bytes += addedBytes;
    return true;
  }
}

/** The key's bytes as a string of char codes 0-255 (latin1), exact for any bytes. */
export function keyString(key: Uint8Array): string {
  if (key.length <= CHARS_PER_CALL) {
    return String.fromCharCode.apply(null, key as unknown as number[]);
  }
  let out = "";
  for (let at = 0; at < key.length; at += CHARS_PER_CALL) {
    const part = key.subarray(at, at + CHARS_PER_CALL);
    out += String.fromCharCode.apply(null, part as unknown as number[]);
  }
  return out;
}
