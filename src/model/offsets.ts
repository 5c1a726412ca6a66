// Looking up an offset by position or time (Kafka's ListOffsets). Offsets and timestamps are
// JavaScript numbers (exact up to 2^53).

export type OffsetSpec = "earliest" | "latest" | { timestampMs: number };

export interface ListOffsetsResult {
  /** -1 when a timestamp lookup finds no record at or after it. */
  offset: number;
  timestampMs: number;
}
