// The two failures Kafka's KIP-101 fixed, at the level of the replication states: a replica that
// truncated to its (lagging) HW lost an acknowledged record, and two replicas that both lost
// unflushed writes diverged. With leader epochs a follower truncates only where its log and the
// leader's disagree.
import { describe, expect, it } from "vitest";
import type { EpochEntry } from "../../src/log/leader-epoch-cache.ts";
import {
  type FollowerEffect,
  FollowerReplicaState,
} from "../../src/replication/follower-replica.ts";
import { LeaderReplicaState } from "../../src/replication/leader-replica.ts";

/** Answers the follower's OffsetForLeaderEpoch from the leader until it fetches. */
function settle(follower: FollowerReplicaState, leader: LeaderReplicaState): FollowerEffect[] {
  const seen: FollowerEffect[] = [];
  let effects = follower.start();
  for (let round = 0; round < 10; round++) {
    seen.push(...effects);
    const ask = effects.find((e) => e.kind === "send-epoch-end");
    if (ask === undefined) return seen;
    const found = leader.endOffsetFor(ask.request);
    if ("code" in found) throw new Error(`leader refused: ${found.code}`);
    effects = follower.onEpochEndAnswer({
      currentLeaderEpoch: ask.request.currentLeaderEpoch,
      errorCode: null,
      requestedEpoch: ask.request.leaderEpoch,
      leaderEpoch: found.epoch,
      endOffset: found.endOffset,
    });
  }
  throw new Error("truncation did not settle in 10 rounds");
}

function newLeader(
  id: number,
  leaderEpoch: number,
  logEndOffset: number,
  highWatermark: number,
  epochs: EpochEntry[],
): LeaderReplicaState {
  return new LeaderReplicaState({
    localReplicaId: id,
    state: {
      leaderId: id,
      leaderEpoch,
      partitionEpoch: leaderEpoch,
      replicas: [1, 2],
      isr: [1, 2],
    },
    logEndOffset,
    highWatermark,
    epochs,
    nowMs: 0,
  });
}

describe("KIP-101", () => {
  it("scenario 1: a follower whose HW lags keeps the acknowledged record it holds", () => {
    // Leader A (1), epoch 0, wrote m1 and m2 and acknowledged both (HW 2); follower B (2) holds
    // both but learnt only HW 1. B restarts and follows A again, at leader epoch 1 (A re-elected).
    const a = newLeader(1, 1, 2, 2, [{ epoch: 0, startOffset: 0 }]);
    const b = new FollowerReplicaState({
      localReplicaId: 2,
      leaderId: 1,
      leaderEpoch: 1,
      logStartOffset: 0,
      logEndOffset: 2,
      highWatermark: 1,
      epochs: [{ epoch: 0, startOffset: 0 }],
    });
    const effects = settle(b, a);
    // Truncating to its HW (the old rule) would drop m2; the epoch answer keeps it.
    expect(effects.some((e) => e.kind === "truncate")).toBe(false);
    expect(b.logEndOffset).toBe(2);
    // A now dies and B leads epoch 2 with m2; A, back as a follower, keeps m2 too.
    const b2 = newLeader(2, 2, 2, 1, b.epochs.slice());
    const a2 = new FollowerReplicaState({
      localReplicaId: 1,
      leaderId: 2,
      leaderEpoch: 2,
      logStartOffset: 0,
      logEndOffset: 2,
      highWatermark: 2,
      epochs: [{ epoch: 0, startOffset: 0 }],
    });
    expect(settle(a2, b2).some((e) => e.kind === "truncate")).toBe(false);
    expect(a2.logEndOffset).toBe(2);
  });

  it("scenario 2: replicas that lost unflushed writes converge on the new leader's log", () => {
    // A (1) led epoch 0 and holds m1, m2 at [0, 2); B (2) holds m1 only. Both lose power; B
    // comes back first, leads epoch 1 and writes m3 at offset 1. A returns holding m1, m2.
    const b = newLeader(2, 1, 1, 1, [{ epoch: 0, startOffset: 0 }]);
    b.onLocalAppend(2); // m3 at offset 1, epoch 1
    const a = new FollowerReplicaState({
      localReplicaId: 1,
      leaderId: 2,
      leaderEpoch: 1,
      logStartOffset: 0,
      logEndOffset: 2,
      highWatermark: 1,
      epochs: [{ epoch: 0, startOffset: 0 }],
    });
    const effects = settle(a, b);
    // Epoch 0 ends at 1 on B: A drops m2 (never committed) and fetches m3 from offset 1.
    expect(effects).toEqual([
      { kind: "send-epoch-end", request: { replicaId: 1, currentLeaderEpoch: 1, leaderEpoch: 0 } },
      { kind: "truncate", endOffset: 1 },
      { kind: "send-fetch", request: { replicaId: 1, leaderEpoch: 1, fetchOffset: 1 } },
    ]);
    const fetched = a.onFetchAnswer({
      currentLeaderEpoch: 1,
      errorCode: null,
      fetchOffset: 1,
      highWatermark: 1,
      logStartOffset: 0,
      batches: [{ baseOffset: 1, lastOffset: 1, leaderEpoch: 1 }],
    });
    expect(fetched[0]).toEqual({
      kind: "append",
      batches: [{ baseOffset: 1, lastOffset: 1, leaderEpoch: 1 }],
    });
    expect(a.epochs).toEqual(b.epochs);
    expect(a.logEndOffset).toBe(b.logEndOffset);
  });
});
