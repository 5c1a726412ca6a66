// consumer-group.ts: the PartitionControl a group session drives (add, resume, pause, remove,
// what is uncommitted, what was committed) and joinGroup's own checks.
import { describe, expect, it } from "vitest";
import { tpKey } from "../../../src/client/assignment.ts";
import { joinGroup, partitionControl } from "../../../src/client/consumer-group.ts";
import { OffsetResets } from "../../../src/client/offset-reset.ts";
import { Positions } from "../../../src/client/positions.ts";
import { thrownCode } from "../../support/error-codes.ts";
import { records, rt, ScriptedCluster, tp0, tp1 } from "./support.ts";

function control() {
  const positions = new Positions(rt.timers);
  const cluster = new ScriptedCluster();
  const resets = new OffsetResets(cluster.asCluster(), { policy: "latest", group: () => null });
  let loopStarts = 0;
  const reported: unknown[] = [];
  const c = partitionControl({
    positions,
    resets,
    startLoop: () => void loopStarts++,
    report: (err) => reported.push(err),
  });
  return { c, positions, loopStarts: () => loopStarts, reported };
}

describe("partitionControl", () => {
  it("adds partitions inactive, to start at their committed offsets, and resume() starts them", () => {
    const { c, positions, loopStarts } = control();
    c.add([tp0, tp1]);
    const a = positions.get(tp0);
    expect(a).toMatchObject({ active: false, reset: "committed", position: null });
    c.resume([tp0]);
    expect(positions.get(tp0).active).toBe(true);
    expect(positions.get(tp1).active).toBe(false);
    expect(loopStarts()).toBe(1);
  });

  it("pause() stops a partition and drops its prefetched records; remove() forgets it", () => {
    const { c, positions } = control();
    c.add([tp0, tp1]);
    c.resume([tp0, tp1]);
    const a = positions.get(tp0);
    const b = positions.get(tp1);
    positions.buffer.push(a, a.epoch, records(tp0, 0, 3));
    positions.buffer.push(b, b.epoch, records(tp1, 0, 2));
    c.pause([tp0]);
    expect(a.active).toBe(false);
    expect(positions.buffer.size).toBe(2);
    c.remove([tp1]);
    expect(positions.assigned.has(tpKey(tp1))).toBe(false);
    expect(positions.buffer.size).toBe(0);
  });

  it("uncommitted() lists processed or consumed positions that differ from the committed ones", () => {
    const { c, positions } = control();
    c.add([tp0, tp1]);
    c.resume([tp0, tp1]);
    const a = positions.get(tp0);
    const b = positions.get(tp1);
    a.position = 10;
    a.processed = 8;
    b.position = b.processed = 4;
    b.committed = 4;
    expect(c.uncommitted("processed", undefined)).toEqual([{ ...tp0, offset: 8 }]);
    expect(c.uncommitted("consumed", undefined)).toEqual([{ ...tp0, offset: 10 }]);
    expect(c.uncommitted("consumed", [tp1])).toEqual([]);
    c.markCommitted([{ ...tp0, offset: 8 }]);
    expect(c.uncommitted("processed", undefined)).toEqual([]);
    c.markAllProcessed();
    expect(a.processed).toBe(10);
    expect(c.uncommitted("processed", undefined)).toEqual([{ ...tp0, offset: 10 }]);
  });
});

describe("joinGroup", () => {
  it("refuses a group consumer without a groupId or topics", () => {
    const { c } = control();
    const cluster = new ScriptedCluster().asCluster();
    const base = { bootstrap: "x:1", retryBackoffMs: 1, control: c };
    expect(thrownCode(() => joinGroup(rt, cluster, { ...base, groupId: "", topics: ["t"] })))
      .toBe("INVALID_CONFIG");
    expect(thrownCode(() => joinGroup(rt, cluster, { ...base, groupId: "g", topics: [] })))
      .toBe("INVALID_CONFIG");
  });
});
