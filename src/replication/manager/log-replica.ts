// A ReplicaLog over a bare PartitionLog opened with `leaderEpochs: true` (the replication tests
// and tools; the broker's Partition implements ReplicaLog itself). The HW lives in memory: the
// log keeps none (src/log/partition-log.ts), so a restarted replica starts from 0 and learns it
// again, which the epoch-based truncation makes safe (KIP-101).
import { assert } from "../../model/errors.ts";
import type { EpochEntry } from "../../log/leader-epoch-cache.ts";
import type { PartitionLog } from "../../log/partition-log.ts";
import type { ReplicaLog } from "./replica-log.ts";

export interface LogReplicaOptions {
  /** Called after each HW move (a consumer fetch would wake here). */
  onHighWatermark?: (offset: number) => void;
  /** The HW to start from (clamped to the log); 0 by default. */
  highWatermark?: number;
}

export class LogReplica implements ReplicaLog {
  readonly log: PartitionLog;
  readonly #onHighWatermark: (offset: number) => void;
  #highWatermark: number;

  constructor(log: PartitionLog, options: LogReplicaOptions = {}) {
    assert(log.leaderEpochs !== null, "a replica's log is opened with leaderEpochs: true");
    this.log = log;
    this.#onHighWatermark = options.onHighWatermark ?? (() => {});
    this.#highWatermark = clamp(options.highWatermark ?? 0, log.logStartOffset, log.logEndOffset);
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }
  get logEndOffset(): number {
    return this.log.logEndOffset;
  }
  get failed(): boolean {
    return this.log.failure !== null;
  }
  get highWatermark(): number {
    return this.#highWatermark;
  }

  setHighWatermark(offset: number): void {
    assert(offset <= this.log.logEndOffset, "HW <= log end");
    if (offset === this.#highWatermark) return;
    this.#highWatermark = offset;
    this.#onHighWatermark(offset);
  }

  epochEntries(): EpochEntry[] {
    // An entry is recorded before its batch is written; one whose write failed runs ahead.
    const end = this.log.logEndOffset;
    return (this.log.leaderEpochs?.entries() ?? []).filter((e) => e.startOffset <= end);
  }

  async appendReplicated(batches: Uint8Array): Promise<void> {
    await this.log.appendWithOffsets(batches, { durable: true });
  }

  async truncateTo(offset: number): Promise<void> {
    await this.log.truncateTo(offset);
    // Below the HW only after the last in-sync replica lost records in a power cut (the follower
    // state's "truncate-below-hw"); reported so that whoever watches the HW sees it go back.
    if (this.log.logEndOffset < this.#highWatermark) {
      this.#highWatermark = this.log.logEndOffset;
      this.#onHighWatermark(this.#highWatermark);
    }
  }

  async resetTo(offset: number): Promise<void> {
    await this.log.resetTo(offset);
    // Everything below the leader's log start is gone there too: nothing left to wait for.
    if (offset !== this.#highWatermark) {
      this.#highWatermark = offset;
      this.#onHighWatermark(offset);
    }
  }

  async read(offset: number, maxBytes: number): Promise<Uint8Array> {
    return (await this.log.read(offset, maxBytes)).bytes;
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(value, high));
}
