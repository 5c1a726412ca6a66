// Encoding of one record inside an uncompressed batch (layout in batch-format.ts).
//
// The batch encoder makes two passes: sizeOfRecord computes every size and remembers the ones
// the writer needs again (record body sizes, header key byte lengths) in a SizeList, then
// writeRecord replays them in the same order. This keeps the batch to one exact allocation and
// avoids encoding header keys twice.

import type { RecordInput } from "./batch-format.ts";
import { utf8Length, writeUtf8 } from "./utf8.ts";
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from "./varint.ts";

const SIZE_LIST_ENTRIES_INITIAL = 256;

/** Sizes remembered between the sizing and the writing pass, consumed in push order. */
export class SizeList {
  values = new Int32Array(SIZE_LIST_ENTRIES_INITIAL);
  count = 0;
  next = 0;

  reset(): void {
    this.count = 0;
    this.next = 0;
  }

  push(value: number): number {
    if (this.count === this.values.length) {
      const grown = new Int32Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count] = value;
    return this.count++;
  }

  shift(): number {
    return this.values[this.next++];
  }
}

function sizeOfBytes(bytes: Uint8Array | null | undefined): number {
  return bytes == null ? 1 : sizeOfVarint(bytes.length) + bytes.length;
}

/** Bytes the record takes, length prefix included; remembers sizes for writeRecord. */
export function sizeOfRecord(
  record: RecordInput,
  timestampDelta: number,
  offsetDelta: number,
  sizes: SizeList,
): number {
  const slot = sizes.push(0);
  // attributes (1 byte) + deltas + key + value
  let body = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) +
    sizeOfBytes(record.key) + sizeOfBytes(record.value);
  const headers = record.headers;
  const headerCount = headers == null ? 0 : headers.length;
  body += sizeOfVarint(headerCount);
  for (let h = 0; h < headerCount; h++) {
    const header = headers![h];
    const keyBytes = utf8Length(header.key);
    sizes.push(keyBytes);
    body += sizeOfVarint(keyBytes) + keyBytes + sizeOfBytes(header.value);
  }
  sizes.values[slot] = body;
  return sizeOfVarint(body) + body;
}

function writeBytes(out: Uint8Array, pos: number, bytes: Uint8Array | null | undefined): number {
  if (bytes == null) return writeVarint(out, pos, -1);
  pos = writeVarint(out, pos, bytes.length);
  out.set(bytes, pos);
  return pos + bytes.length;
}

/** Writes the record sized by the matching sizeOfRecord call; returns the position after it. */
export function writeRecord(
  out: Uint8Array,
  pos: number,
  record: RecordInput,
  timestampDelta: number,
  offsetDelta: number,
  sizes: SizeList,
): number {
  pos = writeVarint(out, pos, sizes.shift());
  out[pos++] = 0; // record attributes: unused by Kafka, always 0
  pos = writeVarlong(out, pos, timestampDelta);
  pos = writeVarint(out, pos, offsetDelta);
  pos = writeBytes(out, pos, record.key);
  pos = writeBytes(out, pos, record.value);
  const headers = record.headers;
  const headerCount = headers == null ? 0 : headers.length;
  pos = writeVarint(out, pos, headerCount);
  for (let h = 0; h < headerCount; h++) {
    const header = headers![h];
    const keyBytes = sizes.shift();
    pos = writeVarint(out, pos, keyBytes);
    pos = writeUtf8(out, pos, header.key, keyBytes);
    pos = writeBytes(out, pos, header.value);
  }
  return pos;
}
