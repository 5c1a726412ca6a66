// The controller's tail of committed metadata batches: served from an offset, bounded, a floor
// that sends older readers to the snapshot, and long polls woken by the next commit.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import { CommittedBatches } from "../../src/cluster/committed-batches.ts";

const bounds = { maxSteps: 100_000, maxVirtualMs: 60_000 };
const batch = (lastOffset: number, bytes = 10) => ({
  lastOffset,
  epoch: 1,
  records: [new Uint8Array(bytes)],
});

describe("CommittedBatches", () => {
  it("serves batches from an offset, at least one, up to maxBytes", () => {
    const world = new SimWorld({ seed: 1 });
    const tail = new CommittedBatches(world.runtime("c").timers);
    for (let i = 1; i <= 5; i++) tail.append(batch(i, 100));
    expect(tail.since(3, 1 << 20)!.map((b) => b.lastOffset)).toEqual([3, 4, 5]);
    expect(tail.since(1, 1)!.map((b) => b.lastOffset)).toEqual([1]);
    expect(tail.since(6, 1 << 20)).toEqual([]);
    expect(() => tail.append(batch(5))).toThrow();
  });

  it("drops the oldest beyond its bounds and sends readers below the floor to the snapshot", () => {
    const world = new SimWorld({ seed: 2 });
    const tail = new CommittedBatches(world.runtime("c").timers, { batchesMax: 3 });
    for (let i = 1; i <= 6; i++) tail.append(batch(i));
    expect(tail.floor).toBe(3);
    expect(tail.since(2, 1 << 20)).toBeNull();
    expect(tail.since(3, 1 << 20)).toBeNull();
    expect(tail.since(4, 1 << 20)!.map((b) => b.lastOffset)).toEqual([4, 5, 6]);
    tail.resetTo(10);
    expect(tail.lastOffset).toBe(10);
    expect(tail.since(11, 1 << 20)).toEqual([]);
    expect(tail.since(9, 1 << 20)).toBeNull();
  });

  it("wakes a long poll at the next commit, or after its wait", async () => {
    const world = new SimWorld({ seed: 3 });
    const rt = world.runtime("c");
    const tail = new CommittedBatches(rt.timers);
    await world.run(async () => {
      const t0 = rt.clock.nowMs();
      rt.timers.setTimeout(() => tail.append(batch(1)), 300);
      await tail.waitForMore(5_000);
      expect(rt.clock.nowMs() - t0).toBe(300);
      const t1 = rt.clock.nowMs();
      await tail.waitForMore(700);
      expect(rt.clock.nowMs() - t1).toBe(700);
    }, bounds);
  });
});
