// The model checker of the replication simulation. It keeps the committed history (the entries
// below any replica's HW, which every replica must agree on) and checks, after every event:
// - every replica's HW never moves back (but for a restart, which reads its HW checkpoint) and
//   never passes its log end;
// - every leader state's HW never moves back and is at most the log end of every member of its
//   maximal ISR, and those members hold exactly the committed entries below it;
// - every member of the controller's committed ISR holds every committed entry (so any clean
//   election keeps them);
// - no replica truncates an entry it was seen to hold as committed;
// - every acknowledged acks=all record is committed, at its offset.
import { assert } from "../../../src/model/errors.ts";

export interface Entry {
  epoch: number;
  id: number;
}

export interface ReplicaView {
  id: number;
  log: readonly Entry[];
  highWatermark: number;
}

export interface LeaderView {
  replica: number;
  leaderEpoch: number;
  highWatermark: number;
  maximalIsr: readonly number[];
}

function same(a: Entry | undefined, b: Entry | undefined): boolean {
  return a !== undefined && b !== undefined && a.epoch === b.epoch && a.id === b.id;
}

export class ReplicationChecker {
  readonly committed: Entry[] = [];
  readonly #hw = new Map<number, number>();
  readonly #leaderHw = new Map<string, number>();
  /** Per replica: its log is known to equal the committed history below this offset. */
  readonly #matchedUpTo = new Map<number, number>();
  readonly #acked = new Map<number, number>();

  onTruncate(replica: number, endOffset: number): void {
    const matched = this.#matchedUpTo.get(replica) ?? 0;
    assert(
      endOffset >= matched,
      `replica ${replica} truncated to ${endOffset} below ${matched}, committed`,
    );
  }

  /** A restarted replica reads its HW from a lagging checkpoint: its HW may be lower once. */
  onRestart(replica: number): void {
    this.#hw.delete(replica);
  }

  onAcked(offset: number, id: number): void {
    assert(!this.#acked.has(offset), `offset ${offset} acknowledged twice`);
    this.#acked.set(offset, id);
  }

  check(
    replicas: readonly ReplicaView[],
    leaders: readonly LeaderView[],
    isr: readonly number[],
  ): void {
    const byId = new Map(replicas.map((r) => [r.id, r]));
    for (const r of replicas) {
      assert(
        r.highWatermark <= r.log.length,
        `replica ${r.id}: HW ${r.highWatermark} > LEO ${r.log.length}`,
      );
      const before = this.#hw.get(r.id) ?? 0;
      assert(
        r.highWatermark >= before,
        `replica ${r.id}: HW went back ${before} -> ${r.highWatermark}`,
      );
      this.#hw.set(r.id, r.highWatermark);
      this.#extendCommitted(r, r.highWatermark);
    }
    for (const l of leaders) {
      const key = `${l.replica}@${l.leaderEpoch}`;
      const before = this.#leaderHw.get(key) ?? 0;
      assert(
        l.highWatermark >= before,
        `leader ${key}: HW went back ${before} -> ${l.highWatermark}`,
      );
      this.#leaderHw.set(key, l.highWatermark);
      for (const member of l.maximalIsr) {
        const r = byId.get(member);
        assert(r !== undefined, `ISR member ${member} exists`);
        assert(
          l.highWatermark <= r.log.length,
          `leader ${key}: HW ${l.highWatermark} > LEO ${r.log.length} of ISR member ${member}`,
        );
        this.#match(r, l.highWatermark);
      }
    }
    for (const member of isr) {
      const r = byId.get(member);
      assert(r !== undefined, `ISR member ${member} exists`);
      assert(
        r.log.length >= this.committed.length,
        `committed ISR member ${member} has ${r.log.length} < ${this.committed.length} committed`,
      );
      this.#match(r, this.committed.length);
    }
    for (const [offset, id] of this.#acked) {
      assert(this.committed[offset]?.id === id, `acknowledged ${id} at ${offset} is not committed`);
    }
  }

  /** The entries below `hw` on `r` extend the committed history or agree with it. */
  #extendCommitted(r: ReplicaView, hw: number): void {
    const from = this.#matchedUpTo.get(r.id) ?? 0;
    for (let o = from; o < hw; o++) {
      if (o < this.committed.length) {
        assert(same(r.log[o], this.committed[o]), `replica ${r.id} disagrees at committed ${o}`);
      } else {
        assert(o === this.committed.length, "committed history grows in order");
        this.committed.push(r.log[o]);
      }
    }
    if (hw > from) this.#matchedUpTo.set(r.id, hw);
  }

  #match(r: ReplicaView, upTo: number): void {
    const from = this.#matchedUpTo.get(r.id) ?? 0;
    for (let o = from; o < upTo; o++) {
      assert(same(r.log[o], this.committed[o]), `replica ${r.id} disagrees at committed ${o}`);
    }
    if (upTo > from) this.#matchedUpTo.set(r.id, upTo);
  }
}
