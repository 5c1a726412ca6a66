// 3-node simulation seed 199: a leader's log failed (an injected EIO on __consumer_offsets-1)
// while its AlterPartition was in flight; the answer's handling read the failed log's end and the
// KAFKA_STORAGE_ERROR escaped the replica manager as an unhandled rejection. The replica manager's
// boundary now takes such a replica offline, as its ISR timer does (storage-failure.test.ts).
import { describe, expect, it } from "vitest";
import { runScenario } from "./scenario.ts";

describe("cluster: a failed log under an AlterPartition answer (sim seed 199)", () => {
  it("takes that replica offline; nothing escapes as an unhandled rejection", async () => {
    const escaped: unknown[] = [];
    const onRejection = (reason: unknown) => void escaped.push(reason);
    process.on("unhandledRejection", onRejection);
    const lines: string[] = [];
    try {
      const result = await runScenario({
        seed: 199,
        nodeCount: 3,
        faultMs: 20_000,
        onLog: (line) => void lines.push(line),
      });
      // Let any rejection the run left behind be reported before the listener goes.
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(escaped.map((e) => (e instanceof Error ? e.message : String(e)))).toEqual([]);
      expect(result.violations).toEqual([]);
      expect(result.faults.fsyncFailures).toBeGreaterThan(0);
      expect(lines.some((l) => /partition\.offline.*reason=storage/.test(l))).toBe(true);
    } finally {
      process.off("unhandledRejection", onRejection);
    }
  }, 120_000);
});
