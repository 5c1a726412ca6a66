// Per-item errors inside response bodies (one partition of a Produce, one topic of a
// CreateTopics) surface as TributaryErrors with the code the broker sent.

import type { WireError } from "../protocol/cbor/envelope.ts";
import { fromWireError } from "../protocol/cbor/wire-error.ts";

export function throwIfError(error: WireError | null | undefined): void {
  if (error) throw fromWireError(error);
}
