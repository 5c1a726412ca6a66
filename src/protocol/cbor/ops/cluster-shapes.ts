// Shapes the cluster operations share (docs/protocol.md §6.21): the
// controller's answers that name a commit, per-item errors, and the byte-string lists that carry
// metadata records as src/metadata/records.ts encoded them (never decoded here).
//
//   Committed       = {"committedOffset": int}    ; -1: nothing was written
//   ItemError       = WireError / null
//   RecordBytesList = [* bytes]                   ; one encodeMetadataRecord output each

import { readWireError, type WireError } from "../envelope.ts";
import { type CborMap, INT32_MAX, SAFE_INT_MAX, type Shape } from "../shape.ts";

/** Broker ids, replica ids and controller ids: Kafka's int32, never negative. */
export function nodeId(shape: Shape, m: CborMap, key: string, path: string): number {
  return shape.int(m, key, path, 0, INT32_MAX);
}

/** Leader and partition epochs: int32; -1 is Kafka's "unknown" where a request may not know. */
export function epoch(shape: Shape, m: CborMap, key: string, path: string): number {
  return shape.int(m, key, path, -1, INT32_MAX);
}

/** Offsets and metadata-log indexes in requests: never negative. */
export function offset(shape: Shape, m: CborMap, key: string, path: string): number {
  return shape.int(m, key, path, 0, SAFE_INT_MAX);
}

export function itemError(shape: Shape, m: CborMap): WireError | null {
  return readWireError(shape, m.error);
}

export function recordBytesList(shape: Shape, m: CborMap, key: string, path: string): Uint8Array[] {
  return shape.list(m, key, path, (item, itemPath) => shape.bytesValue(item, itemPath));
}

export function committedOffset(shape: Shape, m: CborMap): number {
  return shape.int(m, "committedOffset", "body", -1, SAFE_INT_MAX);
}

export function nodeIdList(shape: Shape, m: CborMap, key: string, path: string): number[] {
  return shape.list(m, key, path, (item, p) => shape.intValue(item, p, 0, INT32_MAX));
}
