// What the replica manager needs of one local partition replica, whoever keeps it: the broker's
// Partition (which also wakes consumer fetches when the high watermark moves) or, in tests and
// tools, a bare PartitionLog (log-replica.ts).
import type { EpochEntry } from "../../log/leader-epoch-cache.ts";

export interface ReplicaLog {
  readonly logStartOffset: number;
  /** The next offset to write. */
  readonly logEndOffset: number;
  /** The log is out of service (a storage failure): the replica goes offline. */
  readonly failed: boolean;
  /** Offsets below it are committed: readable by consumers. */
  readonly highWatermark: number;
  /** Moves the HW (never past the log end); wakes whatever waits for it. */
  setHighWatermark(offset: number): void;
  /** The log's leader-epoch entries, oldest first, none starting past the log end (a copy). */
  epochEntries(): EpochEntry[];
  /**
   * Appends batches fetched from the leader as they are (their offsets and epochs kept), durably
   * before it resolves: a follower's next fetch offset promises the leader it holds everything
   * below.
   */
  appendReplicated(batches: Uint8Array): Promise<void>;
  /** Drops every offset >= offset (whole batches), the epoch entries from there, and clamps the HW. */
  truncateTo(offset: number): Promise<void>;
  /** Empties the log and starts it at offset (the leader's log start is past our log end). */
  resetTo(offset: number): Promise<void>;
  /** Stored bytes of whole batches from the one holding offset, about maxBytes (at least one). */
  read(offset: number, maxBytes: number): Promise<Uint8Array>;
}
