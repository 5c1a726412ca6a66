// gzip batches (codec 1): the header stays as is, everything after recordCount is one gzip
// stream of the records. Uses the web-standard CompressionStream/DecompressionStream, present
// in Node 20, Deno and Bun, hence async. Other codecs are UNSUPPORTED_COMPRESSION_TYPE.
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
import { attributesOf, encodeBatch, encodeUncompressed } from "./batch-encode.ts";
import { crc32c } from "./crc32c.ts";
import type { BatchHeader, BatchInput, DecodedRecord } from "./batch-format.ts";
import { readStreamBounded } from "./read-bounded.ts";
import { readRecords } from "./record-read.ts";
import { checkRecords, type RecordsRules } from "./records-check.ts";

export const DECOMPRESSED_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

export interface DecodeOptions {
  /** Largest records section a compressed batch may expand to (MESSAGE_TOO_LARGE beyond). */
  decompressedBytesMax?: number;
}

function unsupported(codec: number): TributaryError {
  return new TributaryError("UNSUPPORTED_COMPRESSION_TYPE", `${codecName(codec)} is not supported`);
}

/** Encodes input with its records gzip-compressed (compression defaults to gzip here). */
export async function compressBatch(input: BatchInput): Promise<Uint8Array> {
  const codec = input.compression ?? Compression.gzip;
  if (codec === Compression.none) return encodeBatch(input);
  if (codec !== Compression.gzip) throw unsupported(codec);
  const plain = encodeUncompressed(input);
  const compressed = await gzip(plain.subarray(BATCH_HEADER_BYTES));
  const out = new Uint8Array(BATCH_HEADER_BYTES + compressed.length);
  out.set(plain.subarray(0, BATCH_HEADER_BYTES));
  out.set(compressed, BATCH_HEADER_BYTES);
  const view = viewOf(out);
  view.setInt32(Offset.batchLength, out.length - BATCH_OVERHEAD_BYTES);
  view.setInt16(Offset.attributes, attributesOf(input, Compression.gzip));
  view.setUint32(Offset.crc, crc32c(out, Offset.attributes));
  return out;
}

/** Like decodeRecords, for uncompressed and gzip batches. */
export async function decodeRecordsAsync(
  bytes: Uint8Array,
  position = 0,
  options: DecodeOptions = {},
): Promise<DecodedRecord[]> {
  const header = validateBatch(bytes, position);
  const start = position + BATCH_HEADER_BYTES;
  const end = position + header.batchLength + BATCH_OVERHEAD_BYTES;
  const codec = header.attributes & Attribute.compressionMask;
  if (codec === Compression.none) return readRecords(bytes, start, end, header);
  if (codec !== Compression.gzip) throw unsupported(codec);
  const bytesMax = options.decompressedBytesMax ?? DECOMPRESSED_BYTES_MAX_DEFAULT;
  const plain = await gunzip(bytes.subarray(start, end), bytesMax, position);
  return readRecords(plain, 0, plain.length, header);
}

/**
 * Decompresses the records of the gzip batch at position (already validated) and checks them as
 * checkRecords does; MESSAGE_TOO_LARGE as soon as they pass decompressedBytesMax, so a small
 * hostile batch never costs more memory than the bound.
 */
export async function checkGzipRecords(
  bytes: Uint8Array,
  header: BatchHeader,
  rules: RecordsRules & { decompressedBytesMax: number },
): Promise<void> {
  const start = rules.batchAt + BATCH_HEADER_BYTES;
  const end = rules.batchAt + header.batchLength + BATCH_OVERHEAD_BYTES;
  const plain = await gunzip(bytes.subarray(start, end), rules.decompressedBytesMax, rules.batchAt);
  checkRecords(plain, 0, plain.length, header, rules);
}

function streamOf(data: Uint8Array): ReadableStream<BufferSource> {
  // (De)compression streams take only ArrayBuffer-backed chunks; copy a shared one.
  const chunk = data.buffer instanceof ArrayBuffer
    ? (data as Uint8Array<ArrayBuffer>)
    : data.slice();
  return new ReadableStream<BufferSource>({
    start(controller) {
      controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const reader = streamOf(data).pipeThrough(new CompressionStream("gzip")).getReader();
  // gzip output is at most a few bytes per 32 KiB block above its input.
  return await readAll(reader, data.length + 1024 + (data.length >>> 10));
}

async function gunzip(data: Uint8Array, bytesMax: number, position: number): Promise<Uint8Array> {
  const reader = streamOf(data).pipeThrough(new DecompressionStream("gzip")).getReader();
  try {
    return await readAll(reader, bytesMax);
  } catch (err) {
    if (err instanceof TributaryError) throw err;
    // The stream fails only on input that is not a complete, valid gzip stream.
    throw new TributaryError("CORRUPT_MESSAGE", `batch at byte ${position}: invalid gzip records`, {
      cause: err,
    });
  }
}

function readAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  bytesMax: number,
): Promise<Uint8Array> {
  return readStreamBounded(reader, {
    bytesMax,
    tooLarge: () =>
      new TributaryError("MESSAGE_TOO_LARGE", `records expand beyond ${bytesMax} bytes`),
  });
}
