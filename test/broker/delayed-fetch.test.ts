import { describe, expect, it } from "vitest";
import { FetchPurgatory, partitionKey } from "../../src/broker/delayed-fetch.ts";

/** Timers that fire only when the test says so. */
function manualTimers() {
  const pending = new Set<() => void>();
  return {
    setTimeout(fn: () => void) {
      pending.add(fn);
      return { cancel: () => pending.delete(fn) };
    },
    fireAll() {
      for (const fn of [...pending]) {
        pending.delete(fn);
        fn();
      }
    },
    get pendingCount() {
      return pending.size;
    },
  };
}

describe("FetchPurgatory", () => {
  const k = partitionKey("t", 0);

  it("wakes a fetch once enough bytes were appended, and only once", () => {
    const timers = manualTimers();
    const purgatory = new FetchPurgatory(timers);
    let completed = 0;
    purgatory.park({ keys: [k], bytesNeeded: 100, waitMs: 1000, complete: () => completed++ });
    purgatory.onAppend(partitionKey("t", 1), 500);
    purgatory.onAppend(k, 60);
    expect(completed).toBe(0);
    purgatory.onAppend(k, 60);
    expect(completed).toBe(1);
    expect(timers.pendingCount).toBe(0);
    purgatory.onAppend(k, 60);
    timers.fireAll();
    expect(completed).toBe(1);
    expect(purgatory.parkedCount).toBe(0);
  });

  it("completes on timeout, on abort, and on completeAll", () => {
    const timers = manualTimers();
    const purgatory = new FetchPurgatory(timers);
    const done: string[] = [];
    const controller = new AbortController();
    purgatory.park({ keys: [k], bytesNeeded: 1, waitMs: 10, complete: () => done.push("timer") });
    timers.fireAll();
    purgatory.park({
      keys: [k],
      bytesNeeded: 1,
      waitMs: 10,
      signal: controller.signal,
      complete: () => done.push("abort"),
    });
    controller.abort();
    purgatory.park({ keys: [], bytesNeeded: 1, waitMs: 10, complete: () => done.push("close") });
    purgatory.completeAll();
    expect(done).toEqual(["timer", "abort", "close"]);
    expect(purgatory.parkedCount).toBe(0);
  });

  it("refuses to park beyond its bound", () => {
    const purgatory = new FetchPurgatory(manualTimers(), { parkedMax: 2 });
    const park = () =>
      purgatory.park({ keys: [k], bytesNeeded: 1, waitMs: 10, complete: () => {} });
    expect([park(), park(), park()]).toEqual([true, true, false]);
  });
});
