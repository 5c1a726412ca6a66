// The acks=all produces of one leader partition waiting for the HW, as promises over the
// ProducePurgatory's decisions. The purgatory wants waiters in offset order; appends that
// finish out of order (concurrent produces) join the last waiter instead when it ends at or
// past their offset: it completes no earlier than they may, and at most one fetch later.
import { type ErrorCodeName } from "../../model/errors.ts";
import { type ProduceCompletion, ProducePurgatory } from "../produce-purgatory.ts";

export type AcksOutcome = ErrorCodeName | null;

interface Group {
  requiredOffset: number;
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
      const group: Group = { requiredOffset: lastOffset + 1, resolves: [resolve] };
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
