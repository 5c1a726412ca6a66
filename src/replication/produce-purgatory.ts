// When an acks=all produce may be appended and when its answer goes out, as decisions over
// offsets: the driver appends, registers the waiter, and feeds in HW moves, ISR changes and the
// clock; what comes back is which waiters to answer and with what.
//
// - Admission: acks=all is refused with NOT_ENOUGH_REPLICAS, before anything is written, while
//   the minimal ISR (isr-state.ts) is smaller than min.insync.replicas. acks=1 and acks=0 are not
//   checked (Kafka's rule).
// - Completion: once HW >= lastOffset + 1 every maximal-ISR member holds the batch. If by then
//   the minimal ISR is below min.insync.replicas the batch is written but not on as many
//   electable copies as promised: NOT_ENOUGH_REPLICAS_AFTER_APPEND (Kafka's rule, checked when
//   the HW passes, not when the ISR shrinks: a smaller ISR usually lets the HW pass at once).
// - REQUEST_TIMED_OUT when the deadline passes first; the batch stays in the log.
// Waiters are registered in append order, so they are ordered by offset and complete from the
// front; the count is bounded (waitersMax) and the driver checks hasRoom before appending.
import { assert, type ErrorCodeName } from "../model/errors.ts";

export interface ProducePurgatoryOptions {
  waitersMax: number;
}

export type ProduceCode =
  | "NOT_ENOUGH_REPLICAS"
  | "NOT_ENOUGH_REPLICAS_AFTER_APPEND"
  | "REQUEST_TIMED_OUT";

export interface ProduceCompletion<K> {
  key: K;
  /** null = acknowledged. */
  code: ProduceCode | ErrorCodeName | null;
}

interface Waiter<K> {
  key: K;
  requiredOffset: number;
  deadlineMs: number;
}

/** Whether an acks=all produce may be appended now. */
export function acksAllAdmission(
  minimalIsrSize: number,
  minInsyncReplicas: number,
): "NOT_ENOUGH_REPLICAS" | null {
  assert(minInsyncReplicas >= 1, "min.insync.replicas >= 1");
  return minimalIsrSize < minInsyncReplicas ? "NOT_ENOUGH_REPLICAS" : null;
}

export class ProducePurgatory<K> {
  readonly #waitersMax: number;
  #waiters: Waiter<K>[] = [];

  constructor(options: ProducePurgatoryOptions) {
    assert(Number.isSafeInteger(options.waitersMax) && options.waitersMax > 0, "waitersMax > 0");
    this.#waitersMax = options.waitersMax;
  }

  get size(): number {
    return this.#waiters.length;
  }
  get hasRoom(): boolean {
    return this.#waiters.length < this.#waitersMax;
  }

  /** A batch appended up to `lastOffset` (inclusive) waits for the HW until `deadlineMs`. */
  add(key: K, lastOffset: number, deadlineMs: number): void {
    assert(this.hasRoom, "the driver checks hasRoom before appending");
    const requiredOffset = lastOffset + 1;
    const last = this.#waiters[this.#waiters.length - 1];
    assert(
      last === undefined || last.requiredOffset < requiredOffset,
      "waiters join in offset order",
    );
    this.#waiters.push({ key, requiredOffset, deadlineMs });
  }

  /** Answers every waiter the HW has passed, judged by the minimal ISR's size now. */
  onHighWatermark(
    highWatermark: number,
    minimalIsrSize: number,
    minInsyncReplicas: number,
  ): ProduceCompletion<K>[] {
    let done = 0;
    while (done < this.#waiters.length && this.#waiters[done].requiredOffset <= highWatermark) {
      done++;
    }
    if (done === 0) return [];
    const code = minimalIsrSize < minInsyncReplicas ? "NOT_ENOUGH_REPLICAS_AFTER_APPEND" : null;
    return this.#waiters.splice(0, done).map((w) => ({ key: w.key, code }));
  }

  /** Answers REQUEST_TIMED_OUT to every waiter whose deadline is at or before `nowMs`. */
  expire(nowMs: number): ProduceCompletion<K>[] {
    const expired: ProduceCompletion<K>[] = [];
    const kept: Waiter<K>[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.deadlineMs <= nowMs) expired.push({ key: waiter.key, code: "REQUEST_TIMED_OUT" });
      else kept.push(waiter);
    }
    this.#waiters = kept;
    return expired;
  }

  /** When the driver's timer must fire next; null when nothing waits. */
  nextDeadlineMs(): number | null {
    let next: number | null = null;
    for (const waiter of this.#waiters) {
      if (next === null || waiter.deadlineMs < next) next = waiter.deadlineMs;
    }
    return next;
  }

  /** Answers every waiter with `code` (NOT_LEADER_OR_FOLLOWER when leadership is lost). */
  failAll(code: ErrorCodeName): ProduceCompletion<K>[] {
    const all = this.#waiters.map((w) => ({ key: w.key, code }));
    this.#waiters = [];
    return all;
  }
}
