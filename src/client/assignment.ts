// One assigned partition's consumer-side state: where the caller is, where the next Fetch
// starts, and the epoch that seek() bumps so records fetched for an old position are dropped.

import type { TopicPartition } from "./fetched-records.ts";

/** Where a partition's position comes from when it has none. */
export type ResetKind = "committed" | "earliest" | "latest";

export interface Assignment {
  readonly tp: TopicPartition;
  /** Offset of the next record handed to the caller; null until reset resolves it. */
  position: number | null;
  /** Offset the next Fetch starts at. */
  fetchOffset: number | null;
  reset: ResetKind | null;
  /** Bumped by seek(); fetched records of an older epoch are dropped. */
  epoch: number;
  /** False while a group partition waits for its callback or is being revoked. */
  active: boolean;
  /** Group mode: the position as of the latest poll(), which auto-commit may commit. */
  processed: number | null;
  /** Group mode: the offset last committed (or found committed) for the partition. */
  committed: number | null;
}

export const tpKey = (tp: TopicPartition): string => `${tp.partition}\u0000${tp.topic}`;

export function newAssignment(tp: TopicPartition, reset: ResetKind | null): Assignment {
  return {
    tp: { topic: tp.topic, partition: tp.partition },
    position: null,
    fetchOffset: null,
    reset,
    epoch: 0,
    active: true,
    processed: null,
    committed: null,
  };
}
