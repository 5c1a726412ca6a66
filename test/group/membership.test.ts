import { describe, expect, it } from "vitest";
import { assignmentFromList } from "../../src/group/mod.ts";
import {
  codeOf,
  expectDisjoint,
  names,
  newCoordinator,
  RecordLog,
  rounds,
  TestMember,
} from "./support.ts";

function setup(partitions = 6) {
  const c = newCoordinator({ t: partitions });
  const log = new RecordLog();
  const make = () => new TestMember(c, log, { topics: ["t"] });
  return { c, log, make };
}

describe("group membership", () => {
  it("three members on six partitions end with two each, never sharing one", () => {
    const { c, make } = setup();
    const members = [make(), make(), make()];
    let now = 0;
    for (const m of members) {
      m.join(now += 10);
      expectDisjoint(members);
    }
    for (let i = 0; i < 5; i++) {
      for (const m of members) {
        m.heartbeat(now += 10);
        expectDisjoint(members);
      }
    }
    expect(members.map((m) => m.owned.flatMap((e) => e.partitions).length)).toEqual([2, 2, 2]);
    expect(members.flatMap((m) => names(m.owned)).sort()).toEqual(
      ["t-0", "t-1", "t-2", "t-3", "t-4", "t-5"],
    );
    const group = c.describeGroup("g");
    expect(group.state).toBe("stable");
    expect(group.epoch).toBe(3);
    expect(group.members.map((m) => m.memberEpoch)).toEqual([3, 3, 3]);
    expect(c.listGroups()).toEqual([
      { groupId: "g", state: "stable", epoch: 3, assignor: "sticky", memberCount: 3 },
    ]);
  });

  it("hands a partition over only after its owner confirms the revocation", () => {
    const { c, make } = setup();
    const a = make();
    const b = make();
    expect(names(a.join(0).assignment)).toEqual(["t-0", "t-1", "t-2", "t-3", "t-4", "t-5"]);
    const joined = b.join(10);
    expect(joined).toMatchObject({ memberEpoch: 2, assignment: [] });
    expect(c.describeGroup("g").state).toBe("reconciling");

    // a is told to give up three partitions and stays at epoch 1 until it confirms.
    const owned = a.owned;
    const told = c.heartbeat({
      groupId: "g",
      memberId: a.memberId,
      memberEpoch: 1,
      ownedPartitions: owned,
    }, 20);
    expect(told.response.memberEpoch).toBe(1);
    expect(told.response.assignment.flatMap((e) => e.partitions).length).toBe(3);
    expect(c.describeGroup("g").members[0].state).toBe("unrevokedPartitions");
    expect(b.heartbeat(30).assignment).toEqual([]);

    // Still owning them (a slow consumer): nothing changes.
    c.heartbeat({ groupId: "g", memberId: a.memberId, memberEpoch: 1, ownedPartitions: owned }, 40);
    expect(b.heartbeat(50).assignment).toEqual([]);

    // Released: a moves to epoch 2, and b gets the three partitions at its next heartbeat.
    const done = c.heartbeat({
      groupId: "g",
      memberId: a.memberId,
      memberEpoch: 1,
      ownedPartitions: told.response.assignment,
    }, 60);
    expect(done.response.memberEpoch).toBe(2);
    expect(names(b.heartbeat(70).assignment)).toHaveLength(3);
    expect(c.describeGroup("g").state).toBe("stable");
  });

  it("rebalances at once when a member leaves", () => {
    const { c, make } = setup();
    const [a, b, d] = [make(), make(), make()];
    let now = rounds([], 0, 0);
    for (const m of [a, b, d]) m.join(now += 10);
    now = rounds([a, b, d], 4, now);
    d.leave(now);
    expect(c.describeGroup("g").epoch).toBe(4);
    now = rounds([a, b], 3, now);
    expect(
      a.owned.flatMap((e) => e.partitions).length + b.owned.flatMap((e) => e.partitions).length,
    )
      .toBe(6);
    expect(codeOf(() => d.heartbeat(now + 1))).toBe("UNKNOWN_MEMBER_ID");
  });

  it("bumps the epoch and reassigns when a subscription changes", () => {
    const c = newCoordinator({ t: 2, u: 2 });
    const log = new RecordLog();
    const a = new TestMember(c, log, { topics: ["t"] });
    const b = new TestMember(c, log, { topics: ["t"] });
    let now = 0;
    a.join(now += 10);
    b.join(now += 10);
    now = rounds([a, b], 3, now);
    b.heartbeat(now += 10, { subscribedTopics: ["u"] });
    expect(c.describeGroup("g").epoch).toBe(3);
    now = rounds([a, b], 3, now);
    expect(names(a.owned)).toEqual(["t-0", "t-1"]);
    expect(names(b.owned)).toEqual(["u-0", "u-1"]);
  });

  it("reassigns when partitions are added or a subscribed topic appears", () => {
    const c = newCoordinator({ t: 4 });
    const log = new RecordLog();
    const a = new TestMember(c, log, { topics: ["t", "later"] });
    const b = new TestMember(c, log, { topics: ["t"] });
    let now = 0;
    a.join(now += 10);
    b.join(now += 10);
    now = rounds([a, b], 3, now);
    log.add(c.onPartitionCountChange("t", 6, now));
    expect(c.describeGroup("g").epoch).toBe(3);
    now = rounds([a, b], 3, now);
    expect([a, b].map((m) => names(m.owned).length)).toEqual([3, 3]);
    log.add(c.onPartitionCountChange("later", 2, now));
    expect(c.describeGroup("g").epoch).toBe(4);
    now = rounds([a, b], 3, now);
    expect(names(a.owned).filter((n) => n.startsWith("later"))).toEqual(["later-0", "later-1"]);
    expect(c.describeGroup("g").state).toBe("stable");
    // A topic nobody subscribes to changes nothing.
    expect(c.onPartitionCountChange("other", 3, now).records).toEqual([]);
  });

  it("revokes the partitions of a deleted topic", () => {
    const c = newCoordinator({ t: 2, u: 2 });
    const log = new RecordLog();
    const a = new TestMember(c, log, { topics: ["t", "u"] });
    let now = 0;
    a.join(now += 10);
    log.add(c.onPartitionCountChange("u", 0, now));
    a.heartbeat(now += 10);
    expect(names(a.owned)).toEqual(["t-0", "t-1"]);
    a.heartbeat(now += 10);
    expect(c.describeGroup("g").state).toBe("stable");
  });

  it("fences heartbeats with a wrong epoch and accepts the previous one after a lost response", () => {
    const { c, make } = setup();
    const a = make();
    const b = make();
    a.join(0); // epoch 1, all six
    b.join(10); // epoch 2
    const owned = a.owned;
    const revoke = c.heartbeat({
      groupId: "g",
      memberId: a.memberId,
      memberEpoch: 1,
      ownedPartitions: owned,
    }, 20);
    const kept = revoke.response.assignment;
    // The confirmation raises a to epoch 2, but pretend that response was lost.
    c.heartbeat({ groupId: "g", memberId: a.memberId, memberEpoch: 1, ownedPartitions: kept }, 30);
    const retry = c.heartbeat({
      groupId: "g",
      memberId: a.memberId,
      memberEpoch: 1,
      ownedPartitions: kept,
    }, 40);
    expect(retry.response.memberEpoch).toBe(2);
    // The previous epoch claiming more than the assignment is a zombie.
    expect(
      codeOf(() =>
        c.heartbeat(
          { groupId: "g", memberId: a.memberId, memberEpoch: 1, ownedPartitions: owned },
          50,
        )
      ),
    ).toBe("FENCED_MEMBER_EPOCH");
    expect(codeOf(() => c.heartbeat({ groupId: "g", memberId: a.memberId, memberEpoch: 7 }, 50)))
      .toBe(
        "FENCED_MEMBER_EPOCH",
      );
    expect(codeOf(() => c.heartbeat({ groupId: "g", memberId: "nobody", memberEpoch: 1 }, 50)))
      .toBe(
        "UNKNOWN_MEMBER_ID",
      );
    expect(codeOf(() => c.heartbeat({ groupId: "other", memberId: "m1", memberEpoch: 1 }, 50)))
      .toBe(
        "UNKNOWN_MEMBER_ID",
      );
  });

  it("lets a fenced member rejoin with epoch 0 under its id, owning nothing", () => {
    const { c, make } = setup();
    const a = make();
    const b = make();
    a.join(0);
    b.join(10);
    let now = rounds([a, b], 3, 10);
    const id = a.memberId;
    const rejoined = a.join(now += 10);
    expect(rejoined.memberId).toBe(id);
    expect(rejoined.memberEpoch).toBe(2);
    expect(names(rejoined.assignment)).toHaveLength(3);
    expect(c.describeGroup("g").members).toHaveLength(2);
    now = rounds([a, b], 2, now);
    expect(c.describeGroup("g").state).toBe("stable");
  });

  it("rejects bad requests without changing state", () => {
    const { c, make } = setup();
    const a = make();
    a.join(0);
    const before = c.snapshot();
    expect(
      codeOf(() =>
        c.heartbeat({ groupId: "", memberId: "", memberEpoch: 0, subscribedTopics: ["t"] }, 1)
      ),
    )
      .toBe("INVALID_GROUP_ID");
    expect(codeOf(() => c.heartbeat({ groupId: "g", memberId: "", memberEpoch: 0 }, 1))).toBe(
      "INVALID_REQUEST",
    );
    expect(
      codeOf(() =>
        c.heartbeat({
          groupId: "g",
          memberId: "",
          memberEpoch: 0,
          subscribedTopics: ["t"],
          sessionTimeoutMs: 1,
        }, 1)
      ),
    ).toBe("INVALID_SESSION_TIMEOUT");
    expect(codeOf(() => c.heartbeat({ groupId: "g", memberId: "", memberEpoch: -3 }, 1))).toBe(
      "INVALID_REQUEST",
    );
    expect(
      codeOf(() =>
        c.heartbeat({
          groupId: "g",
          memberId: "",
          memberEpoch: 0,
          subscribedTopics: ["t"],
          assignor: "range",
        }, 1)
      ),
    ).toBe("INCONSISTENT_GROUP_PROTOCOL");
    expect(
      codeOf(() =>
        c.heartbeat({
          groupId: "h",
          memberId: "",
          memberEpoch: 0,
          subscribedTopics: ["t"],
          assignor: "nope",
        }, 1)
      ),
    ).toBe("INVALID_REQUEST");
    expect(codeOf(() =>
      c.heartbeat({
        groupId: "g",
        memberId: a.memberId,
        memberEpoch: 1,
        ownedPartitions: [{ topic: "t", partitions: [-1] }],
      }, 1)
    )).toBe("INVALID_REQUEST");
    expect(c.snapshot()).toEqual(before);
  });

  it("caps members per group and honours the assignor the first member asks for", () => {
    const c = newCoordinator({ t: 4 }, { config: { membersPerGroupMax: 2 } });
    const log = new RecordLog();
    const first = new TestMember(c, log, { topics: ["t"], assignor: "range" });
    first.join(0);
    new TestMember(c, log, { topics: ["t"] }).join(1);
    expect(codeOf(() => new TestMember(c, log, { topics: ["t"] }).join(2))).toBe(
      "GROUP_MAX_SIZE_REACHED",
    );
    expect(c.describeGroup("g").assignor).toBe("range");
    expect(c.describeGroup("g").members.map((m) => names(m.targetAssignment))).toEqual([
      ["t-0", "t-1"],
      ["t-2", "t-3"],
    ]);
  });

  it("describes unknown groups as dead / not found", () => {
    const { c } = setup();
    expect(c.groupState("nope")).toBe("dead");
    expect(codeOf(() => c.describeGroup("nope"))).toBe("GROUP_ID_NOT_FOUND");
    expect(c.listGroups()).toEqual([]);
  });

  it("normalizes reported partitions in any order", () => {
    const { c, make } = setup(2);
    const a = make();
    a.join(0);
    const messy = [{ topic: "t", partitions: [1, 0, 1] }];
    const r = c.heartbeat({
      groupId: "g",
      memberId: a.memberId,
      memberEpoch: 1,
      ownedPartitions: messy,
    }, 1);
    expect(r.response.assignment).toEqual(
      assignmentFromList([{ topic: "t", partition: 0 }, { topic: "t", partition: 1 }]),
    );
  });
});
