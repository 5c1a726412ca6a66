import { describe, expect, it } from "vitest";
import type { ClassicJoinResponse } from "../../../src/coordinator/classic-types.ts";
import {
  decodeGroupRecord,
  encodeGroupRecord,
  type GroupRecord,
} from "../../../src/group/mod.ts";
import { bytes, ClassicShell, codeOf, INITIAL_DELAY_MS, text } from "./support.ts";

/** Every record through the codec, as a coordinator loading `__consumer_offsets` sees them. */
function throughLog(records: readonly GroupRecord[]): GroupRecord[] {
  return records.map((r) => {
    const { key, value } = encodeGroupRecord(r);
    return decodeGroupRecord(key, value);
  });
}

function stableGroup(shell: ClassicShell) {
  const a = shell.join({ clientId: "a" });
  const b = shell.join({ clientId: "b", groupInstanceId: "inst-b" });
  shell.advance(INITIAL_DELAY_MS * 2);
  const ja = shell.value<ClassicJoinResponse>(a.waitId);
  const jb = shell.value<ClassicJoinResponse>(b.waitId);
  shell.sync({
    memberId: ja.memberId,
    generationId: 1,
    assignments: [
      { memberId: ja.memberId, assignment: bytes("A") },
      { memberId: jb.memberId, assignment: bytes("B") },
    ],
  });
  shell.record(shell.coordinator.commitOffsetsClassic({
    groupId: "g",
    generationId: 1,
    memberId: ja.memberId,
    groupInstanceId: null,
    offsets: [{ topic: "t", partition: 1, offset: 7, leaderEpoch: 3, metadata: "m" }],
  }, shell.nowMs));
  return { a: ja.memberId, b: jb.memberId };
}

describe("classic groups: loading from records", () => {
  it("a loaded coordinator restores the Stable group; members keep heartbeating", () => {
    const live = new ClassicShell();
    const { a, b } = stableGroup(live);
    // Much later (beyond every session the old coordinator armed), another coordinator loads.
    const loaded = new ClassicShell({}, throughLog(live.records));
    loaded.nowMs = live.nowMs + 60_000;
    loaded.coordinator.onLoaded(loaded.nowMs);
    expect(loaded.coordinator.snapshot()).toEqual(live.coordinator.snapshot());
    expect(loaded.coordinator.describeGroupKafka("g")).toMatchObject({
      state: "Stable",
      protocolType: "consumer",
      protocolName: "range",
      members: [
        { memberId: a, groupInstanceId: null, clientId: "a" },
        { memberId: b, groupInstanceId: "inst-b", clientId: "b" },
      ],
    });
    loaded.advance(9_000);
    expect(loaded.heartbeat(a, 1)).toBeNull();
    expect(loaded.heartbeat(b, 1, "inst-b")).toBeNull();
    expect(text(loaded.sync({ memberId: b, generationId: 1, groupInstanceId: "inst-b" }).done!
      .assignment)).toBe("B");
    expect(loaded.coordinator.fetchOffsets({ groupId: "g" }, loaded.nowMs)).toMatchObject([
      { topic: "t", partition: 1, offset: 7, leaderEpoch: 3, metadata: "m" },
    ]);
    // b falls silent: its session, restarted at load, runs out and the group rebalances.
    for (let i = 0; i < 4; i++) {
      loaded.advance(3_000);
      loaded.heartbeat(a, 1);
    }
    expect(codeOf(() => loaded.heartbeat(b, 1, "inst-b"))).toBe("UNKNOWN_MEMBER_ID");
    expect(loaded.heartbeat(a, 1)).toBe("REBALANCE_IN_PROGRESS");
  });

  it("a group loaded mid-rebalance comes back at its last stored generation", () => {
    const live = new ClassicShell();
    const { a } = stableGroup(live);
    live.join({ clientId: "c" }); // PreparingRebalance, nothing stored yet
    const loaded = new ClassicShell({}, throughLog(live.records));
    expect(loaded.coordinator.describeGroupKafka("g").state).toBe("Stable");
    expect(loaded.heartbeat(a, 1)).toBeNull();
    // A member that rejoins (its old coordinator's join lost) starts the rebalance again.
    const again = loaded.join({ clientId: "a", memberId: a });
    expect(again.waitId).toBeDefined();
    expect(loaded.heartbeat(a, 1)).toBe("REBALANCE_IN_PROGRESS");
  });

  it("an Empty group loads Empty, with its generation and offsets", () => {
    const live = new ClassicShell();
    const { a, b } = stableGroup(live);
    live.record(live.coordinator.leaveClassic("g", [
      { memberId: a, groupInstanceId: null },
      { memberId: b, groupInstanceId: "inst-b" },
    ], live.nowMs));
    const loaded = new ClassicShell({}, throughLog(live.records));
    expect(loaded.coordinator.describeGroupKafka("g")).toMatchObject({ state: "Empty" });
    expect(loaded.coordinator.listGroups()).toMatchObject([
      { groupId: "g", state: "empty", epoch: 2, memberCount: 0 },
    ]);
    // A simple consumer may commit to it now; the next member starts generation 3.
    loaded.record(loaded.coordinator.commitOffsetsClassic({
      groupId: "g",
      generationId: -1,
      memberId: "",
      groupInstanceId: null,
      offsets: [{ topic: "t", partition: 0, offset: 1, leaderEpoch: null, metadata: null }],
    }, loaded.nowMs));
    const j = loaded.join({ clientId: "a" });
    loaded.advance(INITIAL_DELAY_MS);
    expect(loaded.value<ClassicJoinResponse>(j.waitId).generationId).toBe(3);
  });
});

