import { describe, expect, it } from "vitest";
import type { ClassicJoinResponse, ClassicSyncResponse } from "../../../src/coordinator/classic-types.ts";
import { bytes, ClassicShell, codeOf, INITIAL_DELAY_MS, text } from "./support.ts";

/** Two members joined and synced: generation 1, a the leader. */
function twoMemberGroup(shell: ClassicShell) {
  const a = shell.join({ clientId: "a" });
  const b = shell.join({ clientId: "b" });
  // The initial delay passes once, then again as b came during it.
  shell.advance(INITIAL_DELAY_MS * 2);
  const ja = shell.value<ClassicJoinResponse>(a.waitId);
  const jb = shell.value<ClassicJoinResponse>(b.waitId);
  return { ja, jb };
}

describe("classic groups: join and sync", () => {
  it("two members join, the leader assigns, both get their assignments", () => {
    const shell = new ClassicShell({ classicInitialRebalanceDelayMs: 0 });
    const a = shell.join({ clientId: "a" });
    expect(a.waitId).toBeDefined();
    // a alone: the rebalance (started when a joined the empty group) completes at once, as
    // the group.initial.rebalance.delay.ms is 0 here and every known member has joined.
    const first = shell.value<ClassicJoinResponse>(a.waitId);
    expect(first.generationId).toBe(1);
    expect(first.leader).toBe(first.memberId);
    expect(first.memberId).toBe("a-id1");

    // b joins: the group rebalances; a's heartbeat says so, a rejoins.
    const b = shell.join({ clientId: "b" });
    expect(shell.answer(b.waitId)).toBeUndefined();
    expect(shell.heartbeat("a-id1", 1)).toBe("REBALANCE_IN_PROGRESS");
    const a2 = shell.join({ clientId: "a", memberId: "a-id1" });
    const ja = shell.value<ClassicJoinResponse>(a2.waitId);
    const jb = shell.value<ClassicJoinResponse>(b.waitId);
    expect(ja.generationId).toBe(2);
    expect(jb.generationId).toBe(2);
    expect(ja.leader).toBe("a-id1");
    expect(jb.leader).toBe("a-id1");
    expect(ja.members.map((m) => m.memberId)).toEqual(["a-id1", "b-id2"]);
    expect(jb.members).toEqual([]);
    expect(ja.protocolName).toBe("range");

    // The follower syncs first and waits; the leader's sync answers both and stores them.
    const sb = shell.sync({ memberId: "b-id2", generationId: 2 });
    expect(shell.answer(sb.waitId)).toBeUndefined();
    const before = shell.records.length;
    const sa = shell.sync({
      memberId: "a-id1",
      generationId: 2,
      assignments: [
        { memberId: "a-id1", assignment: bytes("for a") },
        { memberId: "b-id2", assignment: bytes("for b") },
      ],
    });
    expect(text(shell.value<ClassicSyncResponse>(sa.waitId).assignment)).toBe("for a");
    expect(text(shell.value<ClassicSyncResponse>(sb.waitId).assignment)).toBe("for b");
    const stored = shell.records.slice(before);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      type: "ClassicGroup",
      groupId: "g",
      generationId: 2,
      protocolName: "range",
      leaderId: "a-id1",
    });
    expect(shell.heartbeat("a-id1", 2)).toBeNull();
    expect(shell.heartbeat("b-id2", 2)).toBeNull();
    expect(shell.coordinator.describeGroupKafka("g").state).toBe("Stable");
    // A sync in the stable group answers at once with the stored assignment.
    expect(text(shell.sync({ memberId: "b-id2", generationId: 2 }).done!.assignment)).toBe(
      "for b",
    );
  });

  it("a third member makes the group rebalance; stale generations are refused", () => {
    const shell = new ClassicShell();
    const { ja } = twoMemberGroup(shell);
    expect(ja.generationId).toBe(1);
    shell.sync({ memberId: "a-id1", generationId: 1, assignments: [] });
    shell.sync({ memberId: "b-id2", generationId: 1 });
    const c = shell.join({ clientId: "c" });
    expect(shell.heartbeat("a-id1", 1)).toBe("REBALANCE_IN_PROGRESS");
    expect(shell.heartbeat("b-id2", 1)).toBe("REBALANCE_IN_PROGRESS");
    expect(codeOf(() => shell.sync({ memberId: "a-id1", generationId: 1 }))).toBe(
      "REBALANCE_IN_PROGRESS",
    );
    shell.join({ clientId: "a", memberId: "a-id1" });
    expect(shell.answer(c.waitId)).toBeUndefined();
    shell.join({ clientId: "b", memberId: "b-id2" });
    const jc = shell.value<ClassicJoinResponse>(c.waitId);
    expect(jc.generationId).toBe(2);
    expect(codeOf(() => shell.heartbeat("a-id1", 1))).toBe("ILLEGAL_GENERATION");
    expect(shell.heartbeat("a-id1", 2)).toBeNull();
    expect(codeOf(() => shell.heartbeat("nobody", 2))).toBe("UNKNOWN_MEMBER_ID");
  });

  it("members that do not rejoin within the rebalance timeout are removed", () => {
    const shell = new ClassicShell();
    twoMemberGroup(shell);
    shell.sync({ memberId: "a-id1", generationId: 1, assignments: [] });
    shell.sync({ memberId: "b-id2", generationId: 1 });
    const c = shell.join({ clientId: "c", rebalanceTimeoutMs: 5_000 });
    const a = shell.join({ clientId: "a", memberId: "a-id1", rebalanceTimeoutMs: 5_000 });
    // b keeps heartbeating but never rejoins; the rebalance timeout is the longest (b's 20 s).
    for (let i = 0; i < 6; i++) {
      shell.advance(3_000);
      shell.heartbeat("b-id2", 1);
    }
    expect(shell.answer(a.waitId)).toBeUndefined();
    shell.advance(2_500);
    const jc = shell.value<ClassicJoinResponse>(c.waitId);
    expect(jc.generationId).toBe(2);
    expect(shell.value<ClassicJoinResponse>(a.waitId).members.map((m) => m.memberId)).toEqual([
      "a-id1",
      "c-id3",
    ]);
    expect(codeOf(() => shell.heartbeat("b-id2", 2))).toBe("UNKNOWN_MEMBER_ID");
  });

  it("a member whose session expires is removed and the others rebalance", () => {
    const shell = new ClassicShell();
    twoMemberGroup(shell);
    shell.sync({ memberId: "a-id1", generationId: 1, assignments: [] });
    shell.sync({ memberId: "b-id2", generationId: 1 });
    for (let i = 0; i < 3; i++) {
      shell.advance(3_000);
      expect(shell.heartbeat("a-id1", 1)).toBeNull();
    }
    shell.advance(1_100);
    // b has been silent for 10.1 s > its 10 s session.
    expect(codeOf(() => shell.heartbeat("b-id2", 1))).toBe("UNKNOWN_MEMBER_ID");
    expect(shell.heartbeat("a-id1", 1)).toBe("REBALANCE_IN_PROGRESS");
    const a = shell.join({ clientId: "a", memberId: "a-id1" });
    const ja = shell.value<ClassicJoinResponse>(a.waitId);
    expect(ja.generationId).toBe(2);
    expect(ja.members.map((m) => m.memberId)).toEqual(["a-id1"]);
  });

  it("a leader that never syncs is removed at the sync deadline and followers rejoin", () => {
    const shell = new ClassicShell();
    twoMemberGroup(shell);
    const sb = shell.sync({ memberId: "b-id2", generationId: 1 });
    // The leader heartbeats (its session lives) but never sends its assignment; b waits.
    for (let i = 0; i < 6; i++) {
      shell.advance(3_000);
      expect(shell.heartbeat("a-id1", 1)).toBeNull();
    }
    expect(shell.answer(sb.waitId)).toBeUndefined();
    shell.advance(2_000);
    expect(shell.errorOf(sb.waitId)).toBe("REBALANCE_IN_PROGRESS");
    expect(codeOf(() => shell.heartbeat("a-id1", 1))).toBe("UNKNOWN_MEMBER_ID");
    const b = shell.join({ clientId: "b", memberId: "b-id2" });
    expect(shell.value<ClassicJoinResponse>(b.waitId).leader).toBe("b-id2");
  });

  it("the last member leaving makes the group Empty, stored with its generation", () => {
    const shell = new ClassicShell();
    twoMemberGroup(shell);
    shell.sync({ memberId: "a-id1", generationId: 1, assignments: [] });
    const results = shell.coordinator.leaveClassic("g", [
      { memberId: "a-id1", groupInstanceId: null },
      { memberId: "b-id2", groupInstanceId: null },
      { memberId: "ghost", groupInstanceId: null },
    ], shell.nowMs);
    shell.record(results);
    expect("done" in results.outcome && results.outcome.done.map((r) => r.error)).toEqual([
      null,
      null,
      "UNKNOWN_MEMBER_ID",
    ]);
    expect(results.records).toEqual([
      expect.objectContaining({ type: "ClassicGroup", generationId: 2, members: [] }),
    ]);
    expect(shell.coordinator.describeGroupKafka("g")).toMatchObject({
      state: "Empty",
      members: [],
    });
    // An empty classic group can be deleted.
    const deleted = shell.coordinator.deleteGroup("g");
    expect(deleted.records).toEqual([
      { type: "Tombstone", key: { type: "ClassicGroup", groupId: "g" } },
    ]);
    expect(shell.coordinator.describeGroupKafka("g").state).toBe("Dead");
  });

  it("the first join to an empty group waits the initial delay, extended while members come", () => {
    const shell = new ClassicShell({ classicInitialRebalanceDelayMs: 300 });
    const a = shell.join({ clientId: "a", rebalanceTimeoutMs: 1_000 });
    shell.advance(200);
    const b = shell.join({ clientId: "b", rebalanceTimeoutMs: 1_000 });
    shell.advance(150);
    // 350 ms: the first delay ran out, but b arrived during it: another 300 ms.
    expect(shell.answer(a.waitId)).toBeUndefined();
    shell.advance(260);
    const ja = shell.value<ClassicJoinResponse>(a.waitId);
    expect(ja.generationId).toBe(1);
    expect(ja.members).toHaveLength(2);
    expect(shell.value<ClassicJoinResponse>(b.waitId).generationId).toBe(1);
  });

  it("chooses the protocol every member supports that most members prefer", () => {
    const shell = new ClassicShell();
    const p = (name: string) => ({ name, metadata: bytes(name) });
    const a = shell.join({ clientId: "a", protocols: [p("range"), p("roundrobin"), p("sticky")] });
    shell.join({ clientId: "b", protocols: [p("sticky"), p("roundrobin")] });
    shell.join({ clientId: "c", protocols: [p("roundrobin"), p("sticky")] });
    shell.join({ clientId: "d", protocols: [p("roundrobin"), p("range"), p("sticky")] });
    // range is not supported by b and c; roundrobin has 3 first votes (a falls back to it).
    expect(codeOf(() => shell.join({ clientId: "e", protocols: [p("range")] }))).toBe(
      "INCONSISTENT_GROUP_PROTOCOL",
    );
    expect(codeOf(() => shell.join({ clientId: "f", protocolType: "connect" }))).toBe(
      "INCONSISTENT_GROUP_PROTOCOL",
    );
    shell.advance(INITIAL_DELAY_MS * 2);
    const ja = shell.value<ClassicJoinResponse>(a.waitId);
    expect(ja.protocolName).toBe("roundrobin");
    expect(text(ja.members.find((m) => m.memberId === "b-id2")!.metadata)).toBe("roundrobin");
  });
});

