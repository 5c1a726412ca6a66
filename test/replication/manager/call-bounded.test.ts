// Bounded channel calls: settled by the answer, the deadline or close, and leaving no close
// listener behind once settled (a manager makes one call per fetch for as long as it runs).
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { callBounded } from "../../../src/replication/manager/call-bounded.ts";
import { CloseSignal } from "../../../src/replication/manager/close-signal.ts";

const bounds = { maxSteps: 100_000, maxVirtualMs: 60_000 };

describe("callBounded", () => {
  it("settles by answer, failure, deadline or close, and leaves no listener", async () => {
    const world = new SimWorld({ seed: 1 });
    const { timers } = world.runtime("b1");
    await world.run(async () => {
      const signal = new CloseSignal();
      for (let i = 0; i < 100; i++) {
        expect(await callBounded(timers, 1_000, signal, () => Promise.resolve(i))).toEqual({
          ok: true,
          value: i,
        });
      }
      expect(await callBounded(timers, 1_000, signal, () => Promise.reject(new Error("reset"))))
        .toEqual({ ok: false, reason: "reset" });
      expect(await callBounded(timers, 50, signal, () => new Promise(() => {}))).toEqual({
        ok: false,
        reason: "timeout",
      });
      expect(signal.listeners).toBe(0);
      const hanging = callBounded(timers, 10_000, signal, () => new Promise(() => {}));
      expect(signal.listeners).toBe(1);
      signal.close();
      expect(await hanging).toEqual({ ok: false, reason: "closed" });
      expect(await callBounded(timers, 10_000, signal, () => new Promise(() => {}))).toEqual({
        ok: false,
        reason: "closed",
      });
    }, bounds);
  });
});
