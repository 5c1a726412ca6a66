import { describe, expect, it } from "vitest";
import { fetchOk, leader } from "./support.ts";

const LAG_MS = 1_000;

describe("ISR shrink after replica.lag.time.max.ms", () => {
  it("proposes dropping a follower not caught up for longer than the lag time", () => {
    const state = leader({ logEndOffset: 0, partitionEpoch: 10, nowMs: 0 });
    state.onLocalAppend(5);
    fetchOk(state, 2, 5, 100);
    fetchOk(state, 3, 0, 100); // behind, and caught up only at takeover (time 0)
    expect(state.maybeShrinkIsr(LAG_MS, LAG_MS)).toBeNull(); // exactly the lag: still in
    expect(state.maybeShrinkIsr(LAG_MS + 1, LAG_MS)).toEqual({
      proposalId: 1,
      leaderId: 1,
      leaderEpoch: 5,
      partitionEpoch: 10,
      newIsr: [1, 2],
    });
  });

  it("keeps a follower that fetches often but never at the log end, while it keeps up", () => {
    const state = leader({ logEndOffset: 0, isr: [1, 2], replicas: [1, 2] });
    // Each fetch reaches the log end the previous one saw: caught up as of that fetch.
    for (let t = 1; t <= 20; t++) {
      state.onLocalAppend(t * 10);
      fetchOk(state, 2, (t - 1) * 10, t * 400);
      expect(state.maybeShrinkIsr(t * 400, LAG_MS)).toBeNull();
    }
  });

  it("keeps a silent follower that is at the leader's log end (nothing to fetch)", () => {
    const state = leader({ logEndOffset: 0, isr: [1, 2], replicas: [1, 2] });
    state.onLocalAppend(4);
    fetchOk(state, 2, 4, 10);
    expect(state.maybeShrinkIsr(60_000, LAG_MS)).toBeNull();
    state.onLocalAppend(5);
    expect(state.maybeShrinkIsr(60_000, LAG_MS)?.newIsr).toEqual([1]);
  });

  it("drops at once an ISR member whose log end fell below the HW (it lost fetched writes)", () => {
    const state = leader({ logEndOffset: 0, isr: [1, 2], replicas: [1, 2] });
    state.onLocalAppend(8);
    fetchOk(state, 2, 8, 10);
    expect(state.highWatermark).toBe(8);
    fetchOk(state, 2, 3, 11);
    expect(state.maybeShrinkIsr(11, LAG_MS)?.newIsr).toEqual([1]);
  });
});

describe("ISR expand when caught up", () => {
  it("proposes adding a follower that reached the HW and this epoch's start", () => {
    const state = leader({ logEndOffset: 4, highWatermark: 4, isr: [1, 2] });
    state.onLocalAppend(10);
    fetchOk(state, 2, 10, 1);
    expect(state.highWatermark).toBe(10);
    fetchOk(state, 3, 9, 2);
    expect(state.maybeExpandIsr()).toBeNull(); // below the HW
    fetchOk(state, 3, 10, 3);
    expect(state.maybeExpandIsr()).toEqual({
      proposalId: 1,
      leaderId: 1,
      leaderEpoch: 5,
      partitionEpoch: 10,
      newIsr: [1, 2, 3],
    });
  });

  it("does not add a follower that is at the HW but short of this epoch's start", () => {
    // New leader with [0, 6) from older epochs and HW 2: reaching 2 is not enough.
    const state = leader({ logEndOffset: 6, highWatermark: 2, isr: [1, 2] });
    fetchOk(state, 3, 4, 1);
    expect(state.maybeExpandIsr()).toBeNull();
    fetchOk(state, 3, 6, 2);
    expect(state.maybeExpandIsr()?.newIsr).toEqual([1, 2, 3]);
  });

  it("does not add a follower that has not fetched from this leader", () => {
    const state = leader({ isr: [1] });
    expect(state.maybeExpandIsr()).toBeNull();
  });
});

