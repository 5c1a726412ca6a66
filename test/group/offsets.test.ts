import { describe, expect, it } from "vitest";
import { codeOf, newCoordinator, RecordLog, rounds, TestMember } from "./support.ts";

function twoMembers() {
  const c = newCoordinator({ t: 4 });
  const log = new RecordLog();
  const a = new TestMember(c, log, { topics: ["t"] });
  const b = new TestMember(c, log, { topics: ["t"] });
  a.join(0);
  b.join(10);
  const now = rounds([a, b], 3, 10);
  return { c, log, a, b, now };
}

describe("committed offsets", () => {
  it("a member commits at its epoch and anyone fetches", () => {
    const { c, a, now } = twoMembers();
    const p = a.owned[0].partitions[0];
    const { records } = c.commitOffsets({
      groupId: "g",
      memberId: a.memberId,
      memberEpoch: a.memberEpoch,
      offsets: [{ topic: "t", partition: p, offset: 42, leaderEpoch: 3, metadata: "m" }],
    }, now);
    expect(records).toEqual([{
      type: "OffsetCommit",
      groupId: "g",
      topic: "t",
      partition: p,
      offset: 42,
      leaderEpoch: 3,
      metadata: "m",
      commitTimestampMs: now,
    }]);
    expect(c.fetchOffsets({ groupId: "g" }, now)).toEqual([
      {
        topic: "t",
        partition: p,
        offset: 42,
        leaderEpoch: 3,
        metadata: "m",
        commitTimestampMs: now,
      },
    ]);
    expect(
      c.fetchOffsets({
        groupId: "g",
        memberId: a.memberId,
        memberEpoch: a.memberEpoch,
        partitions: [{ topic: "t", partitions: [p, 3 - p] }],
      }, now),
    )
      .toEqual([
        {
          topic: "t",
          partition: p,
          offset: 42,
          leaderEpoch: 3,
          metadata: "m",
          commitTimestampMs: now,
        },
        {
          topic: "t",
          partition: 3 - p,
          offset: null,
          leaderEpoch: null,
          metadata: null,
          commitTimestampMs: null,
        },
      ].sort((x, y) => x.partition - y.partition));
    expect(c.fetchOffsets({ groupId: "unknown" }, now)).toEqual([]);
  });

  it("refuses commits from stale epochs, unknown members and unknown groups", () => {
    const { c, a, now } = twoMembers();
    const offsets = [{ topic: "t", partition: a.owned[0].partitions[0], offset: 1 }];
    const commit = (memberId: string, memberEpoch: number, groupId = "g") => () =>
      c.commitOffsets({ groupId, memberId, memberEpoch, offsets }, now);
    expect(codeOf(commit(a.memberId, a.memberEpoch - 2))).toBe("FENCED_MEMBER_EPOCH");
    expect(codeOf(commit(a.memberId, a.memberEpoch + 1))).toBe("FENCED_MEMBER_EPOCH");
    expect(codeOf(commit("ghost", 1))).toBe("UNKNOWN_MEMBER_ID");
    expect(codeOf(commit(a.memberId, 1, "nope"))).toBe("GROUP_ID_NOT_FOUND");
    expect(
      codeOf(() => c.fetchOffsets({ groupId: "g", memberId: a.memberId, memberEpoch: 99 }, now)),
    ).toBe(
      "FENCED_MEMBER_EPOCH",
    );
    expect(codeOf(() => c.fetchOffsets({ groupId: "nope", memberId: "x", memberEpoch: 1 }, now)))
      .toBe(
        "GROUP_ID_NOT_FOUND",
      );
  });

  it("accepts the previous epoch only for partitions the member still holds", () => {
    const { c, log, a, b, now } = twoMembers();
    // A third member joins: a's and b's epochs move from 2 to 3 at their next heartbeats.
    const d = new TestMember(c, log, { topics: ["t"] });
    d.join(now + 10);
    a.heartbeat(now + 20);
    b.heartbeat(now + 30);
    rounds([a, b, d], 3, now + 30);
    expect(a.memberEpoch).toBe(3);
    const held = a.owned[0].partitions[0];
    const notHeld = [0, 1, 2, 3].find((p) => !a.owned[0].partitions.includes(p))!;
    const commit = (partition: number) => () =>
      c.commitOffsets({
        groupId: "g",
        memberId: a.memberId,
        memberEpoch: 2,
        offsets: [{ topic: "t", partition, offset: 9 }],
      }, now);
    expect(codeOf(commit(held))).toBeUndefined();
    expect(codeOf(commit(notHeld))).toBe("FENCED_MEMBER_EPOCH");
  });

  it("allows admin commits (epoch -1) only while the group has no members", () => {
    const { c, a, b, now } = twoMembers();
    const admin = () =>
      c.commitOffsets({
        groupId: "g",
        memberId: "",
        memberEpoch: -1,
        offsets: [{ topic: "t", partition: 0, offset: 5 }],
      }, now);
    expect(codeOf(admin)).toBe("UNKNOWN_MEMBER_ID");
    a.leave(now);
    b.leave(now);
    expect(c.describeGroup("g").state).toBe("empty");
    expect(codeOf(admin)).toBeUndefined();
    expect(c.fetchOffsets({ groupId: "g" }, now).map((o) => o.offset)).toEqual([5]);
  });

  it("creates a group for a simple consumer's first commit", () => {
    const c = newCoordinator({ t: 2 });
    const { records } = c.commitOffsets({
      groupId: "simple",
      memberId: "",
      memberEpoch: -1,
      offsets: [{ topic: "t", partition: 1, offset: 7 }],
    }, 5);
    expect(records.map((r) => r.type)).toEqual(["GroupMetadata", "OffsetCommit"]);
    expect(c.describeGroup("simple")).toMatchObject({ state: "empty", epoch: 0, members: [] });
  });

  it("resets offsets only for groups without members", () => {
    const { c, a, b, now } = twoMembers();
    const reset = () =>
      c.resetOffsets({ groupId: "g", offsets: [{ topic: "t", partition: 2, offset: 0 }] }, now);
    expect(codeOf(reset)).toBe("NON_EMPTY_GROUP");
    a.leave(now);
    expect(codeOf(reset)).toBe("NON_EMPTY_GROUP");
    b.leave(now);
    expect(codeOf(reset)).toBeUndefined();
    expect(c.fetchOffsets({ groupId: "g" }, now)).toMatchObject([{ partition: 2, offset: 0 }]);
  });

  it("validates topics, partitions, offsets and metadata size", () => {
    const c = newCoordinator({ t: 2 }, {
      config: { offsetMetadataCharsMax: 3, committedOffsetsPerGroupMax: 2 },
    });
    const commit = (o: Record<string, unknown>) => () =>
      c.commitOffsets({
        groupId: "s",
        memberId: "",
        memberEpoch: -1,
        offsets: [{ topic: "t", partition: 0, offset: 0, ...o }],
      }, 0);
    expect(codeOf(commit({ topic: "nope" }))).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(codeOf(commit({ partition: 2 }))).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(codeOf(commit({ offset: -1 }))).toBe("INVALID_REQUEST");
    expect(codeOf(commit({ metadata: "long" }))).toBe("INVALID_COMMIT_OFFSET_SIZE");
    expect(codeOf(commit({}))).toBeUndefined();
    c.onPartitionCountChange("u", 1, 0);
    expect(codeOf(commit({ partition: 1 }))).toBeUndefined();
    expect(codeOf(commit({ topic: "u" }))).toBe("INVALID_COMMIT_OFFSET_SIZE");
  });

  it("deletes a group without members, with its offsets", () => {
    const c = newCoordinator({ t: 2 });
    c.commitOffsets({
      groupId: "s",
      memberId: "",
      memberEpoch: -1,
      offsets: [{ topic: "t", partition: 0, offset: 1 }],
    }, 0);
    const { records } = c.deleteGroup("s");
    expect(records.map((r) => r.type)).toEqual(["Tombstone", "Tombstone"]);
    expect(c.listGroups()).toEqual([]);
    expect(codeOf(() => c.deleteGroup("s"))).toBe("GROUP_ID_NOT_FOUND");
  });
});
