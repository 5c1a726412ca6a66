// The safety properties of Raft (paper Figure 3), checked by the simulation as events happen.
// Entries are compared by term and payload: every payload the simulation proposes is unique.
import type { RaftNode } from "../../../src/controller/raft/node.ts";
import type { Entry } from "../../../src/controller/raft/types.ts";
import { entryKey } from "./entry-key.ts";
import type { SimDisk } from "./sim-disk.ts";

export { entryKey };

export class SimChecks {
  readonly #majority: number;
  /** Election safety: the one leader of each term. */
  readonly #leaderOfTerm = new Map<number, number>();
  /** Log matching: what (index, term) holds, and the term before it, wherever it appears. */
  readonly #entryAt = new Map<string, { key: string; prevTerm: number | null }>();
  /** Keys of the committed entries, index 1 first. */
  readonly #committed: string[] = [];
  readonly #committedIndex = new Map<string, number>();
  readonly #termOf = new Map<number, number>();
  /** "voter:term" -> the candidate it voted for: one vote per term, across restarts too. */
  readonly #voteOf = new Map<string, number>();

  constructor(nodeCount: number) {
    this.#majority = Math.floor(nodeCount / 2) + 1;
  }

  get committedCount(): number {
    return this.#committed.length;
  }

  /** How many terms had a leader. */
  get leaderTerms(): number {
    return this.#leaderOfTerm.size;
  }

  committedKeys(count: number): string[] {
    if (count > this.#committed.length) throw new Error(`only ${this.#committed.length} committed`);
    return this.#committed.slice(0, count);
  }

  indexOfCommitted(key: string): number | null {
    return this.#committedIndex.get(key) ?? null;
  }

  afterStep(id: number, raft: RaftNode, disk: SimDisk): void {
    const last = this.#termOf.get(id) ?? 0;
    check(
      raft.term >= last && raft.term === disk.term,
      `n${id}: term ${raft.term} is durable and never goes back`,
    );
    this.#termOf.set(id, raft.term);
    if (raft.role === "leader") this.#oneLeader(raft.term, id);
  }

  #oneLeader(term: number, id: number): void {
    const leader = this.#leaderOfTerm.get(term);
    check(leader === undefined || leader === id, `term ${term} has leaders n${leader} and n${id}`);
    this.#leaderOfTerm.set(term, id);
  }

  onVote(voter: number, candidate: number, term: number): void {
    const key = `${voter}:${term}`;
    const earlier = this.#voteOf.get(key);
    check(
      earlier === undefined || earlier === candidate,
      `n${voter} votes for n${earlier} and n${candidate} in term ${term}`,
    );
    this.#voteOf.set(key, candidate);
  }

  /** The node's in-memory log already holds the write. */
  onAppend(id: number, raft: RaftNode, fromIndex: number, entries: readonly Entry[]): void {
    for (let i = 0; i < entries.length; i++) {
      const index = fromIndex + i;
      const key = entryKey(entries[i]);
      const prevTerm = raft.log.termAt(index - 1);
      const where = `${index}:${entries[i].term}`;
      const seen = this.#entryAt.get(where);
      check(
        seen === undefined || (seen.key === key && seen.prevTerm === prevTerm),
        `log matching: n${id} holds ${key} (after term ${prevTerm}) at ${where}, elsewhere ` +
          `${seen?.key} (after term ${seen?.prevTerm})`,
      );
      this.#entryAt.set(where, { key, prevTerm });
      if (index <= this.#committed.length) {
        check(this.#committed[index - 1] === key, `n${id} writes ${key} over committed ${index}`);
      }
    }
  }

  onDiskWrite(id: number, disk: SimDisk, fromIndex: number, entries: readonly Entry[]): void {
    const end = Math.min(disk.lastIndex, this.#committed.length);
    for (let index = fromIndex; index <= end; index++) {
      if (disk.keyAt(index) !== this.#committed[index - 1]) continue;
      const replacement = entries[index - fromIndex];
      check(
        replacement !== undefined && entryKey(replacement) === this.#committed[index - 1],
        `n${id}'s disk loses committed entry ${index}`,
      );
    }
  }

  onCommit(
    id: number,
    appliedCount: number,
    fromIndex: number,
    entries: readonly Entry[],
    nodes: readonly { disk: SimDisk }[],
  ): void {
    check(fromIndex === appliedCount + 1, `n${id} applies ${fromIndex} after ${appliedCount}`);
    for (let i = 0; i < entries.length; i++) {
      const index = fromIndex + i;
      const key = entryKey(entries[i]);
      if (index <= this.#committed.length) {
        check(
          this.#committed[index - 1] === key,
          `n${id} commits ${key} at ${index}, others ${this.#committed[index - 1]}`,
        );
        continue;
      }
      check(index === this.#committed.length + 1, `commits are contiguous`);
      let durable = 0;
      for (const node of nodes) {
        if (node.disk.keyAt(index) === key) durable++;
      }
      check(
        durable >= this.#majority,
        `n${id} commits ${key} at ${index}, durable on only ${durable}`,
      );
      this.#committed.push(key);
      this.#committedIndex.set(key, index);
    }
  }

  /** A snapshot (taken or installed) holds exactly the committed entries up to its index. */
  onSnapshot(id: number, index: number, keys: readonly string[]): void {
    check(keys.length === index, `n${id}'s snapshot at ${index} holds ${keys.length} entries`);
    for (let i = 1; i <= index; i++) {
      check(keys[i - 1] === this.#committed[i - 1], `n${id}'s snapshot differs at committed ${i}`);
    }
  }

  /** Leader completeness: a new leader holds every entry committed so far. */
  onBecomeLeader(id: number, raft: RaftNode): void {
    this.#oneLeader(raft.term, id);
    check(raft.log.lastIndex >= this.#committed.length, `leader n${id} lacks committed entries`);
    // What its snapshot covers was checked when the snapshot was taken or installed.
    for (let index = raft.log.startIndex + 1; index <= this.#committed.length; index++) {
      const key = entryKey(raft.log.entryAt(index));
      check(
        key === this.#committed[index - 1],
        `leader n${id} of term ${raft.term} has ${key} at committed ${index}`,
      );
    }
  }
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`raft simulation: ${message}`);
}
