// Compressed batches (codecs 1..4): the header stays as is, everything after recordCount is one
// stream of the records in the batch's codec (codecs/). Codecs are async (gzip runs on the
// web-standard streams, zstd's wasm loads on first use), so everything here is.
//
// Decompression is bounded (decompressedBytesMax) so a small hostile batch cannot expand into
// gigabytes.

import { TributaryError } from "../model/errors.ts";
import {
  Attribute,
  BATCH_HEADER_BYTES,
  BATCH_OVERHEAD_BYTES,
  codecName,
  Compression,
  Offset,
  viewOf,
} from "./batch-header.ts";
import { validateBatch } from "./batch-decode.ts";
import { encodeBatch, encodeUncompressed } from "./batch-encode.ts";
import { crc32c } from "./crc32c.ts";
import type { BatchHeader, BatchInput, DecodedRecord } from "./batch-format.ts";
import { codecOf } from "./codecs/registry.ts";
import { readRecords } from "./record-read.ts";
import { checkRecords, type RecordsRules } from "./records-check.ts";

export const DECOMPRESSED_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

export interface DecodeOptions {
  /** Largest records section a compressed batch may expand to (MESSAGE_TOO_LARGE beyond). */
  decompressedBytesMax?: number;
}

/** Encodes input with its records compressed (compression defaults to gzip here). */
export async function compressBatch(input: BatchInput): Promise<Uint8Array> {
  const codec = input.compression ?? Compression.gzip;
  if (codec === Compression.none) return encodeBatch(input);
  const compress = codecOf(codec).compress;
  return await withRecordsSection(encodeUncompressed(input), codec, compress);
}

/**
 * `batch` (one whole, valid batch) with its records section run through `transform` and its
 * codec bits set to `codec`; every other header field is kept, batchLength and CRC re-sealed.
 */
async function withRecordsSection(
  batch: Uint8Array,
  codec: number,
  transform: (section: Uint8Array) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const section = await transform(batch.subarray(BATCH_HEADER_BYTES));
  const out = new Uint8Array(BATCH_HEADER_BYTES + section.length);
  out.set(batch.subarray(0, BATCH_HEADER_BYTES));
  out.set(section, BATCH_HEADER_BYTES);
  const view = viewOf(out);
  const attributes = view.getInt16(Offset.attributes);
  view.setInt32(Offset.batchLength, out.length - BATCH_OVERHEAD_BYTES);
  view.setInt16(Offset.attributes, (attributes & ~Attribute.compressionMask) | codec);
  view.setUint32(Offset.crc, crc32c(out, Offset.attributes));
  return out;
}

/** An uncompressed, sealed batch (a cleaner rewrite, say) compressed with `codec`. */
export function compressSealed(batch: Uint8Array, codec: number): Promise<Uint8Array> {
  if (codec === Compression.none) return Promise.resolve(batch);
  return withRecordsSection(batch, codec, codecOf(codec).compress);
}

/**
 * The batch at position (already validated) re-encoded with `codec` (none included): the
 * broker's compression.type. Records, offsets and every header field but the codec are kept.
 */
export async function recompressBatch(
  bytes: Uint8Array,
  position: number,
  header: BatchHeader,
  codec: number,
  decompressedBytesMax: number,
): Promise<Uint8Array> {
  const batch = bytes.subarray(position, position + header.batchLength + BATCH_OVERHEAD_BYTES);
  const from = header.attributes & Attribute.compressionMask;
  return await withRecordsSection(batch, codec, async (section) => {
    const plain = from === Compression.none
      ? section
      : await decompressSection(section, from, decompressedBytesMax, position);
    return codec === Compression.none ? plain : await codecOf(codec).compress(plain);
  });
}

/** Like decodeRecords, for batches of every codec. */
export async function decodeRecordsAsync(
  bytes: Uint8Array,
  position = 0,
  options: DecodeOptions = {},
): Promise<DecodedRecord[]> {
  const header = validateBatch(bytes, position);
  const start = position + BATCH_HEADER_BYTES;
  const end = position + header.batchLength + BATCH_OVERHEAD_BYTES;
  const codec = header.attributes & Attribute.compressionMask;
  // An empty batch (the cleaner keeps some for their offsets) has no stream to decompress.
  if (codec === Compression.none || (header.recordCount === 0 && start === end)) {
    return readRecords(bytes, start, end, header);
  }
  const bytesMax = options.decompressedBytesMax ?? DECOMPRESSED_BYTES_MAX_DEFAULT;
  const plain = await decompressSection(bytes.subarray(start, end), codec, bytesMax, position);
  return readRecords(plain, 0, plain.length, header);
}

/**
 * Decompresses the records of the compressed batch at position (already validated) and checks
 * them as checkRecords does; MESSAGE_TOO_LARGE as soon as they pass decompressedBytesMax, so a
 * small hostile batch never costs more memory than the bound.
 */
export async function checkCompressedRecords(
  bytes: Uint8Array,
  header: BatchHeader,
  rules: RecordsRules & { decompressedBytesMax: number },
): Promise<void> {
  const start = rules.batchAt + BATCH_HEADER_BYTES;
  const end = rules.batchAt + header.batchLength + BATCH_OVERHEAD_BYTES;
  const codec = header.attributes & Attribute.compressionMask;
  const plain = await decompressSection(
    bytes.subarray(start, end),
    codec,
    rules.decompressedBytesMax,
    rules.batchAt,
  );
  checkRecords(plain, 0, plain.length, header, rules);
}

async function decompressSection(
  section: Uint8Array,
  codec: number,
  bytesMax: number,
  position: number,
): Promise<Uint8Array> {
  try {
    return await codecOf(codec).decompress(section, bytesMax);
  } catch (err) {
    if (err instanceof TributaryError && err.code === "CORRUPT_MESSAGE") {
      throw new TributaryError("CORRUPT_MESSAGE", `batch at byte ${position}: ${err.message}`, {
        cause: err,
      });
    }
    if (err instanceof TributaryError && err.code === "UNSUPPORTED_COMPRESSION_TYPE") {
      throw new TributaryError(
        "UNSUPPORTED_COMPRESSION_TYPE",
        `batch at byte ${position}: ${codecName(codec)} is not supported`,
      );
    }
    throw err;
  }
}
