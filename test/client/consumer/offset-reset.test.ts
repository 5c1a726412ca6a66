// offset-reset.ts: positions from the committed offset or the reset policy, and answers dropped
// when a seek() bumped the epoch while they were on their way.
import { describe, expect, it } from "vitest";
import { newAssignment } from "../../../src/client/assignment.ts";
import type { GroupSession } from "../../../src/client/group-session.ts";
import { OffsetResets } from "../../../src/client/offset-reset.ts";
import { ListOffsetsTimestamp } from "../../../src/protocol/cbor/ops/list-offsets.ts";
import { rejectionCode } from "../../support/error-codes.ts";
import { ScriptedCluster, tp0, tp1 } from "./support.ts";

function listOffsetsAnswering(cluster: ScriptedCluster, earliest: number, latest: number) {
  cluster.answers.set("ListOffsets", (body) => {
    const [p] =
      (body as { partitions: Array<{ topic: string; partition: number; timestamp: number }> })
        .partitions;
    const offset = p.timestamp === ListOffsetsTimestamp.Earliest ? earliest : latest;
    return { partitions: [{ ...p, offset, timestampMs: -1, error: null }] };
  });
}

function groupWith(committed: Map<number, number | null>, onFetch?: () => void): GroupSession {
  return {
    fetchCommitted: (tps: Array<{ topic: string; partition: number }>) => {
      onFetch?.();
      return Promise.resolve(
        tps.map((tp) => ({ ...tp, offset: committed.get(tp.partition) ?? null })),
      );
    },
  } as unknown as GroupSession;
}

describe("OffsetResets.resolveReset", () => {
  it("asks the leader for the earliest or latest offset, per the reset kind", async () => {
    const cluster = new ScriptedCluster();
    listOffsetsAnswering(cluster, 3, 42);
    const resets = new OffsetResets(cluster.asCluster(), { policy: "latest", group: () => null });
    const early = newAssignment(tp0, "earliest");
    const late = newAssignment(tp1, "latest");
    await resets.resolveReset(early);
    await resets.resolveReset(late);
    expect(early).toMatchObject({ position: 3, fetchOffset: 3, processed: 3, reset: null });
    expect(late).toMatchObject({ position: 42, fetchOffset: 42, reset: null });
    expect(cluster.callsOf("ListOffsets").map((c) => c.nodeId)).toEqual([1, 1]);
  });

  it("drops the answer if a seek() happened while it was on its way", async () => {
    const cluster = new ScriptedCluster();
    const a = newAssignment(tp0, "earliest");
    cluster.answers.set("ListOffsets", (body) => {
      a.epoch++; // seek(tp0, 77) while the request is out
      a.position = a.fetchOffset = 77;
      a.reset = null;
      const [p] = (body as { partitions: Array<{ topic: string; partition: number }> }).partitions;
      return { partitions: [{ ...p, offset: 5, timestampMs: -1, error: null }] };
    });
    const resets = new OffsetResets(cluster.asCluster(), { policy: "latest", group: () => null });
    await resets.resolveReset(a);
    expect(a.position).toBe(77);
    expect(a.fetchOffset).toBe(77);
  });

  it("with policy none and no position, refuses with OFFSET_OUT_OF_RANGE and asks nobody", async () => {
    const cluster = new ScriptedCluster();
    const resets = new OffsetResets(cluster.asCluster(), { policy: "none", group: () => null });
    const a = newAssignment(tp0, null);
    expect(await rejectionCode(resets.resolveReset(a))).toBe("OFFSET_OUT_OF_RANGE");
    expect(cluster.calls).toEqual([]);
  });
});

describe("OffsetResets.resolveCommitted", () => {
  it("starts at the committed offset and falls back to the policy where none is committed", async () => {
    const cluster = new ScriptedCluster();
    const group = groupWith(new Map([[0, 12]]));
    const resets = new OffsetResets(cluster.asCluster(), {
      policy: "earliest",
      group: () => group,
    });
    const a = newAssignment(tp0, "committed");
    const b = newAssignment(tp1, "committed");
    await resets.resolveCommitted([a, b]);
    expect(a).toMatchObject({ position: 12, fetchOffset: 12, committed: 12, reset: null });
    expect(b).toMatchObject({ position: null, committed: null, reset: "earliest" });
  });

  it("leaves an assignment alone that was sought while the committed offsets were fetched", async () => {
    const cluster = new ScriptedCluster();
    const a = newAssignment(tp0, "committed");
    const group = groupWith(new Map([[0, 12]]), () => {
      a.epoch++;
      a.reset = null;
      a.position = a.fetchOffset = 99;
    });
    const resets = new OffsetResets(cluster.asCluster(), {
      policy: "earliest",
      group: () => group,
    });
    await resets.resolveCommitted([a]);
    expect(a.position).toBe(99);
    expect(a.committed).toBe(null);
  });

  it("with policy none, an uncommitted partition gets no reset and resolveReset refuses", async () => {
    const cluster = new ScriptedCluster();
    const group = groupWith(new Map());
    const resets = new OffsetResets(cluster.asCluster(), { policy: "none", group: () => group });
    const a = newAssignment(tp0, "committed");
    expect(await rejectionCode(resets.resolveReset(a))).toBe("OFFSET_OUT_OF_RANGE");
    expect(a.reset).toBe(null);
  });
});
