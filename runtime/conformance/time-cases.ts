// Timers and clocks.
import type { ConformanceCase } from "./case.ts";
import { check, checkEqual } from "./check.ts";

// Real hosts may fire a timer up to a millisecond before the monotonic clock says it is due
// (their timer clocks are coarser); a simulation fires exactly on time.
const earlyMsMax = 2;

const timerOrder: ConformanceCase = {
  name: "timers: fire in delay order regardless of scheduling order",
  async run(rt) {
    const fired: number[] = [];
    rt.timers.setTimeout(() => fired.push(10), 10);
    rt.timers.setTimeout(() => fired.push(5), 5);
    rt.timers.setTimeout(() => fired.push(0), 0);
    await rt.timers.sleep(40);
    checkEqual(fired.join(","), "0,5,10", "firing order");
  },
};

const timerCancel: ConformanceCase = {
  name: "timers: a cancelled timer never fires; cancelling twice is fine",
  async run(rt) {
    let fired = 0;
    const cancelled = rt.timers.setTimeout(() => fired++, 5);
    cancelled.cancel();
    cancelled.cancel();
    const ran = rt.timers.setTimeout(() => fired += 10, 0);
    await rt.timers.sleep(30);
    ran.cancel();
    checkEqual(fired, 10, "only the uncancelled timer fired");
  },
};

const sleeping: ConformanceCase = {
  name: "timers: sleep waits its delay and rejects with the abort reason",
  async run(rt) {
    const start = rt.clock.monotonicMs();
    await rt.timers.sleep(20);
    const elapsed = rt.clock.monotonicMs() - start;
    check(elapsed >= 20 - earlyMsMax, `sleep(20) returned after ${elapsed} ms`);

    const early = new AbortController();
    const earlyReason = new Error("stop before starting");
    early.abort(earlyReason);
    let caught: unknown;
    await rt.timers.sleep(1_000, early.signal).then(
      () => {},
      (err: unknown) => void (caught = err),
    );
    check(caught === earlyReason, "an already aborted signal rejects with its reason");

    const later = new AbortController();
    const laterReason = new Error("stop while sleeping");
    const abortAt = rt.clock.monotonicMs();
    rt.timers.setTimeout(() => later.abort(laterReason), 5);
    caught = undefined;
    await rt.timers.sleep(10_000, later.signal).then(
      () => {},
      (err: unknown) => void (caught = err),
    );
    check(caught === laterReason, "aborting mid-sleep rejects with the reason");
    check(rt.clock.monotonicMs() - abortAt < 5_000, "aborted sleep ends early");
  },
};

const clocks: ConformanceCase = {
  name: "clock: monotonic time never goes back and advances across a sleep",
  async run(rt) {
    let last = rt.clock.monotonicMs();
    for (let i = 0; i < 10_000; i++) {
      const now = rt.clock.monotonicMs();
      check(now >= last, `monotonicMs went from ${last} to ${now}`);
      last = now;
    }
    const wallBefore = rt.clock.nowMs();
    check(Number.isFinite(wallBefore) && wallBefore >= 0, `nowMs() = ${wallBefore}`);
    const before = rt.clock.monotonicMs();
    await rt.timers.sleep(25);
    const advanced = rt.clock.monotonicMs() - before;
    check(advanced >= 25 - earlyMsMax, `monotonicMs advanced ${advanced} ms across sleep(25)`);
    check(rt.clock.nowMs() >= wallBefore, "nowMs advanced across a sleep");
  },
};

export const timeCases: readonly ConformanceCase[] = [timerOrder, timerCancel, sleeping, clocks];
