import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/model/errors.ts";
import { acksAllAdmission, ProducePurgatory } from "../../src/replication/produce-purgatory.ts";
import { fetchOk, leader } from "./support.ts";

describe("acks=all admission", () => {
  it("refuses with NOT_ENOUGH_REPLICAS while the minimal ISR is below min.insync.replicas", () => {
    expect(acksAllAdmission(1, 2)).toBe("NOT_ENOUGH_REPLICAS");
    expect(acksAllAdmission(2, 2)).toBeNull();
    expect(acksAllAdmission(3, 2)).toBeNull();
    expect(() => acksAllAdmission(3, 0)).toThrow(InvariantViolation);
  });

  it("counts the ISR as it will be after a pending shrink", () => {
    const state = leader({ logEndOffset: 0, nowMs: 0 });
    state.onLocalAppend(1);
    fetchOk(state, 2, 0, 1);
    fetchOk(state, 3, 0, 1);
    expect(acksAllAdmission(state.minimalIsr.length, 2)).toBeNull();
    expect(state.maybeShrinkIsr(5_000, 1_000)?.newIsr).toEqual([1]);
    expect(acksAllAdmission(state.minimalIsr.length, 2)).toBe("NOT_ENOUGH_REPLICAS");
  });
});

describe("ProducePurgatory", () => {
  it("completes a waiter once the HW passes its last offset, in offset order", () => {
    const purgatory = new ProducePurgatory<string>({ waitersMax: 10 });
    purgatory.add("a", 4, 1_000); // offsets [0, 4]
    purgatory.add("b", 9, 1_000);
    expect(purgatory.onHighWatermark(4, 3, 2)).toEqual([]); // offset 4 is not below the HW
    expect(purgatory.onHighWatermark(5, 3, 2)).toEqual([{ key: "a", code: null }]);
    expect(purgatory.onHighWatermark(20, 3, 2)).toEqual([{ key: "b", code: null }]);
    expect(purgatory.size).toBe(0);
  });

  it("answers NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync first", () => {
    const state = leader({ logEndOffset: 0, nowMs: 0 });
    const purgatory = new ProducePurgatory<string>({ waitersMax: 10 });
    const minInsync = 2;
    expect(acksAllAdmission(state.minimalIsr.length, minInsync)).toBeNull();
    state.onLocalAppend(3);
    purgatory.add("p", 2, 30_000);
    fetchOk(state, 2, 0, 1);
    fetchOk(state, 3, 0, 1);
    // Both followers stall; the leader drops them and the controller commits ISR [1].
    expect(state.maybeShrinkIsr(2_000, 1_000)?.newIsr).toEqual([1]);
    expect(purgatory.onHighWatermark(state.highWatermark, state.minimalIsr.length, minInsync))
      .toEqual([]);
    state.onPartitionChange({
      leaderId: 1,
      leaderEpoch: 5,
      partitionEpoch: 11,
      replicas: [1, 2, 3],
      isr: [1],
    });
    expect(state.highWatermark).toBe(3);
    expect(purgatory.onHighWatermark(state.highWatermark, state.minimalIsr.length, minInsync))
      .toEqual([{ key: "p", code: "NOT_ENOUGH_REPLICAS_AFTER_APPEND" }]);
  });

  it("acknowledges when the ISR shrank but stayed at min.insync", () => {
    const state = leader({ logEndOffset: 0, nowMs: 0 });
    const purgatory = new ProducePurgatory<number>({ waitersMax: 10 });
    state.onLocalAppend(3);
    purgatory.add(7, 2, 30_000);
    fetchOk(state, 2, 3, 1_500);
    fetchOk(state, 3, 0, 1);
    const proposal = state.maybeShrinkIsr(2_000, 1_000);
    state.onAlterPartitionAnswer({
      errorCode: null,
      leaderId: 1,
      leaderEpoch: 5,
      partitionEpoch: 11,
      replicas: [1, 2, 3],
      isr: [1, 2],
    }, proposal?.proposalId ?? -1);
    expect(purgatory.onHighWatermark(state.highWatermark, state.minimalIsr.length, 2)).toEqual([
      { key: 7, code: null },
    ]);
  });

  it("times out waiters whose deadline passed, and says when the next one is due", () => {
    const purgatory = new ProducePurgatory<string>({ waitersMax: 10 });
    expect(purgatory.nextDeadlineMs()).toBeNull();
    purgatory.add("slow", 0, 500);
    purgatory.add("fast", 1, 200);
    purgatory.add("late", 2, 900);
    expect(purgatory.nextDeadlineMs()).toBe(200);
    expect(purgatory.expire(199)).toEqual([]);
    expect(purgatory.expire(200)).toEqual([{ key: "fast", code: "REQUEST_TIMED_OUT" }]);
    expect(purgatory.nextDeadlineMs()).toBe(500);
    expect(purgatory.onHighWatermark(3, 3, 2)).toEqual([
      { key: "slow", code: null },
      { key: "late", code: null },
    ]);
  });

  it("fails every waiter when leadership is lost", () => {
    const purgatory = new ProducePurgatory<string>({ waitersMax: 10 });
    purgatory.add("a", 0, 500);
    purgatory.add("b", 1, 500);
    expect(purgatory.failAll("NOT_LEADER_OR_FOLLOWER")).toEqual([
      { key: "a", code: "NOT_LEADER_OR_FOLLOWER" },
      { key: "b", code: "NOT_LEADER_OR_FOLLOWER" },
    ]);
    expect(purgatory.size).toBe(0);
  });

  it("is bounded, and waiters join in offset order", () => {
    const purgatory = new ProducePurgatory<string>({ waitersMax: 2 });
    purgatory.add("a", 0, 1);
    expect(() => purgatory.add("a again", 0, 1)).toThrow(InvariantViolation);
    purgatory.add("b", 1, 1);
    expect(purgatory.hasRoom).toBe(false);
    expect(() => purgatory.add("c", 2, 1)).toThrow(InvariantViolation);
  });
});
