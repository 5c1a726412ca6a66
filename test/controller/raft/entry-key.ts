// Entries of the simulation compared by term and payload: every payload it proposes is unique.
import type { Entry } from "../../../src/controller/raft/types.ts";

const decoder = new TextDecoder();

export function entryKey(entry: Entry): string {
  return `${entry.term}|${entry.data === null ? "no-op" : decoder.decode(entry.data)}`;
}
