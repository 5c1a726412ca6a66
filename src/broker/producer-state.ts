// Idempotent producer bookkeeping for one partition, as Kafka keeps it: per producer id the
// current epoch and the sequence ranges and offsets of its last five batches. A retried batch
// that matches one of those gets its original offsets back instead of being written twice; a
// gap in sequence numbers is OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch is fenced.
//
// Decisions are taken synchronously when a produce arrives and reserved at once (the batch's
// offsets are filled in when its append completes), so pipelined batches of one producer are
// checked in arrival order without waiting for each other's appends.
import { TributaryError } from "../errors.ts";
import type { BatchHeader } from "../log/record-batch.ts";

/** Batches remembered per producer; Kafka's producer keeps at most 5 requests in flight. */
export const PRODUCER_BATCHES_KEPT = 5;
export const SEQUENCE_MAX = 2 ** 31 - 1;
const PRODUCERS_MAX_DEFAULT = 10_000;

export interface ProducedBatch {
  firstSeq: number;
  lastSeq: number;
  /** -1 until the append completes; then `settled` resolves. */
  baseOffset: number;
  lastOffset: number;
  /** Resolves when the offsets are known, rejects when the append failed. */
  readonly settled: Promise<void>;
}

interface PendingBatch extends ProducedBatch {
  resolve(): void;
  reject(err: unknown): void;
}

interface ProducerEntry {
  epoch: number;
  /** Sequence of the last record accepted in this epoch; -1 before the first batch. */
  lastSeq: number;
  /** Oldest first, at most PRODUCER_BATCHES_KEPT. */
  batches: PendingBatch[];
}

export type SequenceDecision =
  /** Not an idempotent batch: append without bookkeeping. */
  | { kind: "plain" }
  /** Reserved: append, then call complete() or fail(); undo() if the request is abandoned. */
  | { kind: "append"; batch: ProducedBatch; undo(): void }
  /** A retry of a batch already accepted: answer with its offsets, append nothing. */
  | { kind: "duplicate"; batch: ProducedBatch };

/** The sequence number of the batch's last record, wrapping after 2^31-1 as Kafka does. */
export function lastSequenceOf(header: BatchHeader): number {
  const last = header.baseSequence + header.lastOffsetDelta;
  return last > SEQUENCE_MAX ? last - SEQUENCE_MAX - 1 : last;
}

function nextSequence(seq: number): number {
  return seq === SEQUENCE_MAX ? 0 : seq + 1;
}

function isIdempotent(header: BatchHeader): boolean {
  return header.producerId >= 0;
}

export class ProducerStateTable {
  readonly #producers = new Map<number, ProducerEntry>();
  readonly #producersMax: number;

  constructor(options: { producersMax?: number } = {}) {
    this.#producersMax = options.producersMax ?? PRODUCERS_MAX_DEFAULT;
  }

  get producerCount(): number {
    return this.#producers.size;
  }

  /** Checks a produced batch against the producer's state and reserves it when it is new. */
  begin(header: BatchHeader): SequenceDecision {
    if (!isIdempotent(header)) return { kind: "plain" };
    if (header.producerEpoch < 0 || header.baseSequence < 0) {
      throw new TributaryError(
        "INVALID_RECORD",
        `batch of producer ${header.producerId} has epoch ${header.producerEpoch} and ` +
          `sequence ${header.baseSequence}; idempotent batches need both >= 0`,
      );
    }
    const entry = this.#producers.get(header.producerId);
    const firstSeq = header.baseSequence;
    const lastSeq = lastSequenceOf(header);
    if (entry !== undefined && header.producerEpoch < entry.epoch) {
      throw new TributaryError(
        "INVALID_PRODUCER_EPOCH",
        `producer ${header.producerId} epoch ${header.producerEpoch} is fenced by epoch ${entry.epoch}`,
      );
    }
    if (entry !== undefined && header.producerEpoch === entry.epoch) {
      const dup = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
      if (dup !== undefined) return { kind: "duplicate", batch: dup };
    }
    const expected = expectedSequence(entry, header.producerEpoch);
    if (firstSeq !== expected) {
      throw new TributaryError(
        "OUT_OF_ORDER_SEQUENCE_NUMBER",
        `producer ${header.producerId} epoch ${header.producerEpoch}: expected sequence ` +
          `${expected}, got ${firstSeq}`,
      );
    }
    return this.#reserve(header.producerId, header.producerEpoch, firstSeq, lastSeq, entry);
  }

