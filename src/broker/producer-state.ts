// Idempotent producer bookkeeping for one partition, as Kafka keeps it: per producer id the
// current epoch and the sequence ranges and offsets of its last five batches. A retried batch
// that matches one of those gets its original offsets back instead of being written twice; a
// gap in sequence numbers is OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch is fenced.
//
// Decisions are taken synchronously when a produce arrives and reserved at once (the batch's
// offsets are filled in when its append completes), so pipelined batches of one producer are
// checked in arrival order without waiting for each other's appends.
//
// A producer the table does not know is accepted at any sequence (Kafka since KIP-360): after a
// restart, retention or expiration the broker cannot tell a live producer from a new one, and
// refusing it would fail the client's batch for good. A known producer must continue its
// sequence; a new epoch must start at 0.
//
// Producers are forgotten when their last batch is older than producer.id.expiration.ms
// (expire()), not by count. The count is bounded for memory (producersMax, large): when the
// table is full even after expiring, a new producer is refused with THROTTLING_QUOTA_EXCEEDED
// (retriable), never by evicting a live one. Only rebuilding from disk, which cannot refuse,
// drops the longest idle producer past the bound (and counts it in evictedAtLoad).
import { TributaryError } from "../model/errors.ts";
import type { BatchHeader } from "../log/record-batch.ts";

/** Batches remembered per producer; Kafka's producer keeps at most 5 requests in flight. */
export const PRODUCER_BATCHES_KEPT = 5;
export const SEQUENCE_MAX = 2 ** 31 - 1;
/** Kafka's producer.id.expiration.ms default: one day. */
export const PRODUCER_ID_EXPIRATION_MS_DEFAULT = 24 * 60 * 60 * 1000;
/** Producers tracked per partition at most (about 1 KiB each with five batches). */
export const PRODUCERS_MAX_DEFAULT = 100_000;

export interface ProducedBatch {
  firstSeq: number;
  lastSeq: number;
  /** -1 until the append completes; then `settled` resolves. */
  baseOffset: number;
  lastOffset: number;
  /** When the batch was accepted (broker clock), what expiration ages. */
  timestampMs: number;
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

/** One producer as a snapshot holds it (producer-snapshot.ts). */
export interface ProducerSnapshotEntry {
  producerId: number;
  epoch: number;
  lastSeq: number;
  lastOffset: number;
  lastTimestampMs: number;
  /** Oldest first, 1..PRODUCER_BATCHES_KEPT. */
  batches: Array<{ firstSeq: number; lastSeq: number; baseOffset: number; lastOffset: number }>;
}

export interface ProducerStateOptions {
  /** producer.id.expiration.ms: a producer idle this long is forgotten. */
  expirationMs?: number;
  producersMax?: number;
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
  readonly #expirationMs: number;
  #evictedAtLoad = 0;

  constructor(options: ProducerStateOptions = {}) {
    this.#producersMax = options.producersMax ?? PRODUCERS_MAX_DEFAULT;
    this.#expirationMs = options.expirationMs ?? PRODUCER_ID_EXPIRATION_MS_DEFAULT;
  }

  get producerCount(): number {
    return this.#producers.size;
  }

  get expirationMs(): number {
    return this.#expirationMs;
  }

  /** Producers dropped past producersMax while rebuilding from disk (see the file comment). */
  get evictedAtLoad(): number {
    return this.#evictedAtLoad;
  }

  /**
   * Checks a produced batch against the producer's state and reserves it when it is new.
   * nowMs (the broker's clock) becomes the producer's last activity.
   */
  begin(header: BatchHeader, nowMs: number): SequenceDecision {
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
    if (expected >= 0 && firstSeq !== expected) {
      throw new TributaryError(
        "OUT_OF_ORDER_SEQUENCE_NUMBER",
        `producer ${header.producerId} epoch ${header.producerEpoch}: expected sequence ` +
          `${expected}, got ${firstSeq}`,
      );
    }
    if (entry === undefined) this.#makeRoom(header.producerId, nowMs);
    return this.#reserve(header, firstSeq, lastSeq, entry, nowMs);
  }

