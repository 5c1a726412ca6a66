// Types for the two codec packages that ship none (both CommonJS, pure JS). Only what
// the codec files call is declared.

declare module "snappyjs" {
  const snappy: {
    /** One raw Snappy block, length preamble first. */
    compress(data: Uint8Array): Uint8Array;
  };
  export default snappy;
}

declare module "lz4js" {
  const lz4: {
    /** Compresses src[sIndex, sIndex + sLength) into dst; 0 when it found no match at all. */
    compressBlock(
      src: Uint8Array,
      dst: Uint8Array,
      sIndex: number,
      sLength: number,
      hashTable: Uint32Array,
    ): number;
  };
  export default lz4;
}

declare module "lz4js/xxh32.js" {
  const xxh32: {
    hash(seed: number, src: Uint8Array, sIndex: number, sLength: number): number;
  };
  export default xxh32;
}
