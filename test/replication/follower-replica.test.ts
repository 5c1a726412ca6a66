import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/model/errors.ts";
import type { EpochEntry } from "../../src/log/leader-epoch-cache.ts";
import {
  type FollowerReplicaInit,
  FollowerReplicaState,
} from "../../src/replication/follower-replica.ts";

function follower(init: Partial<FollowerReplicaInit> & { epochs: EpochEntry[] }) {
  return new FollowerReplicaState({
    localReplicaId: 2,
    leaderId: 1,
    leaderEpoch: 7,
    logStartOffset: 0,
    logEndOffset: 0,
    highWatermark: 0,
    ...init,
  });
}

describe("FollowerReplicaState: truncation on a leader change", () => {
  it("asks the leader where its latest epoch ends", () => {
    const state = follower({ epochs: [{ epoch: 3, startOffset: 0 }], logEndOffset: 5 });
    expect(state.start()).toEqual([{
      kind: "send-epoch-end",
      request: { replicaId: 2, currentLeaderEpoch: 7, leaderEpoch: 3 },
    }]);
  });

  it("truncates only the divergent suffix and fetches from there", () => {
    const state = follower({
      epochs: [{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 4 }],
      logEndOffset: 9,
      highWatermark: 4,
    });
    state.start();
    // The leader has epoch 3 too, but it ended at 6 there.
    expect(
      state.onEpochEndAnswer({
        currentLeaderEpoch: 7,
        errorCode: null,
        requestedEpoch: 3,
        leaderEpoch: 3,
        endOffset: 6,
      }),
    ).toEqual([
      { kind: "truncate", endOffset: 6 },
      { kind: "send-fetch", request: { replicaId: 2, leaderEpoch: 7, fetchOffset: 6 } },
    ]);
    expect(state.phase).toBe("fetching");
    expect(state.logEndOffset).toBe(6);
    expect(state.epochs).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 4 }]);
  });

  it("keeps the whole log when the leader's epoch ends at or past it", () => {
    const state = follower({ epochs: [{ epoch: 3, startOffset: 0 }], logEndOffset: 5 });
    state.start();
    expect(
      state.onEpochEndAnswer({
        currentLeaderEpoch: 7,
        errorCode: null,
        requestedEpoch: 3,
        leaderEpoch: 3,
        endOffset: 8,
      }),
    ).toEqual([
      { kind: "send-fetch", request: { replicaId: 2, leaderEpoch: 7, fetchOffset: 5 } },
    ]);
  });

  it("KIP-279: an epoch the follower never had takes another round, with an earlier epoch", () => {
    // Follower: epoch 0 at [0, 5), 1 at [5, 8), 3 at [8, 10). Leader: 0 at [0, 6), 2 at [6, 9), 4...
    const state = follower({
      epochs: [
        { epoch: 0, startOffset: 0 },
        { epoch: 1, startOffset: 5 },
        { epoch: 3, startOffset: 8 },
      ],
      logEndOffset: 10,
    });
    state.start();
    // Asked about 3, the leader answers its largest epoch at or below: 2, ending at 9.
    expect(
      state.onEpochEndAnswer({
        currentLeaderEpoch: 7,
        errorCode: null,
        requestedEpoch: 3,
        leaderEpoch: 2,
        endOffset: 9,
      }),
    ).toEqual([
      { kind: "truncate", endOffset: 8 },
      {
        kind: "send-epoch-end",
        request: { replicaId: 2, currentLeaderEpoch: 7, leaderEpoch: 1 },
      },
    ]);
    // Asked about 1, the leader answers 0, ending at 6; ours ends at 5.
    // A duplicate of the first answer is not taken for the answer to the second question.
    expect(
      state.onEpochEndAnswer({
        currentLeaderEpoch: 7,
        errorCode: null,
        requestedEpoch: 3,
        leaderEpoch: 2,
        endOffset: 9,
      }),
    ).toEqual([]);
    expect(
      state.onEpochEndAnswer({
        currentLeaderEpoch: 7,
        errorCode: null,
        requestedEpoch: 1,
        leaderEpoch: 0,
        endOffset: 6,
      }),
    ).toEqual([
      { kind: "truncate", endOffset: 5 },
      { kind: "send-fetch", request: { replicaId: 2, leaderEpoch: 7, fetchOffset: 5 } },
    ]);
    expect(state.epochs).toEqual([{ epoch: 0, startOffset: 0 }]);
  });

  it("truncates below its HW to the leader's epoch end (the leader lost them) and says so", () => {
    // The last ISR member led epoch 3 with HW 9 over acks=1 records it had not fsynced; a power
    // cut took 5-8 and it leads epoch 7 from 5. This follower fetched them and learnt HW 9.
    const state = follower({
      epochs: [{ epoch: 3, startOffset: 0 }],
      logEndOffset: 9,
      highWatermark: 9,
    });
    state.start();
    expect(
      state.onEpochEndAnswer({
        currentLeaderEpoch: 7,
        errorCode: null,
        requestedEpoch: 3,
        leaderEpoch: 3,
        endOffset: 5,
      }),
    ).toEqual([
      { kind: "truncate-below-hw", endOffset: 5, highWatermark: 9 },
      { kind: "send-fetch", request: { replicaId: 2, leaderEpoch: 7, fetchOffset: 5 } },
    ]);
    expect(state.phase).toBe("fetching");
    expect(state.logEndOffset).toBe(5);
    expect(state.highWatermark).toBe(5);
    expect(state.epochs).toEqual([{ epoch: 3, startOffset: 0 }]);
    // It then follows the leader's log from there, its HW growing again from the cut.
    expect(
      state.onFetchAnswer({
        currentLeaderEpoch: 7,
        errorCode: null,
        fetchOffset: 5,
        highWatermark: 7,
        logStartOffset: 0,
        batches: [{ baseOffset: 5, lastOffset: 7, leaderEpoch: 7 }],
      }),
    ).toEqual([
      { kind: "append", batches: [{ baseOffset: 5, lastOffset: 7, leaderEpoch: 7 }] },
      { kind: "high-watermark", highWatermark: 7 },
      { kind: "send-fetch", request: { replicaId: 2, leaderEpoch: 7, fetchOffset: 8 } },
    ]);
  });

  it("a plain truncation above the HW is not reported as below it", () => {
    const state = follower({
      epochs: [{ epoch: 3, startOffset: 0 }],
      logEndOffset: 9,
      highWatermark: 5,
    });
    state.start();
    const effects = state.onEpochEndAnswer({
      currentLeaderEpoch: 7,
      errorCode: null,
      requestedEpoch: 3,
      leaderEpoch: 3,
      endOffset: 5,
    });
    expect(effects[0]).toEqual({ kind: "truncate", endOffset: 5 });
    expect(state.highWatermark).toBe(5);
  });

  it("cuts below its HW a whole epoch the leader lost (the power-cut leader's own)", () => {
    // Epoch 5 (offsets 4-8, HW 8 learnt) was the lost leader's; the new leader answers epoch 3.
    const state = follower({
      epochs: [{ epoch: 3, startOffset: 0 }, { epoch: 5, startOffset: 4 }],
      logEndOffset: 9,
      highWatermark: 8,
    });
    state.start();
    expect(
      state.onEpochEndAnswer({
        currentLeaderEpoch: 7,
        errorCode: null,
        requestedEpoch: 5,
        leaderEpoch: 3,
        endOffset: 6,
      }),
    ).toEqual([
      { kind: "truncate-below-hw", endOffset: 4, highWatermark: 8 },
      { kind: "send-fetch", request: { replicaId: 2, leaderEpoch: 7, fetchOffset: 4 } },
    ]);
    expect(state.epochs).toEqual([{ epoch: 3, startOffset: 0 }]);
    expect(state.highWatermark).toBe(4);
  });

  it("asserts that a cut below its HW removed no record the leader holds below its HW", () => {
    const cutThenFetch = (leaderHighWatermark: number, leaderEpoch: number) => {
      const state = follower({
        epochs: [{ epoch: 3, startOffset: 0 }],
        logEndOffset: 9,
        highWatermark: 9,
      });
      state.start();
      state.onEpochEndAnswer({
        currentLeaderEpoch: 7,
        errorCode: null,
        requestedEpoch: 3,
        leaderEpoch: 3,
        endOffset: 5,
      });
      return () =>
        state.onFetchAnswer({
          currentLeaderEpoch: 7,
          errorCode: null,
          fetchOffset: 5,
          highWatermark: leaderHighWatermark,
          logStartOffset: 0,
          batches: [{ baseOffset: 5, lastOffset: 6, leaderEpoch }],
        });
    };
    // The leader (wrongly) answered epoch 3 ending at 5 but holds epoch 3 at 5, committed: the
    // follower removed a record both had and the leader counts committed.
    expect(cutThenFetch(7, 3)).toThrow(InvariantViolation);
    // Same epoch but above the leader's HW: nothing committed was removed.
    expect(cutThenFetch(5, 3)).not.toThrow();
    // A later epoch at the cut, below the leader's HW: the leader's own new records.
    expect(cutThenFetch(7, 7)).not.toThrow();
  });

  it("a cut below the log start starts the log over at the cut", () => {
    const state = follower({
      epochs: [{ epoch: 3, startOffset: 6 }],
      logStartOffset: 6,
      logEndOffset: 9,
      highWatermark: 9,
    });
    state.start();
    expect(
      state.onEpochEndAnswer({
        currentLeaderEpoch: 7,
        errorCode: null,
        requestedEpoch: 3,
        leaderEpoch: 3,
        endOffset: 4,
      })[0],
    ).toEqual({ kind: "truncate-below-hw", endOffset: 4, highWatermark: 9 });
    expect([state.logStartOffset, state.logEndOffset, state.highWatermark]).toEqual([4, 4, 4]);
    expect(state.epochs).toEqual([]);
  });

  it("truncates to the HW when the leader knows no epoch at or below ours", () => {
    const state = follower({
      epochs: [{ epoch: 3, startOffset: 0 }],
      logEndOffset: 9,
      highWatermark: 4,
    });
    state.start();
    expect(
      state.onEpochEndAnswer({
        currentLeaderEpoch: 7,
        errorCode: null,
        requestedEpoch: 3,
        leaderEpoch: -1,
        endOffset: -1,
      }),
    ).toEqual([
      { kind: "truncate", endOffset: 4 },
      { kind: "send-fetch", request: { replicaId: 2, leaderEpoch: 7, fetchOffset: 4 } },
    ]);
  });

  it("an empty log fetches at once", () => {
    const state = follower({ epochs: [] });
    expect(state.start()).toEqual([
      { kind: "send-fetch", request: { replicaId: 2, leaderEpoch: 7, fetchOffset: 0 } },
    ]);
  });

  it("backs off on retriable errors and waits for metadata when fenced", () => {
    const state = follower({ epochs: [{ epoch: 3, startOffset: 0 }], logEndOffset: 2 });
    state.start();
    expect(
      state.onEpochEndAnswer({
        currentLeaderEpoch: 7,
        errorCode: "UNKNOWN_LEADER_EPOCH",
        requestedEpoch: 3,
      }),
    )
      .toEqual([
        { kind: "backoff", reason: "UNKNOWN_LEADER_EPOCH" },
      ]);
    expect(state.retry()[0].kind).toBe("send-epoch-end");
    expect(
      state.onEpochEndAnswer({
        currentLeaderEpoch: 7,
        errorCode: "FENCED_LEADER_EPOCH",
        requestedEpoch: 3,
      }),
    ).toEqual(
      [],
    );
    expect(state.phase).toBe("fenced");
  });

  it("asserts 0 <= log start <= HW <= LEO", () => {
    expect(() => follower({ epochs: [], highWatermark: 1 })).toThrow(InvariantViolation);
  });
});

