// assignment.ts: keys that never collide, and a fresh assignment that owns its own copy.
import { describe, expect, it } from "vitest";
import { newAssignment, tpKey } from "../../../src/client/assignment.ts";

describe("tpKey", () => {
  it("tells apart pairs whose plain concatenation would be the same", () => {
    const keys = [
      tpKey({ topic: "a1", partition: 0 }),
      tpKey({ topic: "a", partition: 10 }),
      tpKey({ topic: "1a", partition: 0 }),
      tpKey({ topic: "a", partition: 1 }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(tpKey({ topic: "a", partition: 1 })).toBe(tpKey({ topic: "a", partition: 1 }));
  });
});

describe("newAssignment", () => {
  it("starts without a position, active, at epoch 0, with the reset kind asked for", () => {
    const tp = { topic: "t", partition: 3 };
    const a = newAssignment(tp, "committed");
    expect(a).toEqual({
      tp: { topic: "t", partition: 3 },
      position: null,
      fetchOffset: null,
      reset: "committed",
      epoch: 0,
      active: true,
      processed: null,
      committed: null,
    });
    tp.partition = 4; // the caller's object is not shared
    expect(a.tp.partition).toBe(3);
  });
});
