// The cluster simulation's checker catches what it is there to catch: each invariant, broken on
// purpose with stand-in nodes and a replica written by hand, is reported.
import { describe, expect, it } from "vitest";
import { SimFileSystem } from "../../../runtime/sim/fs.ts";
import { encodeBatch } from "../../../src/log/record-batch.ts";
import { CommittedImage } from "../../../src/metadata/committed-image.ts";
import type { RunningClusterNode } from "../../../src/server/start-cluster-node.ts";
import { ClusterChecker } from "./cluster-checker.ts";

interface FakeState {
  role: string;
  term: number;
  hw: number;
}

function fakeNode(state: FakeState, committed = new CommittedImage()): RunningClusterNode {
  return {
    controller: {
      status: () => ({ role: state.role, term: state.term }),
      committed: new CommittedImage(),
    },
    membership: { committed },
    broker: {
      partitionOffsets: () => ({ logStartOffset: 0, highWatermark: state.hw }),
    },
  } as unknown as RunningClusterNode;
}

describe("ClusterChecker", () => {
  it("after a crash cut a log, lets acks=1 values there change, never acks=all ones", () => {
    const c = new ClusterChecker();
    c.acked("t-0", 5, "all-5", false);
    c.consumed("t-0", 5, "all-5");
    c.consumed("t-0", 6, "one-6");
    c.consumed("t-1", 6, "one-6");
    c.lostUnsynced("t-0", 5);
    c.consumed("t-0", 6, "one-7");
    expect(c.violations).toEqual([]);
    expect(c.takeRewind("t-0")).toBe(true);
    expect(c.takeRewind("t-0")).toBe(false);
    c.consumed("t-0", 5, "one-8");
    c.consumed("t-1", 6, "one-9");
    c.consumed("t-0", 7, "one-10");
    c.consumed("t-0", 7, "one-11");
    expect(c.violations).toEqual([
      "t-0 offset 5: consumed has one-8, known before as all-5",
      "t-1 offset 6: consumed has one-9, known before as one-6",
      "t-0 offset 7: consumed has one-11, known before as one-10",
    ]);
  });

  it("passes a consistent history", () => {
    const c = new ClusterChecker();
    c.acked("t-0", 0, "a", true);
    c.consumed("t-0", 0, "a");
    const a = { role: "leader", term: 1, hw: 1 };
    c.sample([[1, fakeNode(a)]], ["t-0"]);
    a.hw = 2;
    c.sample([[1, fakeNode(a)]], ["t-0"]);
    expect(c.violations).toEqual([]);
  });

  it("reports an offset that holds two values", () => {
    const c = new ClusterChecker();
    c.acked("t-0", 5, "a", false);
    c.consumed("t-0", 5, "b");
    expect(c.violations.join()).toMatch(/t-0 offset 5: consumed has b, known before as a/);
  });

  it("reports a high watermark going back on a live node", () => {
    const c = new ClusterChecker();
    const state = { role: "follower", term: 1, hw: 7 };
    const node = fakeNode(state);
    c.sample([[2, node]], ["t-0"]);
    state.hw = 6;
    c.sample([[2, node]], ["t-0"]);
    expect(c.violations.join()).toMatch(/n2 t-0: high watermark went back 7 -> 6/);
  });

  it("reports two Raft leaders in one term", () => {
    const c = new ClusterChecker();
    c.sample([[1, fakeNode({ role: "leader", term: 3, hw: 0 })]], []);
    c.sample([[2, fakeNode({ role: "leader", term: 3, hw: 0 })]], []);
    expect(c.violations.join()).toMatch(/two Raft leaders in term 3: 1 and 2/);
  });

  it("reports two images at one committed metadata offset", () => {
    const c = new ClusterChecker();
    const one = new CommittedImage();
    const two = new CommittedImage();
    c.watchMetadata(1, fakeNode({ role: "follower", term: 1, hw: 0 }, one));
    c.watchMetadata(2, fakeNode({ role: "follower", term: 1, hw: 0 }, two));
    one.applyCommitted({
      records: [{ type: "ClusterIdRecord", clusterId: "a" }],
      lastOffset: 0,
      epoch: 1,
    });
    two.applyCommitted({
      records: [{ type: "ClusterIdRecord", clusterId: "b" }],
      lastOffset: 0,
      epoch: 1,
    });
    expect(c.violations.join()).toMatch(/n2: committed metadata at offset 0 differs/);
  });

  it("reports a replica whose committed bytes differ, and an acked record the leader lost", async () => {
    const fs = new SimFileSystem();
    await fs.mkdirp("/data/t-0");
    const batch = encodeBatch({
      records: [{ key: null, value: new TextEncoder().encode("x"), timestamp: 0 }],
    });
    const file = await fs.open("/data/t-0/00000000000000000000.log", { create: true, write: true });
    await file.append(batch);
    await file.close();
    const c = new ClusterChecker();
    c.acked("t-0", 0, "a", true);
    c.acked("t-0", 1, "b", true);
    await c.compareReplicas([[3, fakeNode({ role: "follower", term: 1, hw: 1 })]], () => fs, [
      "t-0",
    ]);
    expect(c.violations.join()).toMatch(/t-0 offset 0: n3's replica has x, known before as a/);
    await c.checkFinal(() => Promise.resolve(new Map([[0, "a"]])));
    expect(c.violations.join()).toMatch(/acks=all record b at offset 1 is missing/);
  });

  it("reports a group's committed offset that goes back, is lost or is above the final HW", () => {
    const ok = new ClusterChecker();
    ok.groupCommitted("t-0", 3);
    ok.groupCommitted("t-0", 3);
    ok.groupCommitted("t-0", 7);
    ok.checkGroupFinal(new Map([["t-0", 7]]), () => 7);
    expect(ok.violations).toEqual([]);
    expect(ok.groupCommittedMax("t-0")).toBe(7);

    const back = new ClusterChecker();
    back.groupCommitted("t-0", 7);
    back.groupCommitted("t-0", 5);
    expect(back.violations).toEqual([
      "group's committed offset of t-0 went back 7 -> 5 (read back)",
    ]);

    const final = new ClusterChecker();
    final.groupCommitted("t-0", 9);
    final.groupCommitted("t-1", 4);
    final.checkGroupFinal(new Map([["t-0", 8]]), (tp) => (tp === "t-0" ? 8 : 3));
    expect(final.violations).toEqual([
      "group's committed offset of t-0 went back 9 -> 8 (final coordinator)",
      "group's committed offset 9 of t-0 is above its final HW 8",
      "group's committed offset of t-1 is gone at the end",
      "group's committed offset 4 of t-1 is above its final HW 3",
    ]);

    const silent = new ClusterChecker();
    silent.checkGroupFinal(null, () => 0);
    expect(silent.violations).toEqual(["the group's final coordinator did not answer OffsetFetch"]);
  });
});