describe("pending ISR (KIP-497 / KIP-841)", () => {
  it("the HW waits for a replica being added, min.insync counts it only once committed", () => {
    const state = leader({ logEndOffset: 0, isr: [1, 2] });
    state.onLocalAppend(10);
    fetchOk(state, 2, 10, 1);
    fetchOk(state, 3, 10, 1);
    expect(state.maybeExpandIsr()?.newIsr).toEqual([1, 2, 3]);
    expect(state.maximalIsr).toEqual([1, 2, 3]);
    expect(state.minimalIsr).toEqual([1, 2]);
    expect(state.isr).toEqual([1, 2]);
    state.onLocalAppend(12);
    fetchOk(state, 2, 12, 2);
    expect(state.highWatermark).toBe(10); // replica 3 (maybe already electable) lacks [10, 12)
    fetchOk(state, 3, 12, 3);
    expect(state.highWatermark).toBe(12);
  });

  it("the HW still waits for a replica being removed; min.insync no longer counts it", () => {
    const state = leader({ logEndOffset: 0, nowMs: 0 });
    state.onLocalAppend(10);
    fetchOk(state, 2, 10, 1);
    fetchOk(state, 3, 2, 1);
    const proposal = state.maybeShrinkIsr(5_000, LAG_MS);
    expect(proposal?.newIsr).toEqual([1, 2]);
    expect(state.maximalIsr).toEqual([1, 2, 3]);
    expect(state.minimalIsr).toEqual([1, 2]);
    expect(state.highWatermark).toBe(2); // replica 3 is electable until the removal commits
    expect(
      state.onAlterPartitionAnswer({
        errorCode: null,
        leaderId: 1,
        leaderEpoch: 5,
        partitionEpoch: 11,
        replicas: [1, 2, 3],
        isr: [1, 2],
      }, proposal?.proposalId ?? -1),
    ).toBe("applied");
    expect(state.isr).toEqual([1, 2]);
    expect(state.pendingIsrChange).toBeNull();
    expect(state.highWatermark).toBe(10); // committed: the HW moves without another fetch
    expect(state.partitionEpoch).toBe(11);
  });

  it("one change in flight at a time", () => {
    const state = leader({ logEndOffset: 0, nowMs: 0 });
    state.onLocalAppend(10);
    fetchOk(state, 2, 0, 1);
    fetchOk(state, 3, 0, 1);
    expect(state.maybeShrinkIsr(5_000, LAG_MS)?.newIsr).toEqual([1]);
    expect(state.maybeShrinkIsr(6_000, LAG_MS)).toBeNull();
    expect(state.maybeExpandIsr()).toBeNull();
  });

  const COMMITTED = { leaderId: 1, leaderEpoch: 5, replicas: [1, 2, 3], isr: [1, 2, 3] };

  it("a proposal refused against the state the leader holds returns to the committed ISR", () => {
    const state = leader({ logEndOffset: 0, nowMs: 0, partitionEpoch: 10 });
    state.onLocalAppend(10);
    fetchOk(state, 2, 10, 1);
    fetchOk(state, 3, 0, 1);
    const proposal = state.maybeShrinkIsr(5_000, LAG_MS);
    expect(proposal).not.toBeNull();
    expect(state.alterPartitionInFlight).toBe(proposal);
    const refusal = {
      errorCode: "INVALID_REQUEST" as const,
      committed: { ...COMMITTED, partitionEpoch: 10 },
    };
    expect(state.onAlterPartitionAnswer(refusal, proposal?.proposalId ?? -1)).toBe("stale");
    expect(state.pendingIsrChange).toBeNull();
    expect(state.alterPartitionInFlight).toBeNull();
    expect(state.maximalIsr).toEqual([1, 2, 3]);
    expect(state.maybeShrinkIsr(5_001, LAG_MS)?.newIsr).toEqual([1, 2]);
  });

  it("a refusal without the committed state keeps the pending change (it may have committed)", () => {
    const state = leader({ logEndOffset: 0, nowMs: 0, isr: [1, 2] });
    state.onLocalAppend(10);
    fetchOk(state, 2, 10, 1);
    fetchOk(state, 3, 10, 1);
    const proposal = state.maybeExpandIsr();
    expect(proposal?.newIsr).toEqual([1, 2, 3]);
    state.onAlterPartitionAnswer({ errorCode: "REQUEST_TIMED_OUT" }, proposal?.proposalId ?? -1);
    expect(state.maximalIsr).toEqual([1, 2, 3]);
    expect(state.alterPartitionInFlight).toBe(proposal); // the driver sends it again
  });

  it("a late refusal of an earlier proposal does not drop the one in flight", () => {
    // Found by the simulation (seed 5): a resent shrink, refused after the shrink had committed,
    // came back while an expansion was in flight; dropping the expansion let the HW pass the
    // log end of a replica the controller had just put back in the ISR.
    const state = leader({ logEndOffset: 0, nowMs: 0, partitionEpoch: 10 });
    state.onLocalAppend(10);
    fetchOk(state, 2, 10, 1);
    fetchOk(state, 3, 4, 1);
    const shrink = state.maybeShrinkIsr(5_000, LAG_MS);
    expect(shrink?.newIsr).toEqual([1, 2]);
    const shrunk = { ...COMMITTED, partitionEpoch: 11, isr: [1, 2] };
    expect(state.onAlterPartitionAnswer({ errorCode: null, ...shrunk }, shrink?.proposalId ?? -1))
      .toBe("applied");
    expect(state.highWatermark).toBe(10);
    state.onLocalAppend(14);
    fetchOk(state, 2, 14, 5_001);
    fetchOk(state, 3, 14, 5_001);
    const expand = state.maybeExpandIsr();
    expect(expand?.newIsr).toEqual([1, 2, 3]);
    state.onLocalAppend(20);
    fetchOk(state, 2, 20, 5_002);
    expect(state.highWatermark).toBe(14);
    // The resent shrink is refused with the state it already produced.
    const late = { errorCode: "INVALID_REQUEST" as const, committed: shrunk };
    expect(state.onAlterPartitionAnswer(late, shrink?.proposalId ?? -1)).toBe("stale");
    expect(state.pendingIsrChange?.kind).toBe("expand");
    expect(state.maximalIsr).toEqual([1, 2, 3]);
    fetchOk(state, 2, 20, 5_003);
    expect(state.highWatermark).toBe(14); // held by replica 3, which may be in the ISR already
  });

  it("a leader the controller fenced proposes nothing more", () => {
    const state = leader({ logEndOffset: 0, nowMs: 0 });
    state.onLocalAppend(10);
    fetchOk(state, 3, 0, 1);
    const proposal = state.maybeShrinkIsr(5_000, LAG_MS);
    expect(proposal).not.toBeNull();
    expect(
      state.onAlterPartitionAnswer(
        { errorCode: "FENCED_LEADER_EPOCH" },
        proposal?.proposalId ?? -1,
      ),
    )
      .toBe("stale");
    expect(state.fenced).toBe(true);
    expect(state.maybeShrinkIsr(9_000, LAG_MS)).toBeNull();
    // It cannot shrink, so the HW stays held by the lagging replica: nothing is acknowledged.
    fetchOk(state, 2, 10, 9_000);
    expect(state.highWatermark).toBe(0);
  });

  it("a committed change from the metadata log applies; stale ones are ignored", () => {
    const state = leader({ partitionEpoch: 10 });
    const change = { leaderId: 1, leaderEpoch: 5, replicas: [1, 2, 3] };
    expect(state.onPartitionChange({ ...change, partitionEpoch: 10, isr: [1] })).toBe("stale");
    expect(state.isr).toEqual([1, 2, 3]);
    expect(state.onPartitionChange({ ...change, partitionEpoch: 12, isr: [1, 3] })).toBe("applied");
    expect(state.isr).toEqual([1, 3]);
    // The AlterPartition answer for partition epoch 11 arrives late: ignored.
    expect(
      state.onAlterPartitionAnswer({ errorCode: null, ...change, partitionEpoch: 11, isr: [1] }, 1),
    ).toBe("stale");
    expect(state.isr).toEqual([1, 3]);
    expect(state.onPartitionChange({ ...change, leaderEpoch: 6, partitionEpoch: 13, isr: [1] }))
      .toBe("resign");
    expect(state.onPartitionChange({ ...change, leaderId: 2, partitionEpoch: 13, isr: [2] }))
      .toBe("resign");
  });

  it("a proposal carries the partition epoch it was made against", () => {
    const state = leader({ logEndOffset: 0, nowMs: 0, partitionEpoch: 10 });
    state.onPartitionChange({
      leaderId: 1,
      leaderEpoch: 5,
      partitionEpoch: 14,
      replicas: [1, 2, 3],
      isr: [1, 2, 3],
    });
    fetchOk(state, 3, 0, 1);
    state.onLocalAppend(1);
    expect(state.maybeShrinkIsr(5_000, LAG_MS)?.partitionEpoch).toBe(14);
  });
});
