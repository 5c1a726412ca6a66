// positions.ts: lookups of assigned partitions, the wake-ups between fetch loop and poll(),
// repositioning, and what poll() marks processed.
import { describe, expect, it } from "vitest";
import { newAssignment, tpKey } from "../../../src/client/assignment.ts";
import { Positions } from "../../../src/client/positions.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { records, rt, tp0, tp1 } from "./support.ts";

function withTwo() {
  const positions = new Positions(rt.timers);
  const a = newAssignment(tp0, null);
  const b = newAssignment(tp1, null);
  positions.assigned.set(tpKey(tp0), a);
  positions.assigned.set(tpKey(tp1), b);
  return { positions, a, b };
}

describe("Positions", () => {
  it("get() refuses a partition that is not assigned; each() skips it", () => {
    const { positions, a } = withTwo();
    expect(positions.get(tp0)).toBe(a);
    let thrown: unknown;
    try {
      positions.get({ topic: "t", partition: 9 });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TributaryError);
    expect((thrown as TributaryError).code).toBe("INVALID_REQUEST");
    const seen: number[] = [];
    positions.each([tp1, { topic: "t", partition: 9 }], (x) => seen.push(x.tp.partition));
    expect(seen).toEqual([1]);
    expect(positions.select(undefined)).toHaveLength(2);
    expect(positions.select([tp1]).map((x) => x.tp.partition)).toEqual([1]);
  });

  it("take() wakes a fetch loop waiting for space, only when records left the buffer", async () => {
    const { positions, a } = withTwo();
    let notifications = 0;
    const notify = positions.spaceFreed.notify.bind(positions.spaceFreed);
    positions.spaceFreed.notify = () => {
      notifications++;
      notify();
    };
    positions.buffer.push(a, 0, records(tp0, 0, 2));
    const waiter = positions.spaceFreed.wait(5_000);
    expect(positions.take(1)).toHaveLength(1);
    await waiter;
    expect(notifications).toBe(1);
    expect(positions.take(5)).toHaveLength(1);
    expect(positions.take(5)).toEqual([]);
    expect(notifications).toBe(2);
  });

  it("reposition() moves every offset, bumps the epoch and drops what was buffered", () => {
    const { positions, a, b } = withTwo();
    positions.buffer.push(a, 0, records(tp0, 0, 3));
    positions.buffer.push(b, 0, records(tp1, 0, 2));
    positions.reposition(a, 40, null);
    expect(a).toMatchObject({
      epoch: 1,
      position: 40,
      fetchOffset: 40,
      processed: 40,
      reset: null,
    });
    expect(positions.buffer.size).toBe(2);
    expect(positions.take(10).map((r) => r.partition)).toEqual([1, 1]);
    positions.reposition(b, null, "earliest");
    expect(b).toMatchObject({ position: null, fetchOffset: null, reset: "earliest" });
  });

  it("dropStale() drops chunks of an assignment replaced by a new one for the same partition", () => {
    const { positions, a } = withTwo();
    positions.buffer.push(a, 0, records(tp0, 0, 3));
    positions.assigned.set(tpKey(tp0), newAssignment(tp0, null));
    positions.dropStale();
    expect(positions.buffer.size).toBe(0);
  });

  it("markProcessed() records the positions handed out by the previous poll", () => {
    const { positions, a, b } = withTwo();
    positions.buffer.push(a, 0, records(tp0, 5, 2));
    positions.take(2);
    expect(a.processed).toBe(null);
    positions.markProcessed();
    expect(a.processed).toBe(7);
    expect(b.processed).toBe(null);
    expect(positions.handedOut.size).toBe(0);
  });
});
