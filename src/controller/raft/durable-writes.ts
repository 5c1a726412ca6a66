// Which prefix of a node's in-memory log is also on disk. Log writes complete in order, but a
// later write may cut the log below an earlier one's end: when the earlier one completes, the
// disk matches memory only up to that cut. A write is "drop from fromIndex, store up to
// lastIndex" (an installed snapshot is one too, cutting at the old commit index).
import { assert } from "../../model/errors.ts";

interface PendingWrite {
  writeId: number;
  fromIndex: number;
  lastIndex: number;
}

export class DurableWrites {
  readonly #pending: PendingWrite[] = [];
  #nextWriteId = 1;
  #persistedIndex: number;

  constructor(persistedIndex: number) {
    this.#persistedIndex = persistedIndex;
  }

  /** Entries up to here are durable and equal to the in-memory ones. */
  get persistedIndex(): number {
    return this.#persistedIndex;
  }

  /** Records a write that drops entries from fromIndex on and then ends the log at lastIndex. */
  begin(fromIndex: number, lastIndex: number): number {
    const writeId = this.#nextWriteId++;
    this.#pending.push({ writeId, fromIndex, lastIndex });
    this.#persistedIndex = Math.min(this.#persistedIndex, fromIndex - 1);
    return writeId;
  }

  /** The write `writeId` and every earlier one are durable. */
  complete(writeId: number): void {
    const pending = this.#pending;
    assert(
      pending.length > 0 && pending[0].writeId <= writeId,
      `raft write ${writeId} was pending`,
    );
    let done = pending[0];
    while (pending.length > 0 && pending[0].writeId <= writeId) {
      done = pending.shift() as PendingWrite;
    }
    assert(done.writeId === writeId, `raft write ${writeId} was pending`);
    let durable = done.lastIndex;
    for (const later of pending) durable = Math.min(durable, later.fromIndex - 1);
    this.#persistedIndex = durable;
  }
}
