// Checking what an append hands the log, before anything is written: one or more whole record
// batches v2, each passing validateBatch (magic, sizes, CRC, counts), none larger than a segment.
// Producer appends must carry dense offsets (recordCount = lastOffsetDelta + 1) because the log
// assigns them; replicated appends carry their own, strictly increasing.

import { TributaryError } from "../model/errors.ts";
import type { BatchHeader } from "./record-batch.ts";
import { batchSizeAt, checkBatchFraming, lastOffsetOf, validateBatch } from "./record-batch.ts";

export interface InputBatch {
  /** Position of the batch in the input bytes. */
  at: number;
  sizeBytes: number;
  header: BatchHeader;
}

export interface InputRules {
  /** true: the log assigns offsets (producer append); false: offsets are kept (replication). */
  assignOffsets: boolean;
  /** Largest batch accepted (the segment size: a batch never straddles segments). */
  batchBytesMax: number;
  /** The caller checked every batch's CRC over these bytes already: skip that pass. */
  crcVerified?: boolean;
}

export function parseAppendInput(bytes: Uint8Array, rules: InputRules): InputBatch[] {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new TributaryError("INVALID_RECORD", "an append needs at least one record batch");
  }
  const batches: InputBatch[] = [];
  let position = 0;
  let nextOffset = -1;
  // Each iteration consumes a whole batch of at least 61 bytes, so this loop is bounded.
  while (position < bytes.length) {
    const sizeBytes = batchSizeAt(bytes, position);
    if (sizeBytes === -1 || sizeBytes > bytes.length - position) {
      throw new TributaryError(
        "CORRUPT_MESSAGE",
        `partial batch at byte ${position} of ${bytes.length}`,
      );
    }
    if (sizeBytes > rules.batchBytesMax) {
      throw new TributaryError(
        "MESSAGE_TOO_LARGE",
        `batch of ${sizeBytes} bytes exceeds segment.bytes ${rules.batchBytesMax}`,
      );
    }
    const header = rules.crcVerified === true
      ? checkBatchFraming(bytes, position)
      : validateBatch(bytes, position);
    checkOffsets(header, rules.assignOffsets, nextOffset, position);
    nextOffset = lastOffsetOf(header) + 1;
    batches.push({ at: position, sizeBytes, header });
    position += sizeBytes;
  }
  return batches;
}

function checkOffsets(
  header: BatchHeader,
  assignOffsets: boolean,
  nextOffset: number,
  position: number,
): void {
  if (assignOffsets) {
    if (header.recordCount < 1 || header.lastOffsetDelta !== header.recordCount - 1) {
      throw new TributaryError(
        "INVALID_RECORD",
        `batch at byte ${position}: ${header.recordCount} records with lastOffsetDelta ${header.lastOffsetDelta}`,
      );
    }
    return;
  }
  if (header.baseOffset < 0 || header.baseOffset < nextOffset) {
    throw new TributaryError(
      "INVALID_RECORD",
      `batch at byte ${position}: offset ${header.baseOffset} not above ${nextOffset - 1}`,
    );
  }
}
