// The writer through which the coordinator's operations change state: every change is a record,
// applied to the store at once and handed back to the shell.
import type { GroupStore } from "./group-store.ts";
import type { GroupRecord } from "./records.ts";

/**
 * Operations validate everything before their first write, so a thrown error leaves the state
 * untouched; once writing starts, only an invariant failure (a bug) can interrupt it.
 */
export class RecordWriter {
  readonly records: GroupRecord[] = [];
  readonly #store: GroupStore;

  constructor(store: GroupStore) {
    this.#store = store;
  }

  write(record: GroupRecord): void {
    this.#store.apply(record);
    this.records.push(record);
  }
}
