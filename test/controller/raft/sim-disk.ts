// One simulated node's durable state: term and vote, the latest snapshot, and the log behind it.
// Only what was written here survives a crash.
import type { Entry, PersistentState } from "../../../src/controller/raft/types.ts";
import { entryKey } from "./entry-key.ts";

export interface SimSnapshot {
  index: number;
  term: number;
  data: Uint8Array;
  /** The applied entries' keys the snapshot holds, index 1 first. */
  keys: readonly string[];
}

export class SimDisk {
  term = 0;
  votedFor: number | null = null;
  snapshot: SimSnapshot | null = null;
  /** Stored entries start after this index (the last compaction or installed snapshot). */
  logStart = 0;
  entries: Entry[] = [];

  /** The key of what the disk holds at `index` (in the snapshot or the log), if anything. */
  keyAt(index: number): string | undefined {
    if (this.snapshot !== null && index <= this.snapshot.index) {
      return this.snapshot.keys[index - 1];
    }
    const entry = index > this.logStart ? this.entries[index - this.logStart - 1] : undefined;
    return entry === undefined ? undefined : entryKey(entry);
  }

  get lastIndex(): number {
    return this.logStart + this.entries.length;
  }

  append(fromIndex: number, entries: readonly Entry[]): void {
    if (fromIndex <= this.logStart) {
      throw new Error(`append at ${fromIndex} below the stored log start ${this.logStart}`);
    }
    this.entries.length = Math.min(this.entries.length, fromIndex - this.logStart - 1);
    if (this.lastIndex !== fromIndex - 1) throw new Error(`append at ${fromIndex} leaves a gap`);
    this.entries.push(...entries);
  }

  install(snapshot: SimSnapshot): void {
    // The node may have applied past it and saved a newer snapshot of its own meanwhile.
    if (this.snapshot === null || this.snapshot.index < snapshot.index) this.snapshot = snapshot;
    this.logStart = snapshot.index;
    this.entries = [];
  }

  compact(index: number): void {
    if (index <= this.logStart) return;
    this.entries = this.entries.slice(index - this.logStart);
    this.logStart = index;
  }

  /**
   * What a restarted node is built from. Recovery first drops stored entries the snapshot covers
   * (all of them when the log ends before it: the snapshot may be ahead of the durable log).
   */
  load(): PersistentState {
    const snapshot = this.snapshot;
    if (snapshot !== null && snapshot.index > this.logStart) {
      if (this.lastIndex >= snapshot.index) {
        this.compact(snapshot.index);
      } else {
        this.entries = [];
        this.logStart = snapshot.index;
      }
    }
    return {
      term: this.term,
      votedFor: this.votedFor,
      logStartIndex: this.logStart,
      logStartTerm: snapshot?.term ?? 0,
      entries: [...this.entries],
      snapshot: snapshot?.data ?? null,
    };
  }
}
