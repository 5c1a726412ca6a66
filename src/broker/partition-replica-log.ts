// A hosted partition as the replica manager sees it (src/replication/manager/replica-log.ts):
// the broker's Partition, whose high watermark wakes consumer fetches, whose producer state
// follows replicated batches and whose log keeps the leader-epoch cache.
import type { EpochEntry } from "../log/leader-epoch-cache.ts";
import type { ReplicaLog } from "../replication/manager/replica-log.ts";
import type { Partition } from "./partition.ts";

export class PartitionReplicaLog implements ReplicaLog {
  readonly partition: Partition;
  readonly #nowMs: () => number;

  constructor(partition: Partition, nowMs: () => number) {
    this.partition = partition;
    this.#nowMs = nowMs;
  }

  get logStartOffset(): number {
    return this.partition.logStartOffset;
  }
  get logEndOffset(): number {
    return this.partition.logEndOffset;
  }
  get failed(): boolean {
    return this.partition.offlineReason !== null || this.partition.closed;
  }
  get highWatermark(): number {
    return this.partition.highWatermark;
  }

  setHighWatermark(offset: number): void {
    this.partition.setHighWatermark(offset);
  }

  epochEntries(): EpochEntry[] {
    // An entry is recorded before its batch is written; one whose write failed runs ahead.
    const log = this.partition.log;
    const end = log.logEndOffset;
    return (log.leaderEpochs?.entries() ?? []).filter((e) => e.startOffset <= end);
  }

  appendReplicated(batches: Uint8Array): Promise<void> {
    return this.partition.appendReplicated(batches, this.#nowMs());
  }

  truncateTo(offset: number): Promise<void> {
    return this.partition.truncateTo(offset, this.#nowMs());
  }

  resetTo(offset: number): Promise<void> {
    return this.partition.resetTo(offset, this.#nowMs());
  }

  async read(offset: number, maxBytes: number): Promise<Uint8Array> {
    return (await this.partition.track(this.partition.log.read(offset, maxBytes))).bytes;
  }
}
