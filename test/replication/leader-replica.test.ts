import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/model/errors.ts";
import { fetchOk, leader } from "./support.ts";

describe("LeaderReplicaState: high watermark", () => {
  it("is the smallest log end over the ISR, the leader's own included", () => {
    const state = leader({ logEndOffset: 0 });
    state.onLocalAppend(10);
    expect(state.highWatermark).toBe(0);
    expect(fetchOk(state, 2, 10, 1)).toBe(0); // replica 3 has not fetched yet
    expect(fetchOk(state, 3, 4, 2)).toBe(4);
    expect(fetchOk(state, 3, 7, 3)).toBe(7);
    expect(fetchOk(state, 3, 10, 4)).toBe(10);
  });

  it("is bounded by the leader's own log end", () => {
    const state = leader({ isr: [1] });
    state.onLocalAppend(3);
    expect(state.highWatermark).toBe(3);
    state.onLocalAppend(8);
    expect(state.highWatermark).toBe(8);
  });

  it("ignores replicas outside the ISR", () => {
    const state = leader({ isr: [1, 2] });
    state.onLocalAppend(6);
    expect(fetchOk(state, 2, 6, 1)).toBe(6);
    expect(fetchOk(state, 3, 0, 1)).toBe(6);
  });

  it("never moves backwards, whatever the followers report", () => {
    const state = leader({ replicas: [1, 2], logEndOffset: 0 });
    state.onLocalAppend(10);
    expect(fetchOk(state, 2, 8, 1)).toBe(8);
    // The follower comes back with less (it lost writes it had fetched): the HW stays.
    expect(fetchOk(state, 2, 5, 2)).toBe(8);
    expect(state.highWatermark).toBe(8);
  });

  it("a new leader moves it over older epochs' entries once every ISR member fetched them from it", () => {
    // Takes over with offsets [0, 6) from older epochs; its HW from follower days is 2. Every
    // ISR member that fetched at 6 from this leader (in its epoch, after truncating to match)
    // holds [0, 6): every electable replica has them, so they are committed without waiting
    // for a produce in the new epoch (liveness after a failover or a full restart).
    const state = leader({
      replicas: [1, 2, 3],
      logEndOffset: 6,
      highWatermark: 2,
      epochs: [{ epoch: 3, startOffset: 0 }],
    });
    expect(state.epochStartOffset).toBe(6);
    expect(fetchOk(state, 2, 6, 1)).toBe(2); // replica 3 has not fetched from this leader yet
    expect(fetchOk(state, 3, 4, 1)).toBe(4);
    expect(fetchOk(state, 3, 6, 2)).toBe(6);
    state.onLocalAppend(7);
    expect(fetchOk(state, 2, 7, 2)).toBe(6);
    expect(fetchOk(state, 3, 7, 3)).toBe(7);
  });

  it("starts at the HW the replica had as a follower", () => {
    const state = leader({ logEndOffset: 9, highWatermark: 4 });
    expect(state.highWatermark).toBe(4);
  });
});

describe("LeaderReplicaState: fetch validation", () => {
  it("refuses fetches from other epochs, unknown replicas and beyond the log end", () => {
    const state = leader({ logEndOffset: 5, leaderEpoch: 5 });
    const at = (replicaId: number, leaderEpoch: number, fetchOffset: number) =>
      state.updateFollower({ replicaId, leaderEpoch, fetchOffset }, 1);
    expect(at(2, 4, 0)).toEqual({ ok: false, code: "FENCED_LEADER_EPOCH" });
    expect(at(2, 6, 0)).toEqual({ ok: false, code: "UNKNOWN_LEADER_EPOCH" });
    expect(at(9, 5, 0)).toEqual({ ok: false, code: "NOT_LEADER_OR_FOLLOWER" });
    expect(at(1, 5, 0)).toEqual({ ok: false, code: "NOT_LEADER_OR_FOLLOWER" });
    expect(at(2, 5, 6)).toEqual({ ok: false, code: "OFFSET_OUT_OF_RANGE" });
    expect(at(2, 5, -1)).toEqual({ ok: false, code: "OFFSET_OUT_OF_RANGE" });
    expect(at(2, 5, 1.5)).toEqual({ ok: false, code: "OFFSET_OUT_OF_RANGE" });
    expect(state.follower(2)?.logEndOffset).toBeNull();
  });

  it("answers OffsetForLeaderEpoch from its epochs, its own epoch ending at its log end", () => {
    const state = leader({
      leaderEpoch: 5,
      logEndOffset: 8,
      epochs: [{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 4 }],
    });
    state.onLocalAppend(12);
    const ask = (leaderEpoch: number) =>
      state.endOffsetFor({ replicaId: 2, currentLeaderEpoch: 5, leaderEpoch });
    expect(ask(5)).toEqual({ epoch: 5, endOffset: 12 });
    expect(ask(4)).toEqual({ epoch: 3, endOffset: 8 });
    expect(ask(3)).toEqual({ epoch: 3, endOffset: 8 });
    expect(ask(2)).toEqual({ epoch: 1, endOffset: 4 });
    expect(ask(0)).toEqual({ epoch: 0, endOffset: 0 });
    expect(state.endOffsetFor({ replicaId: 2, currentLeaderEpoch: 4, leaderEpoch: 3 })).toEqual({
      code: "FENCED_LEADER_EPOCH",
    });
  });

  it("asserts its construction invariants", () => {
    expect(() => leader({ isr: [2, 3] })).toThrow(InvariantViolation);
    expect(() => leader({ logEndOffset: 3, highWatermark: 4 })).toThrow(InvariantViolation);
  });
});

describe("LeaderReplicaState: caught-up time (Kafka's rule)", () => {
  it("a fetch at the leader's log end catches the follower up now", () => {
    const state = leader({ logEndOffset: 0 });
    state.onLocalAppend(5);
    fetchOk(state, 2, 5, 100);
    expect(state.follower(2)?.lastCaughtUpTimeMs).toBe(100);
  });

  it("a fetch reaching the log end of the previous fetch catches it up at that fetch's time", () => {
    const state = leader({ logEndOffset: 0, isr: [1, 2] });
    state.onLocalAppend(5);
    fetchOk(state, 3, 0, 100); // leader log end was 5
    state.onLocalAppend(9);
    fetchOk(state, 3, 5, 200); // has all the leader had at 100, not all it has at 200
    expect(state.follower(3)?.lastCaughtUpTimeMs).toBe(100);
    fetchOk(state, 3, 7, 300); // short of 9, the log end at 200
    expect(state.follower(3)?.lastCaughtUpTimeMs).toBe(100);
    fetchOk(state, 3, 9, 400);
    expect(state.follower(3)?.lastCaughtUpTimeMs).toBe(400);
  });
});