  #reserve(
    producerId: number,
    epoch: number,
    firstSeq: number,
    lastSeq: number,
    before: ProducerEntry | undefined,
  ): SequenceDecision {
    const snapshot = before && { ...before, batches: [...before.batches] };
    const entry = before !== undefined && before.epoch === epoch
      ? before
      : { epoch, lastSeq: -1, batches: [] };
    const batch = pendingBatch(firstSeq, lastSeq);
    push(entry, batch);
    this.#touch(producerId, entry);
    const undo = () => {
      if (snapshot === undefined) this.#producers.delete(producerId);
      else this.#producers.set(producerId, snapshot);
    };
    return { kind: "append", batch, undo };
  }

  /** The append of a reserved batch completed at these offsets. */
  complete(batch: ProducedBatch, baseOffset: number, lastOffset: number): void {
    const pending = batch as PendingBatch;
    pending.baseOffset = baseOffset;
    pending.lastOffset = lastOffset;
    pending.resolve();
  }

  /** The append of a reserved batch failed: forget it so a retry is not taken as a duplicate. */
  fail(producerId: number, batch: ProducedBatch, err: unknown): void {
    const pending = batch as PendingBatch;
    const entry = this.#producers.get(producerId);
    if (entry !== undefined) {
      const at = entry.batches.indexOf(pending);
      // Later batches of this producer were appended after the failed one: drop them too.
      if (at >= 0) {
        entry.batches.splice(at);
        entry.lastSeq = pending.firstSeq === 0 ? -1 : previousSequence(pending.firstSeq);
      }
    }
    pending.reject(err);
  }

  /** Rebuilds state from a batch already in the log (at partition open). */
  replay(header: BatchHeader): void {
    if (!isIdempotent(header) || header.baseSequence < 0) return;
    const before = this.#producers.get(header.producerId);
    if (before !== undefined && header.producerEpoch < before.epoch) return;
    const entry = before !== undefined && before.epoch === header.producerEpoch
      ? before
      : { epoch: header.producerEpoch, lastSeq: -1, batches: [] };
    const batch = pendingBatch(header.baseSequence, lastSequenceOf(header));
    batch.baseOffset = header.baseOffset;
    batch.lastOffset = header.baseOffset + header.lastOffsetDelta;
    batch.resolve();
    push(entry, batch);
    this.#touch(header.producerId, entry);
  }

  clear(): void {
    this.#producers.clear();
  }

  // Most recently active last, so eviction past producersMax drops the longest idle producer.
  #touch(producerId: number, entry: ProducerEntry): void {
    this.#producers.delete(producerId);
    this.#producers.set(producerId, entry);
    if (this.#producers.size > this.#producersMax) {
      const oldest = this.#producers.keys().next().value as number;
      this.#producers.delete(oldest);
    }
  }
}

function previousSequence(seq: number): number {
  return seq === 0 ? SEQUENCE_MAX : seq - 1;
}

function expectedSequence(entry: ProducerEntry | undefined, epoch: number): number {
  if (entry === undefined || entry.epoch !== epoch || entry.lastSeq < 0) return 0;
  return nextSequence(entry.lastSeq);
}

function push(entry: ProducerEntry, batch: PendingBatch): void {
  entry.lastSeq = batch.lastSeq;
  entry.batches.push(batch);
  if (entry.batches.length > PRODUCER_BATCHES_KEPT) entry.batches.shift();
}

function pendingBatch(firstSeq: number, lastSeq: number): PendingBatch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const settled = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The append's own caller gets the failure; this only marks the promise as observed so a
  // rejection nobody else awaits (no duplicate arrived) does not crash the host.
  settled.catch(() => undefined);
  return { firstSeq, lastSeq, baseOffset: -1, lastOffset: -1, settled, resolve, reject };
}
