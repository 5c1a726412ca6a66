// The byte budget behind the response-bytes bounds: first come, first served, a request larger
// than the whole budget runs alone, aborted waiters leave the queue, reservations resize.
import { describe, expect, it } from "vitest";
import { ByteBudget, Reservation } from "../../../src/protocol/cbor/server/byte-budget.ts";

/** Whether the promise settled by the time queued microtasks ran. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe("ByteBudget", () => {
  it("grants while it fits and holds the rest back in arrival order", async () => {
    const budget = new ByteBudget(100);
    expect(await budget.acquire(60)).toBe(true);
    const big = budget.acquire(50);
    const small = budget.acquire(10);
    expect(await settled(big)).toBe(false);
    // Would fit, but waits behind the larger one that came first.
    expect(await settled(small)).toBe(false);
    budget.release(60);
    expect(await big).toBe(true);
    expect(await small).toBe(true);
    expect(budget.used).toBe(60);
  });

  it("lets a request larger than the whole budget run once nothing else holds any", async () => {
    const budget = new ByteBudget(100);
    await budget.acquire(1);
    const huge = budget.acquire(500);
    expect(await settled(huge)).toBe(false);
    budget.release(1);
    expect(await huge).toBe(true);
    expect(budget.used).toBe(500);
  });

  it("drops an aborted waiter and serves the ones behind it", async () => {
    const budget = new ByteBudget(100);
    await budget.acquire(90);
    const abort = new AbortController();
    const blocked = budget.acquire(50, abort.signal);
    const behind = budget.acquire(5);
    abort.abort();
    expect(await blocked).toBe(false);
    expect(await behind).toBe(true);
    expect(budget.used).toBe(95);
    expect(budget.waiting).toBe(0);
  });

  it("a reservation holds its estimate on the connection and only the frame on the listener", async () => {
    const connection = new ByteBudget(100);
    const listener = new ByteBudget(1000);
    const r = await Reservation.take({ connection, listener }, 80, new AbortController().signal);
    expect(r).not.toBeNull();
    // Computing (or parked): the connection's budget holds the estimate, the listener's nothing.
    expect([connection.used, listener.used]).toEqual([80, 0]);
    r!.resize(120);
    expect([connection.used, listener.used]).toEqual([120, 120]);
    r!.resize(30);
    expect([connection.used, listener.used]).toEqual([30, 30]);
    r!.release();
    r!.release();
    expect([connection.used, listener.used]).toEqual([0, 0]);
  });

  it("a reservation waits while the listener holds more than its max, and holds nothing if aborted", async () => {
    const connection = new ByteBudget(100);
    const listener = new ByteBudget(100);
    listener.grow(150);
    const abort = new AbortController();
    const pending = Reservation.take({ connection, listener }, 50, abort.signal);
    expect(await settled(pending)).toBe(false);
    abort.abort();
    expect(await pending).toBeNull();
    expect(connection.used).toBe(0);
    listener.release(100);
    const granted = await Reservation.take({ connection, listener }, 50, abort.signal);
    expect(granted).toBeNull(); // the signal is still aborted
    const fresh = await Reservation.take(
      { connection, listener },
      50,
      new AbortController().signal,
    );
    expect(fresh?.bytes).toBe(50);
  });
});