describe("classic groups: member ids and limits", () => {
  it("a v4+ join without a member id gets MEMBER_ID_REQUIRED and joins with that id", () => {
    const shell = new ClassicShell({ classicInitialRebalanceDelayMs: 0 });
    const first = shell.join({ clientId: "a", requireKnownMemberId: true });
    expect(first.done).toMatchObject({ error: "MEMBER_ID_REQUIRED", memberId: "a-id1" });
    expect(first.done!.generationId).toBe(-1);
    const again = shell.join({ clientId: "a", memberId: "a-id1", requireKnownMemberId: true });
    expect(shell.value<ClassicJoinResponse>(again.waitId)).toMatchObject({
      error: null,
      memberId: "a-id1",
      generationId: 1,
    });
    // An id that was never handed out is unknown.
    expect(codeOf(() => shell.join({ memberId: "made-up" }))).toBe("UNKNOWN_MEMBER_ID");
  });

  it("an unused MEMBER_ID_REQUIRED id lapses after the session timeout", () => {
    const shell = new ClassicShell();
    shell.join({ clientId: "a", requireKnownMemberId: true });
    shell.advance(10_001);
    expect(codeOf(() => shell.join({ clientId: "a", memberId: "a-id1" }))).toBe(
      "UNKNOWN_MEMBER_ID",
    );
  });

  it("refuses session timeouts outside the group bounds and full groups", () => {
    const shell = new ClassicShell({ classicMembersPerGroupMax: 2 });
    expect(codeOf(() => shell.join({ sessionTimeoutMs: 5_999 }))).toBe("INVALID_SESSION_TIMEOUT");
    expect(codeOf(() => shell.join({ sessionTimeoutMs: 1_800_001 }))).toBe(
      "INVALID_SESSION_TIMEOUT",
    );
    shell.join({ clientId: "a" });
    shell.join({ clientId: "b", requireKnownMemberId: true });
    expect(codeOf(() => shell.join({ clientId: "c" }))).toBe("GROUP_MAX_SIZE_REACHED");
    expect(codeOf(() => shell.join({ protocols: [] }))).toBe("INCONSISTENT_GROUP_PROTOCOL");
    expect(codeOf(() => shell.join({ groupId: "" }))).toBe("INVALID_GROUP_ID");
  });
});
