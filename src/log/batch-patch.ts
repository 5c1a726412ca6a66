// In-place edits the leader makes to a producer's batch before appending it. baseOffset and
// partitionLeaderEpoch lie before the CRC'd region, so they cost no checksum; switching to
// LogAppendTime changes attributes and maxTimestamp, so the CRC is recomputed.

import { assert } from "../model/errors.ts";
import { Attribute, BATCH_OVERHEAD_BYTES, Offset, setInt64, viewOf } from "./batch-header.ts";
import { validateBatch } from "./batch-decode.ts";
import { crc32c } from "./crc32c.ts";

function checkRoom(bytes: Uint8Array, position: number, bytesNeeded: number): void {
  assert(
    Number.isInteger(position) && position >= 0 && bytes.length - position >= bytesNeeded,
    `no ${bytesNeeded}-byte batch prefix at ${position} of ${bytes.length} bytes`,
  );
}

export function setBaseOffset(bytes: Uint8Array, position: number, baseOffset: number): void {
  assert(Number.isSafeInteger(baseOffset) && baseOffset >= 0, `baseOffset ${baseOffset}`);
  checkRoom(bytes, position, BATCH_OVERHEAD_BYTES);
  setInt64(viewOf(bytes), position + Offset.baseOffset, baseOffset);
}

export function setPartitionLeaderEpoch(bytes: Uint8Array, position: number, epoch: number): void {
  assert((epoch | 0) === epoch, `partitionLeaderEpoch ${epoch} is not an int32`);
  checkRoom(bytes, position, Offset.magic);
  viewOf(bytes).setInt32(position + Offset.partitionLeaderEpoch, epoch);
}

/**
 * Marks the batch LogAppendTime with the broker's timestamp and re-seals its CRC. The batch is
 * validated first (CORRUPT_MESSAGE otherwise), so a corrupt batch is never given a fresh CRC.
 */
export function setMaxTimestampLogAppend(
  bytes: Uint8Array,
  position: number,
  timestamp: number,
): void {
  assert(Number.isSafeInteger(timestamp), `timestamp ${timestamp} is not a safe integer`);
  const header = validateBatch(bytes, position);
  const view = viewOf(bytes);
  view.setInt16(position + Offset.attributes, header.attributes | Attribute.logAppendTime);
  setInt64(view, position + Offset.maxTimestamp, timestamp);
  const end = position + header.batchLength + BATCH_OVERHEAD_BYTES;
  view.setUint32(position + Offset.crc, crc32c(bytes, position + Offset.attributes, end));
}

export interface ProducerFields {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

/**
 * A copy of the sealed batch `bytes` with the idempotent producer's fields set and the CRC
 * re-sealed. A client compresses a batch once when it closes and learns its producer id and
 * sequence only when it first sends it; these fields sit in the header, outside the records.
 */
export function withProducerFields(bytes: Uint8Array, fields: ProducerFields): Uint8Array {
  const header = validateBatch(bytes, 0);
  const out = bytes.slice(0, header.batchLength + BATCH_OVERHEAD_BYTES);
  const view = viewOf(out);
  setInt64(view, Offset.producerId, fields.producerId);
  view.setInt16(Offset.producerEpoch, fields.producerEpoch);
  view.setInt32(Offset.baseSequence, fields.baseSequence);
  view.setUint32(Offset.crc, crc32c(out, Offset.attributes));
  return out;
}
