// The simulated disk's recovery (what the real driver must do too): a snapshot may be ahead of
// the durable log, and a restarted node must start after it. Found by simulation seed 292.
import { describe, expect, it } from "vitest";
import { SimDisk } from "./sim-disk.ts";
import { entries } from "./step-harness.ts";

const snapshot = (index: number) => ({
  index,
  term: 1,
  data: new Uint8Array(),
  keys: Array.from({ length: index }, (_, i) => `1|e${i + 1}`),
});

describe("simulated disk recovery", () => {
  it("drops the whole stored log when it ends before the snapshot", () => {
    const disk = new SimDisk();
    disk.append(1, entries([1, 1, 1]));
    disk.snapshot = snapshot(5);
    const state = disk.load();
    expect(state).toMatchObject({ logStartIndex: 5, logStartTerm: 1, entries: [] });
    disk.append(6, entries([1]));
    expect(disk.lastIndex).toBe(6);
  });

  it("keeps the stored entries after the snapshot", () => {
    const disk = new SimDisk();
    disk.append(1, entries([1, 1, 1, 1]));
    disk.snapshot = snapshot(2);
    const state = disk.load();
    expect(state.logStartIndex).toBe(2);
    expect(state.entries.map((e) => new TextDecoder().decode(e.data as Uint8Array))).toEqual([
      "e3",
      "e4",
    ]);
  });

  it("an installed snapshot that lands after a newer own snapshot keeps the newer one", () => {
    const disk = new SimDisk();
    disk.snapshot = snapshot(8);
    disk.install(snapshot(5));
    disk.append(6, entries([1, 1, 1, 1]));
    const state = disk.load();
    expect(state.logStartIndex).toBe(8);
    expect(state.entries.length).toBe(1);
    expect(disk.keyAt(7)).toBe("1|e7");
  });
});
