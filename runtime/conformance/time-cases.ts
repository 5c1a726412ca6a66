// Timers, clocks and randomness.
import type { Runtime } from "../types.ts";
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

const randomRanges: ConformanceCase = {
  name: "random: values stay in their ranges and cover them",
  run: (rt) => Promise.resolve(rt).then(checkRandomRanges),
};

function checkRandomRanges(rt: Runtime): void {
  const draws = 4_000;
  let floatSum = 0;
  const sevens = new Set<number>();
  for (let i = 0; i < draws; i++) {
    const u = rt.random.u32();
    check(Number.isInteger(u) && u >= 0 && u < 2 ** 32, `u32() = ${u}`);
    const f = rt.random.float();
    check(f >= 0 && f < 1, `float() = ${f}`);
    floatSum += f;
    const k = rt.random.int(7);
    check(Number.isInteger(k) && k >= 0 && k < 7, `int(7) = ${k}`);
    sevens.add(k);
    checkEqual(rt.random.int(1), 0, "int(1)");
    const big = rt.random.int(2 ** 40);
    check(Number.isInteger(big) && big >= 0 && big < 2 ** 40, `int(2^40) = ${big}`);
  }
  checkEqual(sevens.size, 7, "int(7) covers 0..6");
  const mean = floatSum / draws;
  check(mean > 0.4 && mean < 0.6, `mean of float() is ${mean}`);
  checkEqual(rt.random.bytes(0).length, 0, "bytes(0)");
  const many = rt.random.bytes(200_000);
  checkEqual(many.length, 200_000, "bytes(200000) length");
  let zeros = 0;
  for (const b of many.subarray(150_000)) if (b === 0) zeros++;
  check(zeros < 1_000, `${zeros} zero bytes among the last 50000 random bytes`);
}

const hostProcess: ConformanceCase = {
  name: "process: arguments, environment, pid and version are well-formed",
  async run(rt) {
    const p = rt.process;
    check(Array.isArray(p.args) && p.args.every((a) => typeof a === "string"), "args are strings");
    checkEqual(p.env("TRIBUTARY_CONFORMANCE_SURELY_UNSET"), undefined, "unset variable");
    check(Number.isInteger(p.pid) && p.pid > 0, `pid ${p.pid}`);
    check(typeof p.version === "string" && p.version.length > 0, "version");
    check(typeof p.stdoutIsTerminal === "boolean", "stdoutIsTerminal");
    const off = p.onSignal("SIGTERM", () => {});
    off();
    await p.writeStdout(new Uint8Array(0));
  },
};

export const timeCases: readonly ConformanceCase[] = [
  timerOrder,
  timerCancel,
  sleeping,
  clocks,
  randomRanges,
  hostProcess,
];
