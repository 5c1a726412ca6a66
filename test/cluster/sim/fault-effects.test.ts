// The cluster simulation's newer faults do something: within a few seeds, one-way cuts stall
// connections and hang handshakes, slow disks delay syncs, latency jitter reorders chunks across
// connections and resets make idempotent retries that the brokers deduplicate
// (docs/cluster-simulation.md, "Reordering and duplication"); the consumer group commits and its
// offsets are read back; and every invariant holds.
import { describe, expect, it } from "vitest";
import { runScenario } from "./scenario.ts";

const SEEDS_MAX = 3;

describe("cluster simulation fault effects", () => {
  it(
    "plays one-way cuts and slow disks, and sees reordering, duplicates and group commits",
    async () => {
      const seen = {
        oneWayCuts: 0,
        slowDisks: 0,
        stalls: 0,
        hungConnects: 0,
        slowDiskOps: 0,
        reordered: 0,
        duplicateBatches: 0,
        groupCommits: 0,
        groupReadBacks: 0,
      };
      for (let seed = 2; seed < 2 + SEEDS_MAX; seed++) {
        const r = await runScenario({ seed, nodeCount: 3, faultMs: 20_000 });
        expect(r.violations, `seed ${seed}`).toEqual([]);
        seen.oneWayCuts += r.faults.oneWayCuts;
        seen.slowDisks += r.faults.slowDisks;
        seen.stalls += r.effects.stalls;
        seen.hungConnects += r.effects.hungConnects;
        seen.slowDiskOps += r.effects.slowDiskOps;
        seen.reordered += r.effects.reordered;
        seen.duplicateBatches += r.effects.duplicateBatches;
        seen.groupCommits += r.group.commits;
        seen.groupReadBacks += r.group.readBacks;
        if (Object.values(seen).every((n) => n > 0)) break;
      }
      for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThan(0);
    },
    120_000,
  );
});
