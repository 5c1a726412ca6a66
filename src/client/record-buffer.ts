// Records fetched ahead of poll(), in arrival order, as chunks tagged with the assignment epoch
// they were fetched under; a chunk whose epoch is behind its assignment's is skipped unread.

import type { Assignment } from "./assignment.ts";
import type { ConsumerRecord } from "./fetched-records.ts";

interface Chunk {
  readonly assignment: Assignment;
  readonly epoch: number;
  readonly records: ConsumerRecord[];
  index: number;
}

export class RecordBuffer {
  readonly #chunks: Chunk[] = [];
  #buffered = 0;

  /** Records buffered and not yet taken (stale chunks count until they are dropped). */
  get size(): number {
    return this.#buffered;
  }

  push(assignment: Assignment, epoch: number, records: ConsumerRecord[]): void {
    this.#chunks.push({ assignment, epoch, records, index: 0 });
    this.#buffered += records.length;
  }

  /** Up to maxRecords current records; advances each one's position and notes it in handedOut. */
  take(maxRecords: number, handedOut: Set<Assignment>): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    while (out.length < maxRecords && this.#chunks.length > 0) {
      const chunk = this.#chunks[0];
      const a = chunk.assignment;
      if (chunk.epoch !== a.epoch || chunk.index >= chunk.records.length) {
        this.#chunks.shift();
        this.#buffered -= chunk.records.length - chunk.index;
        continue;
      }
      const record = chunk.records[chunk.index++];
      this.#buffered--;
      a.position = record.offset + 1;
      handedOut.add(a);
      out.push(record);
    }
    return out;
  }

  /** Drops chunks of an older epoch or of an assignment that isCurrent() no longer owns. */
  dropStale(isCurrent: (a: Assignment) => boolean): void {
    for (let i = this.#chunks.length - 1; i >= 0; i--) {
      const chunk = this.#chunks[i];
      if (chunk.epoch === chunk.assignment.epoch && isCurrent(chunk.assignment)) continue;
      this.#buffered -= chunk.records.length - chunk.index;
      this.#chunks.splice(i, 1);
    }
  }
}
