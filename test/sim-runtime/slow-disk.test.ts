// SimFileSystem's slow disk: writes and syncs complete a seeded virtual delay later, in the order
// they were issued, switchable at run time.
import { describe, expect, it } from "vitest";
import { SimFileSystem } from "../../runtime/sim/fs.ts";
import { SimWorld } from "../../runtime/sim/world.ts";
import { ioRejectionCode } from "../support/error-codes.ts";

const bounds = { maxSteps: 200_000, maxVirtualMs: 600_000 };
const bytes = (s: string) => new TextEncoder().encode(s);
const slow = { writeMs: [5, 10], syncMs: [20, 500] } as const;

describe("SimFileSystem slow disk", () => {
  it("delays syncs by 20-500 ms and writes by 5-10 ms of virtual time; fast again when off", async () => {
    const world = new SimWorld({ seed: 41 });
    const node = world.node("n1");
    const rt = node.runtime;
    const result = await world.run(async () => {
      const f = await rt.fs.open("/x", { create: true, write: true });
      const took = async (op: () => Promise<unknown>) => {
        const start = rt.clock.monotonicMs();
        await op();
        return rt.clock.monotonicMs() - start;
      };
      const fastSync = await took(() => f.sync());
      node.fs.setSlowDisk(slow);
      const writes: number[] = [];
      const syncs: number[] = [];
      for (let i = 0; i < 20; i++) {
        writes.push(await took(() => f.append(bytes(`r${i}`))));
        syncs.push(await took(() => f.sync()));
      }
      const dirSync = await took(() => rt.fs.syncDir("/"));
      node.fs.setSlowDisk(null);
      const fastAgain = await took(() => f.sync());
      return { fastSync, writes, syncs, dirSync, fastAgain, slowOps: node.fs.slowOps };
    }, bounds);
    expect(result.fastSync).toBe(0);
    for (const ms of result.writes) expect(ms >= 5 && ms <= 10).toBe(true);
    for (const ms of result.syncs) expect(ms >= 20 && ms <= 500).toBe(true);
    // Seeded draws spread over the range, not one fixed delay.
    expect(new Set(result.syncs.map(Math.round)).size).toBeGreaterThan(10);
    expect(result.dirSync).toBeGreaterThanOrEqual(20);
    expect(result.fastAgain).toBe(0);
    expect(result.slowOps).toBe(41);
  });

  it("completes queued operations in issue order, also after the fault is turned off", async () => {
    const world = new SimWorld({ seed: 42 });
    const node = world.node("n1");
    const rt = node.runtime;
    const result = await world.run(async () => {
      const f = await rt.fs.open("/x", { create: true, write: true });
      const g = await rt.fs.open("/y", { create: true, write: true });
      node.fs.setSlowDisk(slow);
      const done: string[] = [];
      const ops = [
        f.append(bytes("a")).then(() => done.push("append f")),
        f.sync().then(() => done.push("sync f")),
        g.append(bytes("b")).then(() => done.push("append g")),
        rt.fs.syncDir("/").then(() => done.push("syncDir")),
      ];
      node.fs.setSlowDisk(null);
      // Issued while the queue is still busy: it waits its turn instead of overtaking.
      ops.push(g.sync().then(() => done.push("sync g (fast)")));
      await Promise.all(ops);
      return { done, content: new TextDecoder().decode(node.fs.snapshot("/x")) };
    }, bounds);
    expect(result.done).toEqual(["append f", "sync f", "append g", "syncDir", "sync g (fast)"]);
    expect(result.content).toBe("a");
  });

  it("delays a failing sync's EIO too, and a crash empties the queue", async () => {
    const world = new SimWorld({ seed: 43, fs: { faults: { failSyncNumber: 1 } } });
    const node = world.node("n1");
    const rt = node.runtime;
    const result = await world.run(async () => {
      const f = await rt.fs.open("/x", { create: true, write: true });
      node.fs.setSlowDisk({ writeMs: [0, 0], syncMs: [300, 300] });
      let start = rt.clock.monotonicMs();
      const code = await ioRejectionCode(f.sync());
      const failedAfterMs = rt.clock.monotonicMs() - start;
      // Queued behind a long sync when the node crashes: that completion never comes, and the
      // restarted process does not wait for it.
      void f.sync();
      world.crash("n1");
      node.fs.setSlowDisk(null);
      start = rt.clock.monotonicMs();
      const g = await rt.fs.open("/y", { create: true, write: true });
      await g.sync();
      return { code, failedAfterMs, afterCrashMs: rt.clock.monotonicMs() - start };
    }, bounds);
    expect(result.code).toBe("EIO");
    expect(result.failedAfterMs).toBe(300);
    expect(result.afterCrashMs).toBe(0);
  });

  it("completes at once inside immediately(), and slowly again after it", async () => {
    const world = new SimWorld({ seed: 44 });
    const node = world.node("n1");
    const rt = node.runtime;
    const result = await world.run(async () => {
      const f = await rt.fs.open("/x", { create: true, write: true });
      node.fs.setSlowDisk({ writeMs: [0, 0], syncMs: [100, 100] });
      let start = rt.clock.monotonicMs();
      await node.fs.immediately(() => f.sync());
      const inside = rt.clock.monotonicMs() - start;
      start = rt.clock.monotonicMs();
      await f.sync();
      return { inside, after: rt.clock.monotonicMs() - start };
    }, bounds);
    expect(result).toEqual({ inside: 0, after: 100 });
  });

  it("is refused without a clock", () => {
    expect(() => new SimFileSystem().setSlowDisk(slow)).toThrow(RangeError);
  });
});
