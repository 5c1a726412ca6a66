import { describe, expect, it } from "vitest";
import type { ClassicJoinResponse, ClassicSyncResponse } from "../../../src/coordinator/classic-types.ts";
import { bytes, ClassicShell, codeOf, INITIAL_DELAY_MS, text } from "./support.ts";

/** Leader a (dynamic) and static follower b ("inst-b"), synced at generation 1. */
function stableGroup(shell: ClassicShell) {
  const a = shell.join({ clientId: "a" });
  const b = shell.join({ clientId: "b", groupInstanceId: "inst-b" });
  shell.advance(INITIAL_DELAY_MS * 2);
  const ja = shell.value<ClassicJoinResponse>(a.waitId);
  const jb = shell.value<ClassicJoinResponse>(b.waitId);
  expect(ja.leader).toBe(ja.memberId);
  shell.sync({
    memberId: ja.memberId,
    generationId: 1,
    assignments: [
      { memberId: ja.memberId, assignment: bytes("A") },
      { memberId: jb.memberId, assignment: bytes("B") },
    ],
  });
  return { a: ja.memberId, b: jb.memberId };
}

describe("classic groups: static membership", () => {
  it("a static follower restarting takes its old place without a rebalance", () => {
    const shell = new ClassicShell();
    const { a, b } = stableGroup(shell);
    const before = shell.records.length;
    const back = shell.join({ clientId: "b", groupInstanceId: "inst-b" });
    const jb = back.done!;
    expect(jb.memberId).not.toBe(b);
    expect(jb.generationId).toBe(1);
    expect(jb.leader).toBe(a);
    // The new id is stored at once, so a coordinator loading the log knows it.
    expect(shell.records.slice(before)).toEqual([
      expect.objectContaining({
        type: "ClassicGroup",
        generationId: 1,
        members: [
          expect.objectContaining({ memberId: a }),
          expect.objectContaining({ memberId: jb.memberId, groupInstanceId: "inst-b" }),
        ],
      }),
    ]);
    const synced = shell.sync({ memberId: jb.memberId, generationId: 1, groupInstanceId: "inst-b" });
    expect(text(synced.done!.assignment)).toBe("B");
    expect(shell.heartbeat(a, 1)).toBeNull();
    // The old incarnation is fenced.
    expect(codeOf(() => shell.heartbeat(b, 1, "inst-b"))).toBe("FENCED_INSTANCE_ID");
    expect(codeOf(() => shell.sync({ memberId: b, generationId: 1, groupInstanceId: "inst-b" })))
      .toBe("FENCED_INSTANCE_ID");
    expect(codeOf(() => shell.heartbeat(b, 1))).toBe("UNKNOWN_MEMBER_ID");
    expect(codeOf(() => shell.heartbeat(jb.memberId, 1, "other"))).toBe("UNKNOWN_MEMBER_ID");
    expect(codeOf(() => shell.heartbeat(jb.memberId, 1, null))).toBe("FENCED_INSTANCE_ID");
    expect(shell.heartbeat(jb.memberId, 1, "inst-b")).toBeNull();
  });

  it("a static member replaced while waiting has its old request fenced", () => {
    const shell = new ClassicShell();
    const { a, b } = stableGroup(shell);
    shell.join({ clientId: "c" }); // rebalance: a and b must rejoin
    const oldJoin = shell.join({ clientId: "b", memberId: b, groupInstanceId: "inst-b" });
    expect(shell.answer(oldJoin.waitId)).toBeUndefined();
    const newJoin = shell.join({ clientId: "b", groupInstanceId: "inst-b" });
    expect(shell.errorOf(oldJoin.waitId)).toBe("FENCED_INSTANCE_ID");
    shell.join({ clientId: "a", memberId: a });
    const jb = shell.value<ClassicJoinResponse>(newJoin.waitId);
    expect(jb.generationId).toBe(2);
    expect(jb.memberId).not.toBe(b);
  });

  it("a static member leaves by its instance id alone (LeaveGroup v3+)", () => {
    const shell = new ClassicShell();
    const { a, b } = stableGroup(shell);
    const left = shell.coordinator.leaveClassic("g", [
      { memberId: a, groupInstanceId: "inst-b" },
      { memberId: "", groupInstanceId: "inst-b" },
      { memberId: "", groupInstanceId: "inst-x" },
      { memberId: a, groupInstanceId: "inst-a" },
    ], shell.nowMs);
    expect("done" in left.outcome && left.outcome.done.map((r) => r.error)).toEqual([
      "FENCED_INSTANCE_ID",
      null,
      "UNKNOWN_MEMBER_ID",
      "UNKNOWN_MEMBER_ID",
    ]);
    expect(codeOf(() => shell.heartbeat(b, 1, "inst-b"))).toBe("UNKNOWN_MEMBER_ID");
    expect(shell.heartbeat(a, 1)).toBe("REBALANCE_IN_PROGRESS");
  });

  it("a static leader rejoining rebalances so it can assign again", () => {
    const shell = new ClassicShell();
    const a = shell.join({ clientId: "a", groupInstanceId: "inst-a" });
    shell.advance(INITIAL_DELAY_MS);
    const ja = shell.value<ClassicJoinResponse>(a.waitId);
    shell.sync({ memberId: ja.memberId, generationId: 1, groupInstanceId: "inst-a" });
    const again = shell.join({ clientId: "a", groupInstanceId: "inst-a" });
    const j2 = shell.value<ClassicJoinResponse>(again.waitId);
    expect(j2.generationId).toBe(2);
    expect(j2.leader).toBe(j2.memberId);
    expect(j2.members).toHaveLength(1);
    const s = shell.sync({
      memberId: j2.memberId,
      generationId: 2,
      groupInstanceId: "inst-a",
      assignments: [{ memberId: j2.memberId, assignment: bytes("all") }],
    });
    expect(text(shell.value<ClassicSyncResponse>(s.waitId).assignment)).toBe("all");
  });
});
