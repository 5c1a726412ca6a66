// The record batch v2 codec's public surface: what the log, the broker, the faces and the
// client import. Everything behind it is a pure function over bytes; the format itself (byte
// layout, record layout, attribute bits) is written down in batch-format.ts.
//
// The codec files import only downward, never this file, so it can gather them all:
//   batch-format.ts  (types; imports nothing)
//   batch-header.ts  (field offsets, attribute bits, header read/write)
//   record-read.ts, record-write.ts, records-check.ts  (the records section)
//   batch-decode.ts, batch-encode.ts  (whole batches)
//   codecs/*.ts  (gzip, snappy, lz4, zstd over bytes, by attributes code in codecs/registry.ts)
//   batch-patch.ts, batch-compress.ts  (in-place edits; compressed batches)
//   record-batch.ts  (this file)

export {
  BATCH_HEADER_BYTES,
  BATCH_OVERHEAD_BYTES,
  Compression,
  compressionOf,
  isControlBatch,
  isTransactional,
  TimestampType,
  timestampTypeOf,
} from "./batch-header.ts";
export { encodeBatch } from "./batch-encode.ts";
export {
  batchesIn,
  batchSizeAt,
  checkBatchFraming,
  decodeRecords,
  lastOffsetOf,
  readBatchHeader,
  validateBatch,
} from "./batch-decode.ts";
export {
  setBaseOffset,
  setMaxTimestampLogAppend,
  setPartitionLeaderEpoch,
  withProducerFields,
} from "./batch-patch.ts";
export {
  compressBatch,
  compressSealed,
  decodeRecordsAsync,
  DECOMPRESSED_BYTES_MAX_DEFAULT,
  recompressBatch,
} from "./batch-compress.ts";
export type { DecodeOptions } from "./batch-compress.ts";
export { crc32c } from "./crc32c.ts";

export type {
  BatchHeader,
  BatchInput,
  DecodedRecord,
  RecordHeader,
  RecordInput,
} from "./batch-format.ts";
