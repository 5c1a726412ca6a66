// What a Kafka client's Produce carries for one partition, checked at the Kafka edge before the
// broker core sees it. Only record batch v2 (magic 2) is stored: a legacy message set (magic 0
// or 1, which every Kafka client before 0.11 wrote) is refused with UNSUPPORTED_VERSION, and a
// byte 16 that is no magic we know with CORRUPT_MESSAGE. Both formats put the magic at byte 16
// (v2: baseOffset int64, batchLength int32, partitionLeaderEpoch int32; v0/v1: offset int64,
// message_size int32, crc int32), so one look tells them apart.
//
// The rest of the validation is the broker core's, shared with every face (src/broker/produce.ts
// over src/log/batch-decode.ts): lengths, the CRC-32C over attributes onward, record counts and
// records, sequence numbers; and the log rewrites each batch's base offset on append (the CRC
// does not cover it, so the client's bytes are stored as sent otherwise). This check walks only
// the batch headers, so the CRC is computed once per batch.

import { TributaryError } from "../../model/errors.ts";
import { BATCH_OVERHEAD_BYTES, Offset } from "../../log/batch-header.ts";

export const MAGIC_V2 = 2;

/** Throws unless records is one or more whole magic-2 batches (their contents unchecked). */
export function checkProducedBatches(records: Uint8Array | null): Uint8Array {
  if (records === null || records.length === 0) {
    throw new TributaryError("CORRUPT_MESSAGE", "produce partition carries no records");
  }
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let position = 0;
  // Each step advances by at least BATCH_OVERHEAD_BYTES + 1, so this ends.
  while (position < records.length) {
    if (records.length - position <= Offset.magic) {
      throw new TributaryError(
        "CORRUPT_MESSAGE",
        `${records.length - position} bytes at ${position} are too short for a batch header`,
      );
    }
    const magic = records[position + Offset.magic];
    if (magic === 0 || magic === 1) {
      throw new TributaryError(
        "UNSUPPORTED_VERSION",
        `message format v${magic} (magic ${magic}) at byte ${position}: only record batch v2 ` +
          `(Kafka 0.11+ clients) is accepted`,
      );
    }
    if (magic !== MAGIC_V2) {
      throw new TributaryError("CORRUPT_MESSAGE", `batch at byte ${position} has magic ${magic}`);
    }
    const length = view.getInt32(position + Offset.batchLength);
    if (length <= 0 || length > records.length - position - BATCH_OVERHEAD_BYTES) {
      throw new TributaryError(
        "CORRUPT_MESSAGE",
        `batch at byte ${position} declares batchLength ${length}, ` +
          `${records.length - position - BATCH_OVERHEAD_BYTES} bytes follow`,
      );
    }
    position += BATCH_OVERHEAD_BYTES + length;
  }
  return records;
}