describe("FollowerReplicaState: fetching", () => {
  function fetching(): FollowerReplicaState {
    const state = follower({ epochs: [] });
    state.start();
    return state;
  }

  it("appends what the leader sends and learns HW = min(leader HW, own log end)", () => {
    const state = fetching();
    const effects = state.onFetchAnswer({
      currentLeaderEpoch: 7,
      errorCode: null,
      fetchOffset: 0,
      highWatermark: 10,
      logStartOffset: 0,
      batches: [
        { baseOffset: 0, lastOffset: 2, leaderEpoch: 6 },
        { baseOffset: 3, lastOffset: 5, leaderEpoch: 7 },
      ],
    });
    expect(effects.map((e) => e.kind)).toEqual(["append", "high-watermark", "send-fetch"]);
    expect(state.logEndOffset).toBe(6);
    expect(state.highWatermark).toBe(6);
    expect(state.epochs).toEqual([{ epoch: 6, startOffset: 0 }, { epoch: 7, startOffset: 3 }]);
  });

  it("never moves its HW backwards", () => {
    const state = fetching();
    const batches = [{ baseOffset: 0, lastOffset: 5, leaderEpoch: 7 }];
    state.onFetchAnswer({
      currentLeaderEpoch: 7,
      errorCode: null,
      fetchOffset: 0,
      highWatermark: 4,
      logStartOffset: 0,
      batches,
    });
    expect(state.highWatermark).toBe(4);
    const effects = state.onFetchAnswer({
      currentLeaderEpoch: 7,
      errorCode: null,
      fetchOffset: 6,
      highWatermark: 2,
      logStartOffset: 0,
      batches: [],
    });
    expect(effects.map((e) => e.kind)).toEqual(["send-fetch"]);
    expect(state.highWatermark).toBe(4);
  });

  it("ignores answers to an earlier fetch", () => {
    const state = fetching();
    const answer = {
      currentLeaderEpoch: 7,
      errorCode: null,
      fetchOffset: 0,
      highWatermark: 3,
      logStartOffset: 0,
      batches: [{ baseOffset: 0, lastOffset: 2, leaderEpoch: 7 }],
    };
    expect(state.onFetchAnswer(answer)).toHaveLength(3);
    expect(state.onFetchAnswer(answer)).toEqual([]); // duplicated
    expect(state.logEndOffset).toBe(3);
  });

  it("ignores an answer to a fetch an earlier leader epoch's state sent from the same offset", () => {
    // Found by the simulation (seed 530): a FENCED_LEADER_EPOCH answer to the fetch of the
    // previous epoch's follower state fenced the new one, which then never fetched again.
    const state = fetching();
    expect(
      state.onFetchAnswer({
        currentLeaderEpoch: 6,
        errorCode: "FENCED_LEADER_EPOCH",
        fetchOffset: 0,
      }),
    ).toEqual([]);
    expect(state.phase).toBe("fetching");
    expect(
      state.onEpochEndAnswer({
        currentLeaderEpoch: 6,
        errorCode: "FENCED_LEADER_EPOCH",
        requestedEpoch: -1,
      }),
    ).toEqual([]);
    expect(state.phase).toBe("fetching");
  });

  it("refuses batches with a gap, an epoch going back or one beyond the leader's", () => {
    const state = fetching();
    const answer = (batches: { baseOffset: number; lastOffset: number; leaderEpoch: number }[]) =>
      state.onFetchAnswer({
        currentLeaderEpoch: 7,
        errorCode: null,
        fetchOffset: 0,
        highWatermark: 0,
        logStartOffset: 0,
        batches,
      });
    expect(answer([{ baseOffset: 1, lastOffset: 2, leaderEpoch: 7 }])[0].kind).toBe("backoff");
    expect(
      answer([
        { baseOffset: 0, lastOffset: 2, leaderEpoch: 7 },
        { baseOffset: 3, lastOffset: 3, leaderEpoch: 6 },
      ])[0].kind,
    ).toBe("backoff");
    expect(answer([{ baseOffset: 0, lastOffset: 2, leaderEpoch: 8 }])[0].kind).toBe("backoff");
    expect(state.logEndOffset).toBe(0);
  });

  it("starts over at the leader's log start when the leader deleted what it would fetch", () => {
    const state = follower({ epochs: [{ epoch: 7, startOffset: 0 }], logEndOffset: 3 });
    state.start();
    state.onEpochEndAnswer({
      currentLeaderEpoch: 7,
      errorCode: null,
      requestedEpoch: 7,
      leaderEpoch: 7,
      endOffset: 20,
    });
    expect(
      state.onFetchAnswer({
        currentLeaderEpoch: 7,
        errorCode: "OFFSET_OUT_OF_RANGE",
        fetchOffset: 3,
        logStartOffset: 12,
      }),
    ).toEqual([
      { kind: "reset", logStartOffset: 12 },
      { kind: "send-fetch", request: { replicaId: 2, leaderEpoch: 7, fetchOffset: 12 } },
    ]);
    expect(state.highWatermark).toBe(12);
  });

  it("looks for the divergence again when it is ahead of the leader", () => {
    const state = follower({ epochs: [{ epoch: 7, startOffset: 0 }], logEndOffset: 3 });
    state.start();
    state.onEpochEndAnswer({
      currentLeaderEpoch: 7,
      errorCode: null,
      requestedEpoch: 7,
      leaderEpoch: 7,
      endOffset: 20,
    });
    expect(
      state.onFetchAnswer({
        currentLeaderEpoch: 7,
        errorCode: "OFFSET_OUT_OF_RANGE",
        fetchOffset: 3,
        logStartOffset: 0,
      }),
    ).toEqual([{
      kind: "send-epoch-end",
      request: { replicaId: 2, currentLeaderEpoch: 7, leaderEpoch: 7 },
    }]);
    expect(state.phase).toBe("truncating");
  });
});
