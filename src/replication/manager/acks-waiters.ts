// The acks=all produces of one leader partition waiting for the HW, as promises over the
// ProducePurgatory's decisions. The purgatory wants waiters in offset order; appends that
// finish out of order (concurrent produces) join the last waiter instead when it ends at or
// past their offset: it completes no earlier than they may, and at most one fetch later.
//
// Handover (controlled shutdown, or any leader moved away while it lives on as a follower):
// handOver() takes the waiters out as HandedOverAcks instead of failing them. The follower
// that the old leader becomes completes a waiter once the new leader's HW passes it and its own
// log still holds those offsets after its truncation to the new leader's epoch end (the prefix
// the truncation keeps is the new leader's too); the rest are answered NOT_LEADER_OR_FOLLOWER,
// which the producer retries at the new leader.
import { type ErrorCodeName } from "../../model/errors.ts";
import { type ProduceCompletion, ProducePurgatory } from "../produce-purgatory.ts";

export type AcksOutcome = ErrorCodeName | null;

interface Group {
  requiredOffset: number;
  deadlineMs: number;
  resolves: ((outcome: AcksOutcome) => void)[];
}

export class AcksWaiters {
  readonly #purgatory: ProducePurgatory<Group>;
  readonly #waitersMax: number;
  /** The groups in the purgatory, in its order. */
  #live: Group[] = [];
  #count = 0;

  constructor(waitersMax: number) {
    this.#waitersMax = waitersMax;
    this.#purgatory = new ProducePurgatory({ waitersMax });
  }

  get size(): number {
    return this.#count;
  }
  get hasRoom(): boolean {
    return this.#count < this.#waitersMax && this.#purgatory.hasRoom;
  }

  /** Waits for HW > lastOffset; the caller checked hasRoom and that the HW is not past it. */
  add(lastOffset: number, deadlineMs: number): Promise<AcksOutcome> {
    return new Promise((resolve) => {
      this.#count++;
      const last = this.#live.at(-1);
      if (last !== undefined && last.requiredOffset >= lastOffset + 1) {
        last.resolves.push(resolve);
        return;
      }
      const group: Group = { requiredOffset: lastOffset + 1, deadlineMs, resolves: [resolve] };
      this.#purgatory.add(group, lastOffset, deadlineMs);
      this.#live.push(group);
    });
  }

  onHighWatermark(highWatermark: number, minimalIsrSize: number, minInsync: number): void {
    this.#finish(this.#purgatory.onHighWatermark(highWatermark, minimalIsrSize, minInsync));
  }

  expire(nowMs: number): void {
    this.#finish(this.#purgatory.expire(nowMs));
  }

  failAll(code: ErrorCodeName): void {
    this.#finish(this.#purgatory.failAll(code));
  }

  nextDeadlineMs(): number | null {
    return this.#purgatory.nextDeadlineMs();
  }

  /** Moves every waiter out, unanswered, to be completed by the follower this leader becomes. */
  handOver(): HandedOverAcks {
    const groups = this.#live;
    this.#purgatory.failAll("NOT_LEADER_OR_FOLLOWER"); // dropped: the groups live on below
    this.#live = [];
    this.#count = 0;
    return new HandedOverAcks(groups);
  }

  #finish(done: ProduceCompletion<Group>[]): void {
    if (done.length === 0) return;
    const finished = new Set(done.map((d) => d.key));
    this.#live = this.#live.filter((g) => !finished.has(g));
    for (const { key, code } of done) {
      this.#count -= key.resolves.length;
      for (const resolve of key.resolves) resolve(code);
    }
  }
}

/** A resigned leader's acks=all waiters, in offset order, as its follower role holds them. */
export class HandedOverAcks {
  #groups: Group[];

  constructor(groups: Group[]) {
    this.#groups = groups;
  }

  get size(): number {
    let n = 0;
    for (const g of this.#groups) n += g.resolves.length;
    return n;
  }

  /** The follower cut its log to endOffset: what lay at or past it is not the new leader's. */
  onTruncate(endOffset: number): void {
    this.#settle((g) => g.requiredOffset > endOffset, "NOT_LEADER_OR_FOLLOWER");
  }

  /** The new leader's HW, as far as this follower's log holds it. */
  onHighWatermark(highWatermark: number): void {
    this.#settle((g) => g.requiredOffset <= highWatermark, null);
  }

  expire(nowMs: number): void {
    this.#settle((g) => g.deadlineMs <= nowMs, "REQUEST_TIMED_OUT");
  }

  failAll(code: ErrorCodeName): void {
    this.#settle(() => true, code);
  }

  #settle(test: (g: Group) => boolean, outcome: AcksOutcome): void {
    const done = this.#groups.filter(test);
    if (done.length === 0) return;
    this.#groups = this.#groups.filter((g) => !test(g));
    for (const g of done) for (const resolve of g.resolves) resolve(outcome);
  }
}