  /** A new producer needs a free slot: expire idle ones, else refuse (never evict). */
  #makeRoom(producerId: number, nowMs: number): void {
    if (this.#producers.size < this.#producersMax) return;
    this.expire(nowMs);
    if (this.#producers.size < this.#producersMax) return;
    throw new TributaryError(
      "THROTTLING_QUOTA_EXCEEDED",
      `producer ${producerId} refused: this partition tracks ${this.#producers.size} active ` +
        `producers, its limit; retry after idle ones expire (producer.id.expiration.ms)`,
    );
  }

  #reserve(
    header: BatchHeader,
    firstSeq: number,
    lastSeq: number,
    before: ProducerEntry | undefined,
    nowMs: number,
  ): SequenceDecision {
    const producerId = header.producerId;
    const snapshot = before && { ...before, batches: [...before.batches] };
    const entry = before !== undefined && before.epoch === header.producerEpoch
      ? before
      : { epoch: header.producerEpoch, lastSeq: -1, batches: [] };
    const batch = pendingBatch(firstSeq, lastSeq, nowMs);
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

  /**
   * Rebuilds state from a batch already in the log (at partition open). Its activity time is
   * its max timestamp, capped at nowMs (a batch without one, or from the future, counts as now).
   */
  replay(header: BatchHeader, nowMs: number): void {
    if (!isIdempotent(header) || header.baseSequence < 0) return;
    const before = this.#producers.get(header.producerId);
    if (before !== undefined && header.producerEpoch < before.epoch) return;
    const entry = before !== undefined && before.epoch === header.producerEpoch
      ? before
      : { epoch: header.producerEpoch, lastSeq: -1, batches: [] };
    const stamp = header.maxTimestamp >= 0 && header.maxTimestamp <= nowMs
      ? header.maxTimestamp
      : nowMs;
    const lastOffset = header.baseOffset + header.lastOffsetDelta;
    push(
      entry,
      settledBatch(
        header.baseSequence,
        lastSequenceOf(header),
        header.baseOffset,
        lastOffset,
        stamp,
      ),
    );
    this.#touch(header.producerId, entry);
    this.#evictPastBound();
  }

  /** Forgets producers idle for expirationMs at nowMs (those with batches in flight stay). */
  expire(nowMs: number): number {
    let expired = 0;
    for (const [producerId, entry] of this.#producers) {
      const last = entry.batches[entry.batches.length - 1];
      if (last === undefined) {
        this.#producers.delete(producerId);
        expired++;
        continue;
      }
      if (last.baseOffset < 0 || nowMs - last.timestampMs < this.#expirationMs) continue;
      this.#producers.delete(producerId);
      expired++;
    }
    return expired;
  }

  /**
   * What a snapshot at `offset` holds: each producer as of its batches wholly below offset
   * (appends still in flight or past offset are left to the log replay after the snapshot).
   */
  snapshotEntries(offset: number): ProducerSnapshotEntry[] {
    const out: ProducerSnapshotEntry[] = [];
    for (const [producerId, entry] of this.#producers) {
      const kept = entry.batches.filter((b) => b.baseOffset >= 0 && b.lastOffset < offset);
      const last = kept[kept.length - 1];
      if (last === undefined) continue;
      out.push({
        producerId,
        epoch: entry.epoch,
        lastSeq: last.lastSeq,
        lastOffset: last.lastOffset,
        lastTimestampMs: last.timestampMs,
        batches: kept.map(({ firstSeq, lastSeq, baseOffset, lastOffset }) => ({
          firstSeq,
          lastSeq,
          baseOffset,
          lastOffset,
        })),
      });
    }
    return out;
  }

  /** Promises of the batches still being appended (a snapshot waits for them). */
  unsettled(): Promise<void>[] {
    const out: Promise<void>[] = [];
    for (const entry of this.#producers.values()) {
      for (const b of entry.batches) if (b.baseOffset < 0) out.push(b.settled);
    }
    return out;
  }

  /** Replaces the state with a snapshot's, least recently active first; expired ones skipped. */
  restore(entries: readonly ProducerSnapshotEntry[], nowMs: number): void {
    this.#producers.clear();
    const live = entries.filter((e) => nowMs - e.lastTimestampMs < this.#expirationMs);
    live.sort((a, b) => a.lastTimestampMs - b.lastTimestampMs);
    for (const e of live) {
      const batches = e.batches.map((b) =>
        settledBatch(b.firstSeq, b.lastSeq, b.baseOffset, b.lastOffset, e.lastTimestampMs)
      );
      this.#producers.set(e.producerId, { epoch: e.epoch, lastSeq: e.lastSeq, batches });
      this.#evictPastBound();
    }
  }

  clear(): void {
    this.#producers.clear();
  }

  // Most recently active last, so the Map's order is the order of last activity.
  #touch(producerId: number, entry: ProducerEntry): void {
    this.#producers.delete(producerId);
    this.#producers.set(producerId, entry);
  }

  #evictPastBound(): void {
    if (this.#producers.size <= this.#producersMax) return;
    const oldest = this.#producers.keys().next().value as number;
    this.#producers.delete(oldest);
    this.#evictedAtLoad++;
  }
}

function previousSequence(seq: number): number {
  return seq === 0 ? SEQUENCE_MAX : seq - 1;
}

/** The sequence the next batch must start at, or -1 when any sequence is accepted. */
function expectedSequence(entry: ProducerEntry | undefined, epoch: number): number {
  if (entry === undefined) return -1;
  if (entry.epoch !== epoch || entry.lastSeq < 0) return 0;
  return nextSequence(entry.lastSeq);
}

function push(entry: ProducerEntry, batch: PendingBatch): void {
  entry.lastSeq = batch.lastSeq;
  entry.batches.push(batch);
  if (entry.batches.length > PRODUCER_BATCHES_KEPT) entry.batches.shift();
}

const SETTLED: Promise<void> = Promise.resolve();
const noop = () => undefined;

/** A batch already in the log: no promise of its own (rebuilt state may hold many). */
function settledBatch(
  firstSeq: number,
  lastSeq: number,
  baseOffset: number,
  lastOffset: number,
  timestampMs: number,
): PendingBatch {
  return {
    firstSeq,
    lastSeq,
    baseOffset,
    lastOffset,
    timestampMs,
    settled: SETTLED,
    resolve: noop,
    reject: noop,
  };
}

function pendingBatch(firstSeq: number, lastSeq: number, timestampMs: number): PendingBatch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const settled = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The append's own caller gets the failure; this only marks the promise as observed so a
  // rejection nobody else awaits (no duplicate arrived) does not crash the host.
  settled.catch(() => undefined);
  return {
    firstSeq,
    lastSeq,
    baseOffset: -1,
    lastOffset: -1,
    timestampMs,
    settled,
    resolve,
    reject,
  };
}
