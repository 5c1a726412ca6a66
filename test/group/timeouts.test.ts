import { describe, expect, it } from "vitest";
import { codeOf, expectDisjoint, names, newCoordinator, RecordLog, TestMember } from "./support.ts";

const SESSION_MS = 10_000;

function threeOnSix() {
  const c = newCoordinator({ t: 6 });
  const log = new RecordLog();
  const members = [0, 1, 2].map(() =>
    new TestMember(c, log, { topics: ["t"], sessionTimeoutMs: SESSION_MS })
  );
  let now = 0;
  for (const m of members) m.join(now += 10);
  for (let i = 0; i < 4; i++) for (const m of members) m.heartbeat(now += 10);
  return { c, log, members, now };
}

describe("session and rebalance timeouts", () => {
  it("a member that stops heartbeating loses its partitions; the others take them", () => {
    const { c, log, members, now: start } = threeOnSix();
    const [dead, ...alive] = members;
    const deadline = c.nextDeadlineMs()!;
    expect(deadline).toBe(start - 20 + SESSION_MS); // the first member heartbeated last at start-20
    let now = start;
    // The others keep heartbeating every second; tick runs whenever a deadline is due.
    while (now < start + SESSION_MS + 5_000) {
      now += 1_000;
      for (const m of alive) m.heartbeat(now);
      if (c.nextDeadlineMs()! <= now) log.add(c.tick(now));
      expectDisjoint(alive);
    }
    expect(c.describeGroup("g").members.map((m) => m.memberId)).toEqual(
      alive.map((m) => m.memberId),
    );
    expect(alive.map((m) => names(m.owned).length)).toEqual([3, 3]);
    expect(c.describeGroup("g").state).toBe("stable");
    // The zombie's commit and heartbeat are refused.
    const commit = () =>
      c.commitOffsets({
        groupId: "g",
        memberId: dead.memberId,
        memberEpoch: dead.memberEpoch,
        offsets: [{ topic: "t", partition: dead.owned[0].partitions[0], offset: 5 }],
      }, now);
    expect(codeOf(commit)).toBe("UNKNOWN_MEMBER_ID");
    expect(codeOf(() => dead.heartbeat(now))).toBe("UNKNOWN_MEMBER_ID");
  });

  it("treats an expired member as gone even before tick removes it", () => {
    const { c, members, now } = threeOnSix();
    const late = now + SESSION_MS;
    expect(codeOf(() => members[2].heartbeat(late))).toBe("UNKNOWN_MEMBER_ID");
    expect(codeOf(() =>
      c.commitOffsets({
        groupId: "g",
        memberId: members[2].memberId,
        memberEpoch: members[2].memberEpoch,
        offsets: [],
      }, late)
    )).toBe("UNKNOWN_MEMBER_ID");
    // Just inside the session it is still alive.
    expect(members[1].heartbeat(late - 11).memberEpoch).toBe(3);
  });

  it("fences a member that does not release revoked partitions within its rebalance timeout", () => {
    const c = newCoordinator({ t: 4 });
    const log = new RecordLog();
    const slow = new TestMember(c, log, { topics: ["t"], rebalanceTimeoutMs: 5_000 });
    const other = new TestMember(c, log, { topics: ["t"] });
    slow.join(0);
    const everything = slow.owned;
    other.join(100);
    // The slow member keeps heartbeating but keeps reporting everything as owned.
    const hb = (now: number) =>
      c.heartbeat({
        groupId: "g",
        memberId: slow.memberId,
        memberEpoch: 1,
        ownedPartitions: everything,
      }, now);
    hb(200);
    expect(c.nextDeadlineMs()).toBe(5_200);
    for (let now = 1_000; now < 5_200; now += 1_000) {
      hb(now);
      other.heartbeat(now);
      expect(names(other.owned)).toEqual([]);
      expect(c.tick(now).records).toEqual([]);
    }
    log.add(c.tick(5_200));
    expect(c.describeGroup("g").members.map((m) => m.memberId)).toEqual([other.memberId]);
    expect(names(other.heartbeat(5_300).assignment)).toEqual(["t-0", "t-1", "t-2", "t-3"]);
    expect(codeOf(() => hb(5_400))).toBe("UNKNOWN_MEMBER_ID");
  });

  it("removes several expired members of a group with one epoch bump", () => {
    const { c, members, now } = threeOnSix();
    members[2].heartbeat(now + 5_000);
    const result = c.tick(now + SESSION_MS);
    const epochs = result.records.filter((r) => r.type === "GroupMetadata");
    expect(epochs).toHaveLength(1);
    expect(c.describeGroup("g").members.map((m) => m.memberId)).toEqual([members[2].memberId]);
    expect(result.nextDeadlineMs).toBe(now + 5_000 + SESSION_MS);
  });
});
