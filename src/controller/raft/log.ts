// The in-memory view of a node's Raft log: what it has appended, durable or not. Indexes start at
// 1; entries up to `startIndex` are folded into a snapshot, whose last entry's term is
// `startTerm`.
import { assert } from "../../model/errors.ts";
import type { Entry } from "./types.ts";

export class RaftLog {
  #startIndex: number;
  #startTerm: number;
  #entries: Entry[];

  constructor(startIndex: number, startTerm: number, entries: readonly Entry[]) {
    assert(startIndex >= 0 && startTerm >= 0, "raft log start index and term are non-negative");
    this.#startIndex = startIndex;
    this.#startTerm = startTerm;
    this.#entries = [...entries];
    let term = startTerm;
    for (const entry of entries) {
      assert(entry.term >= term, "raft log terms never decrease along the log");
      term = entry.term;
    }
  }

  get startIndex(): number {
    return this.#startIndex;
  }

  get startTerm(): number {
    return this.#startTerm;
  }

  get lastIndex(): number {
    return this.startIndex + this.#entries.length;
  }

  get lastTerm(): number {
    return this.#entries.length === 0
      ? this.startTerm
      : this.#entries[this.#entries.length - 1].term;
  }

  /** The term of the entry at `index`, or null where the log has none (past its end). */
  termAt(index: number): number | null {
    if (index === this.startIndex) return this.startTerm;
    assert(index > this.startIndex, `raft log index ${index} is not below the snapshot`);
    if (index > this.lastIndex) return null;
    return this.#entries[index - this.startIndex - 1].term;
  }

  entryAt(index: number): Entry {
    assert(index > this.startIndex && index <= this.lastIndex, `raft log has index ${index}`);
    return this.#entries[index - this.startIndex - 1];
  }

  /** Entries [from, toInclusive]. */
  slice(from: number, toInclusive: number): Entry[] {
    assert(from > this.startIndex, `raft log slice from ${from} is above the snapshot`);
    return this.#entries.slice(from - this.startIndex - 1, toInclusive - this.startIndex);
  }

  /** The first index holding `term` at or before `index` (the fast back-off hint). */
  firstIndexOfTerm(term: number, index: number): number {
    let first = index;
    while (first - 1 > this.startIndex && this.termAt(first - 1) === term) first--;
    return first;
  }

  /** The last index whose term is `term`, or null when the log has none of that term. */
  lastIndexOfTerm(term: number): number | null {
    for (let index = this.lastIndex; index > this.startIndex; index--) {
      const at = this.termAt(index) as number;
      if (at === term) return index;
      if (at < term) return null;
    }
    return null;
  }

  /** Whether a log ending at (lastIndex, lastTerm) is at least as up to date as this one (§5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm || (lastTerm === this.lastTerm && lastIndex >= this.lastIndex);
  }

  /** Drops every entry at or after `fromIndex`, then appends `entries`. */
  replaceFrom(fromIndex: number, entries: readonly Entry[]): void {
    assert(
      fromIndex > this.startIndex && fromIndex <= this.lastIndex + 1,
      `raft log write at ${fromIndex} is within (${this.startIndex}, ${this.lastIndex + 1}]`,
    );
    this.#entries.length = fromIndex - this.startIndex - 1;
    for (const entry of entries) {
      assert(entry.term >= this.lastTerm, "raft log terms never decrease along the log");
      this.#entries.push(entry);
    }
  }

  /** Folds the entries up to `index` into the snapshot. */
  compactTo(index: number): void {
    assert(
      index > this.#startIndex && index <= this.lastIndex,
      `raft log compacts to ${index} within it`,
    );
    const term = this.termAt(index) as number;
    this.#entries = this.#entries.slice(index - this.#startIndex);
    this.#startIndex = index;
    this.#startTerm = term;
  }

  /** Replaces the whole log with an installed snapshot ending at (index, term). */
  resetTo(index: number, term: number): void {
    assert(index >= this.#startIndex, "an installed snapshot does not go back");
    this.#entries = [];
    this.#startIndex = index;
    this.#startTerm = term;
  }
}
