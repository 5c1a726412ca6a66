// The write probe's back-off: while the disk stays full it probes at 100, 200, 400, ... ms
// intervals up to the cap; a probe that succeeds, or a successful append, clears the state.
import { describe, expect, it } from "vitest";
import { RuntimeIoError } from "../../runtime/types.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { isOutOfSpace, WriteHealth } from "../../src/log/write-health.ts";
import { ManualTime, T0 } from "./support.ts";

/** Lets the probe's promise chain run: it settles within a few microtasks. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

const full = new TributaryError("KAFKA_STORAGE_ERROR", "append failed: disk full", {
  cause: new RuntimeIoError("ENOSPC", "no space left"),
});

describe("WriteHealth", () => {
  it("probes with exponential back-off while full, then recovers by itself", async () => {
    const time = new ManualTime();
    const calls: number[] = [];
    let spaceFree = false;
    const health = new WriteHealth({
      timers: time,
      clock: time,
      backoffMsMax: 1000,
      probe: () => {
        calls.push(time.nowMs() - T0);
        return spaceFree ? Promise.resolve() : Promise.reject(new RuntimeIoError("ENOSPC", "full"));
      },
    });
    health.markDegraded(full);
    expect(health.degraded).toBe(full);
    expect(health.degradedSinceMs).toBe(T0);
    for (let ms = 0; ms < 4000; ms += 50) {
      time.advance(50);
      await settle();
    }
    expect(calls).toEqual([100, 300, 700, 1500, 2500, 3500]);
    const healthy = health.whenHealthy();
    spaceFree = true;
    time.advance(1000);
    await healthy;
    expect(health.degraded).toBeNull();
    expect(health.probes).toBe(7);
    expect(time.pendingTimers).toBe(0);
  });

  it("a successful write clears it at once and stops probing; stop() ends probing", () => {
    const time = new ManualTime();
    const health = new WriteHealth({ timers: time, clock: time, probe: () => Promise.resolve() });
    health.markDegraded(full);
    expect(time.pendingTimers).toBe(1);
    health.markHealthy();
    expect(health.degraded).toBeNull();
    expect(time.pendingTimers).toBe(0);
    health.markDegraded(full);
    health.stop();
    expect(time.pendingTimers).toBe(0);
  });

  it("recognises ENOSPC through a chain of causes", () => {
    expect(isOutOfSpace(full)).toBe(true);
    expect(isOutOfSpace(new RuntimeIoError("EIO", "io"))).toBe(false);
    expect(isOutOfSpace(new TributaryError("KAFKA_STORAGE_ERROR", "x"))).toBe(false);
  });
});
