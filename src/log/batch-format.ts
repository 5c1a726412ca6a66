// Kafka record batch v2 (magic 2), byte for byte: the unit the log stores, replicates and
// serves, and the unit producers send. This file holds the format and its types and imports
// nothing: every codec file builds on it (the layering is in record-batch.ts).
//
// Layout (offsets in bytes, big-endian):
// baseOffset int64 @0 | batchLength int32 @8 (bytes after this field) | partitionLeaderEpoch int32 @12
// | magic int8 @16 (=2) | crc uint32 @17 (CRC-32C of bytes @21..end) | attributes int16 @21
// | lastOffsetDelta int32 @23 | baseTimestamp int64 @27 | maxTimestamp int64 @35
// | producerId int64 @43 | producerEpoch int16 @51 | baseSequence int32 @53 | recordCount int32 @57
// | records @61...
// Record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint
//   | keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value
//   | headerCount varint | [headerKeyLength varint | headerKey utf8 | headerValueLength varint | value]
// Varints are zig-zag encoded (protobuf style).
//
// attributes bits: 0-2 compression, 3 timestamp type (1 = LogAppendTime), 4 transactional,
// 5 control, 6 delete horizon (baseTimestamp then holds the compaction delete horizon).
// With compression, everything after recordCount is one compressed stream of the records.
//
// baseOffset and partitionLeaderEpoch sit before the CRC'd region so the leader can assign
// offsets and stamp its epoch in place without recomputing the checksum. baseTimestamp is the
// first record's timestamp; under LogAppendTime every record reads as maxTimestamp.
// Control batches (transaction markers) hold one record: key = version int16 (0) + type int16
// (0 abort, 1 commit), value = version int16 (0) + coordinatorEpoch int32.
//
// Offsets, timestamps and producer ids are JS numbers, exact to 2^53; larger values on the
// wire are CORRUPT_MESSAGE. Decoded keys and values are views into the input bytes.

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface RecordInput {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: RecordHeader[];
  /** Absolute milliseconds since the epoch. */
  timestamp: number;
}

export interface BatchInput {
  /** At least one. */
  records: RecordInput[];
  /** Default 0: the log assigns real offsets with setBaseOffset. */
  baseOffset?: number;
  /** Default -1. */
  partitionLeaderEpoch?: number;
  /** A Compression code; default none. */
  compression?: number;
  /** A TimestampType code; default create. */
  timestampType?: number;
  transactional?: boolean;
  control?: boolean;
  /** Idempotent/transactional producer fields; each defaults to -1. */
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  attributes: number;
}
