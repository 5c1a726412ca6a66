// The record batch v2 codec's public surface: what the log, the broker, the faces and the
// client import. Everything behind it is a pure function over bytes; the format itself (byte
// layout, record layout, attribute bits) is written down in batch-format.ts.
//
// The codec files import only downward, never this file, so it can gather them all:
//   batch-format.ts  (types; imports nothing)
//   batch-header.ts  (field offsets, attribute bits, header read/write)
//   record-read.ts, record-write.ts, records-check.ts  (the records section)
//   batch-decode.ts, batch-encode.ts  (whole batches)
//   batch-patch.ts, batch-gzip.ts  (in-place edits; compression)
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
export { setBaseOffset, setMaxTimestampLogAppend, setPartitionLeaderEpoch } from "./batch-patch.ts";
export { compressBatch, decodeRecordsAsync, DECOMPRESSED_BYTES_MAX_DEFAULT } from "./batch-gzip.ts";
export type { DecodeOptions } from "./batch-gzip.ts";
export { crc32c } from "./crc32c.ts";

export type {
  BatchHeader,
  BatchInput,
  DecodedRecord,
  RecordHeader,
  RecordInput,
} from "./batch-format.ts";