describe("classic groups: offset commits", () => {
  it("are generation-checked for members; simple commits only without members", () => {
    const shell = new ClassicShell();
    const commit = (generationId: number, memberId: string, groupId = "g") =>
      codeOf(() =>
        shell.record(shell.coordinator.commitOffsetsClassic({
          groupId,
          generationId,
          memberId,
          groupInstanceId: null,
          offsets: [{ topic: "t", partition: 0, offset: 1, leaderEpoch: null, metadata: null }],
        }, shell.nowMs))
      );
    const j = shell.join({ clientId: "a" });
    shell.advance(INITIAL_DELAY_MS);
    const ja = shell.value<ClassicJoinResponse>(j.waitId);
    // CompletingRebalance: no commits before the assignment.
    expect(commit(1, ja.memberId)).toBe("REBALANCE_IN_PROGRESS");
    shell.sync({ memberId: ja.memberId, generationId: 1 });
    expect(commit(1, ja.memberId)).toBeUndefined();
    expect(commit(0, ja.memberId)).toBe("ILLEGAL_GENERATION");
    expect(commit(1, "other")).toBe("UNKNOWN_MEMBER_ID");
    expect(commit(-1, "")).toBe("UNKNOWN_MEMBER_ID");
    expect(commit(1, "someone", "unknown-group")).toBe("ILLEGAL_GENERATION");
    expect(commit(-1, "", "unknown-group")).toBeUndefined();
    // The native admin commit and reset are refused too while the classic group has members.
    expect(codeOf(() =>
      shell.coordinator.commitOffsets({
        groupId: "g",
        memberId: "",
        memberEpoch: -1,
        offsets: [{ topic: "t", partition: 0, offset: 2 }],
      }, shell.nowMs)
    )).toBe("UNKNOWN_MEMBER_ID");
    expect(codeOf(() =>
      shell.coordinator.resetOffsets({
        groupId: "g",
        offsets: [{ topic: "t", partition: 0, offset: 2 }],
      }, shell.nowMs)
    )).toBe("NON_EMPTY_GROUP");
    expect(codeOf(() => shell.coordinator.deleteGroup("g"))).toBe("NON_EMPTY_GROUP");
    // A PreparingRebalance group still takes commits at the current generation (before rejoin).
    shell.join({ clientId: "b" });
    expect(commit(1, ja.memberId)).toBeUndefined();
    expect(shell.coordinator.fetchOffsets({ groupId: "g" }, shell.nowMs)).toMatchObject([
      { topic: "t", partition: 0, offset: 1 },
    ]);
    // No native metadata was created for the classic group's offsets.
    expect(shell.records.some((r) => r.type === "GroupMetadata" && r.groupId === "g")).toBe(false);
  });
});
