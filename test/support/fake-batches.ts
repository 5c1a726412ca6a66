// Fetch answers of the in-memory fake brokers (test/http, test/protocol/cbor): the stored batches
// from the one holding offset on, as the real log answers, at least one batch even when it is
// bigger than maxBytes, and further batches only while they fit.
import { concatBytes } from "./bytes.ts";

export interface StoredBatchBytes {
  lastOffset: number;
  bytes: Uint8Array;
}

export function fetchBatchBytes(
  batches: readonly StoredBatchBytes[],
  offset: number,
  maxBytes: number,
): Uint8Array {
  const chosen: Uint8Array[] = [];
  let total = 0;
  for (const batch of batches) {
    if (batch.lastOffset < offset) continue;
    if (chosen.length > 0 && total + batch.bytes.byteLength > maxBytes) break;
    chosen.push(batch.bytes);
    total += batch.bytes.byteLength;
  }
  return concatBytes(chosen);
}
