// compression.type with a codec: the broker re-encodes every produced batch whose codec
// differs into the topic's (Kafka's rule; "producer" keeps batches as sent and never comes
// here). Records, offsets, timestamps and producer fields are kept; only the records section,
// the codec bits, batchLength and the CRC change.

import { TributaryError } from "../model/errors.ts";
import { Attribute } from "../log/batch-header.ts";
import { recompressBatch } from "../log/batch-compress.ts";
import { type BatchHeader, readBatchHeader } from "../log/record-batch.ts";

export interface ProducedBatchAt {
  position: number;
  sizeBytes: number;
  header: BatchHeader;
}

export interface Recompressed {
  bytes: Uint8Array;
  batches: ProducedBatchAt[];
}

export function needsRecompression(batches: readonly ProducedBatchAt[], codec: number): boolean {
  return batches.some((b) => (b.header.attributes & Attribute.compressionMask) !== codec);
}

/** The request's batches (validated and checked) in `codec`; MESSAGE_TOO_LARGE past the limit. */
export async function recompressProduced(
  bytes: Uint8Array,
  batches: readonly ProducedBatchAt[],
  codec: number,
  maxMessageBytes: number,
): Promise<Recompressed> {
  const encoded = await Promise.all(batches.map((b) => {
    const whole = bytes.subarray(b.position, b.position + b.sizeBytes);
    if ((b.header.attributes & Attribute.compressionMask) === codec) return whole;
    // The records of a batch may not expand beyond what max.message.bytes allows a batch.
    return recompressBatch(bytes, b.position, b.header, codec, maxMessageBytes);
  }));
  const out = new Uint8Array(encoded.reduce((n, e) => n + e.length, 0));
  const placed: ProducedBatchAt[] = [];
  let at = 0;
  for (const e of encoded) {
    if (e.length > maxMessageBytes) {
      throw new TributaryError(
        "MESSAGE_TOO_LARGE",
        `batch re-encoded for compression.type is ${e.length} bytes, over max.message.bytes ` +
          `${maxMessageBytes}`,
      );
    }
    out.set(e, at);
    placed.push({ position: at, sizeBytes: e.length, header: readBatchHeader(out, at) });
    at += e.length;
  }
  return { bytes: out, batches: placed };
}
