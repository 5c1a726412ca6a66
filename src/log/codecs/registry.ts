// The codecs by attributes code (record batch v2 bits 0-2) and by Kafka's compression.type
// names. Codes 1..4 are Kafka's; 0 is none and has no codec; 5..7 are undefined and refused
// (validateBatch already calls them CORRUPT_MESSAGE; here they are UNSUPPORTED_COMPRESSION_TYPE
// for a caller that asks directly).

import { TributaryError } from "../../model/errors.ts";
import type { Codec } from "./codec.ts";
import { gzipCodec } from "./gzip.ts";
import { lz4Codec } from "./lz4.ts";
import { snappyCodec } from "./snappy.ts";
import { zstdCodec } from "./zstd.ts";

const BY_CODE: readonly (Codec | undefined)[] = [
  undefined,
  gzipCodec,
  snappyCodec,
  lz4Codec,
  zstdCodec,
];

/** The producer option and topic config values, codec names plus "none". */
export const COMPRESSION_NAMES = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
export type CompressionName = (typeof COMPRESSION_NAMES)[number];

export function codecOf(code: number): Codec {
  const codec = BY_CODE[code];
  if (codec === undefined) {
    throw new TributaryError(
      "UNSUPPORTED_COMPRESSION_TYPE",
      code === 0 ? "no codec for uncompressed batches" : `compression codec ${code} is undefined`,
    );
  }
  return codec;
}

/** The attributes code of a compression name; INVALID_CONFIG for anything else. */
export function compressionCode(name: unknown, what = "compression"): number {
  const code = COMPRESSION_NAMES.indexOf(name as CompressionName);
  if (typeof name !== "string" || code < 0) {
    throw new TributaryError(
      "INVALID_CONFIG",
      `${what} must be one of ${COMPRESSION_NAMES.join(", ")}, got ${String(name)}`,
    );
  }
  return code;
}
