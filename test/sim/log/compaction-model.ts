// The reference a compacted log is checked against: every record appended (offset, key, value,
// when), which of them were acknowledged durable, and what a full read may and must show.

import type { ReadRecord } from "../../log/cleaner-support.ts";
import { check } from "./log-model.ts";

export interface ModelRecord {
  offset: number;
  key: string;
  /** null: a tombstone. */
  value: string | null;
  appendedMs: number;
  /** Acknowledged durable (durable append, flush or clean close covered it). */
  durable: boolean;
}

export class CompactionModel {
  /** In offset order; only records that may still be in the log. */
  records: ModelRecord[] = [];
  end = 0;
  readonly #deleteRetentionMs: number;

  constructor(deleteRetentionMs: number) {
    this.#deleteRetentionMs = deleteRetentionMs;
  }

  add(entries: ReadonlyArray<readonly [string, string | null]>, nowMs: number): ModelRecord[] {
    const added = entries.map(([key, value]) => ({
      offset: this.end++,
      key,
      value,
      appendedMs: nowMs,
      durable: false,
    }));
    this.records.push(...added);
    return added;
  }

  markAllDurable(): void {
    for (const record of this.records) record.durable = true;
  }

  /** After a crash the log ends at end: nothing durable may be past it. */
  cutAt(end: number): void {
    check(end <= this.end, `the log ends at ${end}, past everything appended (${this.end})`);
    const lost = this.records.filter((r) => r.offset >= end);
    const durable = lost.find((r) => r.durable);
    check(
      durable === undefined,
      `durable record ${JSON.stringify(durable)} lost: the log ends at ${end}`,
    );
    this.records = this.records.filter((r) => r.offset < end);
    this.end = end;
  }

  /**
   * A full read must be records of the model, unchanged and in offset order, and show for every
   * key its latest record: a tombstone may be missing only delete.retention.ms after it was
   * written (the cleaner keeps it that long after first seeing it, which is later).
   */
  checkRead(read: readonly ReadRecord[], nowMs: number): void {
    const byOffset = new Map(this.records.map((r) => [r.offset, r]));
    const lastRead = new Map<string | null, ReadRecord>();
    for (let i = 0; i < read.length; i++) {
      const r = read[i];
      if (i > 0) {
        check(r.offset > read[i - 1].offset, `offsets go ${read[i - 1].offset}, ${r.offset}`);
      }
      const m = byOffset.get(r.offset);
      check(
        m !== undefined && m.key === r.key && m.value === r.value,
        `read ${JSON.stringify(r)}, the model has ${JSON.stringify(m)}`,
      );
      lastRead.set(r.key, r);
    }
    for (const latest of this.#latest().values()) {
      const shown = lastRead.get(latest.key);
      if (shown === undefined && latest.value === null) {
        check(
          nowMs >= latest.appendedMs + this.#deleteRetentionMs,
          `tombstone ${latest.offset} of ${latest.key} gone ${nowMs - latest.appendedMs} ms ` +
            `after it was written (delete.retention.ms ${this.#deleteRetentionMs})`,
        );
        continue;
      }
      check(
        shown?.offset === latest.offset,
        `key ${latest.key}: latest is ${JSON.stringify(latest)}, the log shows ${
          JSON.stringify(shown)
        }`,
      );
    }
  }

  /** Keys whose latest record is a tombstone the log no longer shows. */
  tombstonesGone(read: readonly ReadRecord[]): number {
    const shown = new Set(read.map((r) => r.key));
    return [...this.#latest().values()].filter((r) => r.value === null && !shown.has(r.key))
      .length;
  }

  #latest(): Map<string, ModelRecord> {
    const latest = new Map<string, ModelRecord>();
    for (const r of this.records) latest.set(r.key, r);
    return latest;
  }
}

/** Below a finished pass's checkpoint every key has at most one record. */
export function checkCompacted(read: readonly ReadRecord[], cleanedUpTo: number): void {
  const seen = new Map<string | null, number>();
  for (const r of read) {
    if (r.offset >= cleanedUpTo) break;
    const before = seen.get(r.key);
    check(
      before === undefined,
      `key ${r.key} at ${before} and ${r.offset}, both below cleanedUpTo ${cleanedUpTo}`,
    );
    seen.set(r.key, r.offset);
  }
}
