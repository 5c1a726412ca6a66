// The tail of the committed metadata log as the active controller serves it to brokers: the
// last committed batches, bounded in count and bytes, and the long polls of brokers waiting at
// its end. A broker asking for an offset older than the tail gets the whole image instead (the
// caller builds the snapshot answer); one at the end waits until the next commit or its wait.
import type { Runtime, TimerHandle } from "../../runtime/types.ts";
import type { MetadataBatchBytes } from "../model/cluster.ts";
import { assert } from "../model/errors.ts";

export interface CommittedBatchesOptions {
  batchesMax?: number;
  bytesMax?: number;
  /** Brokers' fetches parked at the end at once; more are answered empty at once. */
  parkedMax?: number;
}

interface Parked {
  resolve: () => void;
  timer: TimerHandle;
}

export class CommittedBatches {
  readonly #timers: Runtime["timers"];
  readonly #batchesMax: number;
  readonly #bytesMax: number;
  readonly #parkedMax: number;
  #batches: MetadataBatchBytes[] = [];
  #bytes = 0;
  /** The last offset before the first batch kept (what a snapshot must cover). */
  #floor = 0;
  #parked = new Set<Parked>();

  constructor(timers: Runtime["timers"], options: CommittedBatchesOptions = {}) {
    this.#timers = timers;
    this.#batchesMax = options.batchesMax ?? 10_000;
    this.#bytesMax = options.bytesMax ?? 32 * 1024 * 1024;
    this.#parkedMax = options.parkedMax ?? 10_000;
  }

  /** The last committed offset kept (the floor when none is). */
  get lastOffset(): number {
    return this.#batches.at(-1)?.lastOffset ?? this.#floor;
  }

  /** Offsets at or below this are only in a snapshot. */
  get floor(): number {
    return this.#floor;
  }

  /** Starts over after a snapshot at offset (restart, or a snapshot installed from the leader). */
  resetTo(offset: number): void {
    this.#batches = [];
    this.#bytes = 0;
    this.#floor = offset;
    this.#wakeAll();
  }

  append(batch: MetadataBatchBytes): void {
    assert(batch.lastOffset > this.lastOffset, "committed batches arrive in offset order");
    this.#batches.push(batch);
    this.#bytes += sizeOf(batch);
    while (
      this.#batches.length > 1 &&
      (this.#batches.length > this.#batchesMax || this.#bytes > this.#bytesMax)
    ) {
      const dropped = this.#batches.shift()!;
      this.#bytes -= sizeOf(dropped);
      this.#floor = dropped.lastOffset;
    }
    this.#wakeAll();
  }

  /**
   * Batches with lastOffset >= fromOffset, up to maxBytes (at least one), or null when
   * fromOffset is at or below the floor and the tail no longer holds what comes after it.
   */
  since(fromOffset: number, maxBytes: number): MetadataBatchBytes[] | null {
    if (fromOffset <= this.#floor && this.#floor > 0) return null;
    const out: MetadataBatchBytes[] = [];
    let bytes = 0;
    // Binary search would do; the tail is scanned from its end, where brokers usually are.
    let start = this.#batches.length;
    while (start > 0 && this.#batches[start - 1].lastOffset >= fromOffset) start--;
    for (let i = start; i < this.#batches.length; i++) {
      const size = sizeOf(this.#batches[i]);
      if (out.length > 0 && bytes + size > maxBytes) break;
      out.push(this.#batches[i]);
      bytes += size;
    }
    return out;
  }

  /** Resolves at the next append or reset, or after waitMs. */
  waitForMore(waitMs: number): Promise<void> {
    if (waitMs <= 0 || this.#parked.size >= this.#parkedMax) return Promise.resolve();
    return new Promise((resolve) => {
      const parked: Parked = {
        resolve: () => {
          parked.timer.cancel();
          this.#parked.delete(parked);
          resolve();
        },
        timer: this.#timers.setTimeout(() => parked.resolve(), waitMs),
      };
      this.#parked.add(parked);
    });
  }

  /** Answers every parked fetch now (shutdown, loss of leadership). */
  wakeAll(): void {
    this.#wakeAll();
  }

  #wakeAll(): void {
    for (const parked of [...this.#parked]) parked.resolve();
  }
}

function sizeOf(batch: MetadataBatchBytes): number {
  let bytes = 32;
  for (const r of batch.records) bytes += r.byteLength + 8;
  return bytes;
}
