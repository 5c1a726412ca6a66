// Collects records per partition into batches for the producer. A batch closes when the next
// record would push it past batchBytes, when lingerMs has passed since its first record, or on
// flush(); closed batches go to the sender through onReady, in per-partition order.
//
// Sizes are estimates of the encoded record batch v2 (header + varint-framed records), close
// enough to keep batches near batchBytes without encoding twice. A record larger than
// batchBytes gets a batch of its own.

import type { Clock, TimerHandle, Timers } from "../../runtime/types.ts";

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface PendingRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  timestamp: number;
}

export interface Delivery {
  resolve: (offset: number) => void;
  reject: (err: unknown) => void;
}

export interface ProducerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: PendingRecord[];
  readonly deliveries: Delivery[];
  sizeBytes: number;
  readonly createdMs: number;
}

export interface AccumulatorOptions {
  batchBytes: number;
  lingerMs: number;
  clock: Pick<Clock, "monotonicMs">;
  timers: Pick<Timers, "setTimeout">;
  onReady: (batch: ProducerBatch) => void;
}

/** Batch header bytes of record batch v2 (fixed). */
export const batchOverheadBytes = 61;

/** Upper estimate of one record's encoded size inside a batch. */
export function estimateRecordBytes(record: PendingRecord): number {
  // length, attributes, timestamp delta, offset delta, key/value lengths, header count: <= 26 B.
  let bytes = 26 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers) {
    bytes += 10 + header.key.length * 3 + (header.value?.length ?? 0);
  }
  return bytes;
}

interface OpenBatch {
  batch: ProducerBatch;
  timer: TimerHandle | null;
}

export class RecordAccumulator {
  readonly #options: AccumulatorOptions;
  readonly #open = new Map<string, OpenBatch>();

  constructor(options: AccumulatorOptions) {
    this.#options = options;
  }

  get openBatches(): number {
    return this.#open.size;
  }

  /**
   * Adds a record to its partition's open batch (closing that batch first when the record does
   * not fit). The caller has already reserved recordBytes in the producer's buffer pool.
   */
  append(
    topic: string,
    partition: number,
    record: PendingRecord,
    recordBytes: number,
    delivery: Delivery,
  ): void {
    const key = `${partition}\u0000${topic}`;
    let open = this.#open.get(key);
    if (
      open && open.batch.records.length > 0 &&
      open.batch.sizeBytes + recordBytes > this.#options.batchBytes
    ) {
      this.#close(key, open);
      open = undefined;
    }
    if (!open) {
      open = this.#startBatch(key, topic, partition);
    }
    open.batch.records.push(record);
    open.batch.deliveries.push(delivery);
    open.batch.sizeBytes += recordBytes;
    if (open.batch.sizeBytes >= this.#options.batchBytes) this.#close(key, open);
  }

  /** Closes every open batch now (flush, close). */
  drainAll(): void {
    for (const [key, open] of [...this.#open]) this.#close(key, open);
  }

  #startBatch(key: string, topic: string, partition: number): OpenBatch {
    const batch: ProducerBatch = {
      topic,
      partition,
      records: [],
      deliveries: [],
      sizeBytes: batchOverheadBytes,
      createdMs: this.#options.clock.monotonicMs(),
    };
    const open: OpenBatch = { batch, timer: null };
    this.#open.set(key, open);
    open.timer = this.#options.timers.setTimeout(() => {
      open.timer = null;
      if (this.#open.get(key) === open) this.#close(key, open);
    }, this.#options.lingerMs);
    return open;
  }

  #close(key: string, open: OpenBatch): void {
    open.timer?.cancel();
    open.timer = null;
    this.#open.delete(key);
    this.#options.onReady(open.batch);
  }
}
