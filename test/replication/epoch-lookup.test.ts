import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/model/errors.ts";
import {
  appendEpoch,
  assertEpochEntries,
  endOffsetForEpoch,
  truncateEpochEntries,
} from "../../src/replication/epoch-lookup.ts";

const ENTRIES = [
  { epoch: 2, startOffset: 0 },
  { epoch: 4, startOffset: 10 },
  { epoch: 5, startOffset: 15 },
];

describe("endOffsetForEpoch (OffsetForLeaderEpoch semantics)", () => {
  it("the latest epoch ends at the log end", () => {
    expect(endOffsetForEpoch(ENTRIES, 20, 5)).toEqual({ epoch: 5, endOffset: 20 });
  });
  it("an earlier epoch ends where the next begins; a missing one answers the one below it", () => {
    expect(endOffsetForEpoch(ENTRIES, 20, 4)).toEqual({ epoch: 4, endOffset: 15 });
    expect(endOffsetForEpoch(ENTRIES, 20, 3)).toEqual({ epoch: 2, endOffset: 10 });
  });
  it("an epoch below every entry ends where the first begins; above every one is undefined", () => {
    expect(endOffsetForEpoch(ENTRIES, 20, 1)).toEqual({ epoch: 1, endOffset: 0 });
    expect(endOffsetForEpoch(ENTRIES, 20, 6)).toEqual({ epoch: -1, endOffset: -1 });
    expect(endOffsetForEpoch([], 0, 1)).toEqual({ epoch: -1, endOffset: -1 });
  });
  it("truncation drops the epochs starting at or after the new end", () => {
    expect(truncateEpochEntries(ENTRIES, 15)).toEqual(ENTRIES.slice(0, 2));
    expect(truncateEpochEntries(ENTRIES, 16)).toEqual(ENTRIES);
  });
  it("an append in a new epoch adds an entry, in the same epoch none, in an older one asserts", () => {
    expect(appendEpoch(ENTRIES, 5, 20)).toEqual(ENTRIES);
    expect(appendEpoch(ENTRIES, 6, 20)).toEqual([...ENTRIES, { epoch: 6, startOffset: 20 }]);
    expect(() => appendEpoch(ENTRIES, 4, 20)).toThrow(InvariantViolation);
  });
  it("entries must ascend", () => {
    expect(() => assertEpochEntries([ENTRIES[1], ENTRIES[0]], 20)).toThrow(InvariantViolation);
    expect(() => assertEpochEntries(ENTRIES, 12)).toThrow(InvariantViolation);
  });
});
