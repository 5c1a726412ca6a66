import { describe, expect, it } from "vitest";
import { SIM_EPOCH_MS } from "../../runtime/sim/clock.ts";
import { SimScheduler, SimStopError } from "../../runtime/sim/scheduler.ts";

const bounds = { maxSteps: 10_000, maxVirtualMs: 3_600_000 };

async function stopReason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "settled";
  } catch (err) {
    if (err instanceof SimStopError) return `${err.reason}: ${err.message}`;
    throw err;
  }
}

describe("SimScheduler", () => {
  it("starts at the epoch and moves only when timers fire", async () => {
    const scheduler = new SimScheduler();
    const timers = scheduler.timers("n1");
    expect(scheduler.clock.nowMs()).toBe(SIM_EPOCH_MS);
    expect(scheduler.clock.monotonicMs()).toBe(0);
    const seen: number[] = [];
    await scheduler.run(async () => {
      await timers.sleep(250);
      seen.push(scheduler.clock.monotonicMs());
      await timers.sleep(0.5);
      seen.push(scheduler.clock.monotonicMs());
    }, bounds);
    expect(seen).toEqual([250, 250.5]);
    expect(scheduler.clock.nowMs()).toBe(SIM_EPOCH_MS + 250);
  });

  it("fires ties in insertion order and skips cancelled timers", async () => {
    const scheduler = new SimScheduler();
    const timers = scheduler.timers("n1");
    const order: string[] = [];
    await scheduler.run(async () => {
      timers.setTimeout(() => order.push("b@10"), 10);
      timers.setTimeout(() => order.push("a@5"), 5);
      timers.setTimeout(() => order.push("c@10"), 10);
      const cancelled = timers.setTimeout(() => order.push("never"), 7);
      cancelled.cancel();
      cancelled.cancel();
      timers.setTimeout(() => order.push("d@10"), 10);
      timers.setTimeout(() => order.push("z@0"), 0);
      await timers.sleep(20);
    }, bounds);
    expect(order).toEqual(["z@0", "a@5", "b@10", "c@10", "d@10"]);
  });

  it("rejects sleep with the abort reason, before and during the wait", async () => {
    const scheduler = new SimScheduler();
    const timers = scheduler.timers("n1");
    const result = await scheduler.run(async () => {
      const early = new AbortController();
      early.abort(new Error("early"));
      const first = await timers.sleep(10, early.signal).catch((e: Error) => e.message);
      const late = new AbortController();
      timers.setTimeout(() => late.abort(new Error("late")), 30);
      const second = await timers.sleep(1000, late.signal).catch((e: Error) => e.message);
      return [first, second, scheduler.clock.monotonicMs(), scheduler.pendingTimers];
    }, bounds);
    expect(result).toEqual(["early", "late", 30, 0]);
  });

  it("stops at maxSteps and maxVirtualMs with the context in the message", async () => {
    const scheduler = new SimScheduler({ describe: () => "seed 7" });
    const timers = scheduler.timers("n1");
    const spin = async () => {
      for (let i = 0; i < 1_000_000; i++) await timers.sleep(1);
    };
    const steps = await stopReason(scheduler.run(spin, { maxSteps: 100, maxVirtualMs: 1e9 }));
    expect(steps).toMatch(/^maxSteps: .*maxSteps=100.*seed 7/);
    const fresh = new SimScheduler();
    const sleep = () => fresh.timers("n1").sleep(5_000);
    const time = await stopReason(fresh.run(sleep, { maxSteps: 100, maxVirtualMs: 1_000 }));
    expect(time).toMatch(/^maxVirtualMs: /);
    expect(fresh.clock.monotonicMs()).toBe(0);
  });

  it("reports a deadlock instead of hanging", async () => {
    const scheduler = new SimScheduler();
    const never = new Promise<void>(() => {});
    const reason = await stopReason(scheduler.run(() => never, bounds));
    expect(reason).toMatch(/^deadlock: .*no timer pending/);
  });

  it("lets host-side promise chains settle before advancing time", async () => {
    const scheduler = new SimScheduler();
    const timers = scheduler.timers("n1");
    const log: string[] = [];
    await scheduler.run(async () => {
      timers.setTimeout(() => log.push(`timer@${scheduler.clock.monotonicMs()}`), 1);
      // A long chain of microtasks and a stream read all finish at virtual time 0.
      let p = Promise.resolve();
      for (let i = 0; i < 1000; i++) p = p.then(() => {});
      await p;
      const text = await new Response(new Blob(["abc"]).stream()).text();
      log.push(`${text}@${scheduler.clock.monotonicMs()}`);
      await timers.sleep(2);
    }, bounds);
    expect(log).toEqual(["abc@0", "timer@1"]);
  });

  it("fails the run with an error thrown by a timer callback", async () => {
    const scheduler = new SimScheduler();
    const timers = scheduler.timers("n1");
    timers.setTimeout(() => {
      throw new Error("boom in timer");
    }, 5);
    await expect(scheduler.run(() => timers.sleep(10), bounds)).rejects.toThrow("boom in timer");
  });

  it("drops every timer of a crashed owner", async () => {
    const scheduler = new SimScheduler();
    const fired: string[] = [];
    scheduler.timers("a").setTimeout(() => fired.push("a"), 5);
    scheduler.timers("b").setTimeout(() => fired.push("b"), 5);
    scheduler.cancelOwner("a");
    await scheduler.run(() => scheduler.timers("b").sleep(10), bounds);
    expect(fired).toEqual(["b"]);
  });

  it("is not re-entrant and rejects non-finite delays", async () => {
    const scheduler = new SimScheduler();
    const timers = scheduler.timers("n1");
    expect(() => timers.setTimeout(() => {}, Number.POSITIVE_INFINITY)).toThrow(/EINVAL|delay/);
    const outer = scheduler.run(() => timers.sleep(10), bounds);
    await expect(scheduler.run(() => timers.sleep(1), bounds)).rejects.toThrow(/re-entrant/);
    await outer;
  });
});
