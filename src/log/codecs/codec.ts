// One compression codec of record batch v2 (attributes bits 0-2): what a batch's records
// section is turned into, and back. Codecs are pure over bytes; they are async because gzip
// runs on the web-standard (De)CompressionStream and zstd's wasm module loads on first use.
//
// decompress is bounded: MESSAGE_TOO_LARGE as soon as the output would pass bytesMax (before
// allocating it where the format says the size up front), CORRUPT_MESSAGE for input that is
// not one complete, valid stream of the codec. Nothing else escapes (codec-errors.ts).

export interface Codec {
  /** Kafka's name for it, as compression.type spells it. */
  readonly name: "gzip" | "snappy" | "lz4" | "zstd";
  /** The attributes code (1..4). */
  readonly code: number;
  compress(data: Uint8Array): Promise<Uint8Array>;
  decompress(data: Uint8Array, bytesMax: number): Promise<Uint8Array>;
}

/** run's result as a promise, a throw as a rejection: the Codec contract for synchronous codecs. */
export function promised<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (err) {
    return Promise.reject(err);
  }
}
