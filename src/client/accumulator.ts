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
  /**
   * With the producer's compression: the batch, compressed once when it closed, with producer
   * id, epoch and sequence still -1 (the sender sets them when it first sends it).
   */
  compressed?: Uint8Array;
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
  /** The topic's slot array this batch sits in while open. */
  slots: Array<OpenBatch | undefined>;
  timer: TimerHandle | null;
}

export class RecordAccumulator {
  readonly #options: AccumulatorOptions;
  // topic -> open batch per partition index. Looked up per record, so no key string is built.
  readonly #open = new Map<string, Array<OpenBatch | undefined>>();
  #openCount = 0;

  constructor(options: AccumulatorOptions) {
    this.#options = options;
  }

  get openBatches(): number {
    return this.#openCount;
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
    let slots = this.#open.get(topic);
    if (slots === undefined) {
      slots = [];
      this.#open.set(topic, slots);
    }
    let open = slots[partition];
    if (
      open !== undefined && open.batch.records.length > 0 &&
      open.batch.sizeBytes + recordBytes > this.#options.batchBytes
    ) {
      this.#close(open);
      open = undefined;
    }
    if (open === undefined) open = this.#startBatch(slots, topic, partition);
    open.batch.records.push(record);
    open.batch.deliveries.push(delivery);
    open.batch.sizeBytes += recordBytes;
    if (open.batch.sizeBytes >= this.#options.batchBytes) this.#close(open);
  }

  /** Closes every open batch now (flush, close). */
  drainAll(): void {
    for (const slots of [...this.#open.values()]) {
      for (const open of [...slots]) if (open !== undefined) this.#close(open);
    }
  }

  #startBatch(slots: Array<OpenBatch | undefined>, topic: string, partition: number): OpenBatch {
    const batch: ProducerBatch = {
      topic,
      partition,
      records: [],
      deliveries: [],
      sizeBytes: batchOverheadBytes,
      createdMs: this.#options.clock.monotonicMs(),
    };
    const open: OpenBatch = { batch, slots, timer: null };
    slots[partition] = open;
    this.#openCount++;
    if (this.#options.lingerMs === 0) {
      // No linger: close once the caller's current run of send()s is over. A timer would add
      // the host's minimum timer delay (1 ms and more) to every record's latency.
      queueMicrotask(() => {
        if (slots[partition] === open) this.#close(open);
      });
      return open;
    }
    open.timer = this.#options.timers.setTimeout(() => {
      open.timer = null;
      if (slots[partition] === open) this.#close(open);
    }, this.#options.lingerMs);
    return open;
  }

  #close(open: OpenBatch): void {
    open.timer?.cancel();
    open.timer = null;
    const partition = open.batch.partition;
    if (open.slots[partition] === open) {
      open.slots[partition] = undefined;
      this.#openCount--;
    }
    this.#options.onReady(open.batch);
  }
}
