// Position tracking: the assigned partitions, the records buffered for them, and the two wake-up
// signals between the fetch loop (which fills the buffer) and poll() (which drains it).

import type { Timers } from "../../runtime/types.ts";
import { TributaryError } from "../model/errors.ts";
import { type Assignment, type ResetKind, tpKey } from "./assignment.ts";
import type { ConsumerRecord, TopicPartition } from "./fetched-records.ts";
import { Notifier } from "./notifier.ts";
import { RecordBuffer } from "./record-buffer.ts";

export class Positions {
  readonly assigned = new Map<string, Assignment>();
  readonly buffer = new RecordBuffer();
  /** Assignments the latest poll() handed records from: processed once poll() is called again. */
  readonly handedOut = new Set<Assignment>();
  readonly dataArrived: Notifier;
  readonly spaceFreed: Notifier;

  constructor(timers: Pick<Timers, "setTimeout">) {
    this.dataArrived = new Notifier(timers);
    this.spaceFreed = new Notifier(timers);
  }

  get(tp: TopicPartition): Assignment {
    const a = this.assigned.get(tpKey(tp));
    if (!a) {
      throw new TributaryError("INVALID_REQUEST", `${tp.topic}-${tp.partition} is not assigned`);
    }
    return a;
  }

  select(tps: TopicPartition[] | undefined): Assignment[] {
    return tps === undefined ? [...this.assigned.values()] : tps.map((tp) => this.get(tp));
  }

  /** Calls f for each of tps that is assigned; the others are skipped. */
  each(tps: TopicPartition[], f: (a: Assignment) => void): void {
    for (const tp of tps) {
      const a = this.assigned.get(tpKey(tp));
      if (a) f(a);
    }
  }

  take(maxRecords: number): ConsumerRecord[] {
    const out = this.buffer.take(maxRecords, this.handedOut);
    if (out.length > 0) this.spaceFreed.notify();
    return out;
  }

  reposition(a: Assignment, offset: number | null, reset: ResetKind | null): void {
    a.epoch++;
    a.position = offset;
    a.fetchOffset = offset;
    a.processed = offset;
    a.reset = reset;
    this.dropStale();
    this.spaceFreed.notify();
  }

  dropStale(): void {
    this.buffer.dropStale((a) => this.assigned.get(tpKey(a.tp)) === a);
  }

  markProcessed(): void {
    for (const a of this.handedOut) a.processed = a.position;
    this.handedOut.clear();
  }
}
