// What a classic operation hands back besides its records: answers to requests that are
// waiting (a JoinGroup until the rebalance completes, a SyncGroup until the leader's
// assignment is stored). The shell keeps the waiters, keyed by waitId, and delivers these once
// the records of the same step are durable.
import type {
  ClassicJoinResponse,
  ClassicSyncResponse,
} from "./api.ts";
import type { RecordWriter } from "../record-writer.ts";
import type { GroupRecord } from "../records.ts";
import { type ErrorCodeName, TributaryError } from "../../model/errors.ts";

export type ClassicCompletion =
  | { waitId: number; kind: "join"; response: ClassicJoinResponse }
  | { waitId: number; kind: "sync"; response: ClassicSyncResponse }
  | { waitId: number; kind: "error"; error: TributaryError };

/** Answered now, or later by the completion with this waitId. */
export type ClassicOutcome<T> = { done: T } | { waitId: number };

export interface ClassicResult<T> {
  outcome: ClassicOutcome<T>;
  records: GroupRecord[];
  completions: ClassicCompletion[];
}

export interface ClassicTickResult {
  records: GroupRecord[];
  completions: ClassicCompletion[];
  nextDeadlineMs: number | null;
}

/** One step's records (through the shared writer) and completions. */
export class ClassicEffects {
  readonly w: RecordWriter;
  readonly completions: ClassicCompletion[] = [];
  readonly #newWaitId: () => number;

  constructor(w: RecordWriter, newWaitId: () => number) {
    this.w = w;
    this.#newWaitId = newWaitId;
  }

  newWait(): number {
    return this.#newWaitId();
  }

  fail(waitId: number | null, code: ErrorCodeName, message: string): void {
    if (waitId === null) return;
    this.completions.push({ waitId, kind: "error", error: new TributaryError(code, message) });
  }
}
