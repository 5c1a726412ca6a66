import { describe, expect, it } from "vitest";
import { codeOf, names, newCoordinator, RecordLog, rounds, TestMember } from "./support.ts";

const SESSION_MS = 10_000;

function staticGroup() {
  const c = newCoordinator({ t: 6 });
  const log = new RecordLog();
  const make = (instanceId: string) =>
    new TestMember(c, log, { topics: ["t"], instanceId, sessionTimeoutMs: SESSION_MS });
  const members = [make("i-a"), make("i-b"), make("i-c")];
  let now = 0;
  for (const m of members) m.join(now += 10);
  now = rounds(members, 4, now, 10);
  return { c, log, make, members, now };
}

describe("static membership", () => {
  it("a restart within the session timeout keeps the member's partitions, with no rebalance", () => {
    const { c, make, members, now: start } = staticGroup();
    const [a, b, d] = members;
    const before = names(a.owned);
    const epoch = c.describeGroup("g").epoch;
    a.leave(start + 10, true);
    expect(c.describeGroup("g").epoch).toBe(epoch);
    expect(c.describeGroup("g").members.find((m) => m.memberId === a.memberId)?.state).toBe(
      "staticLeft",
    );
    // The others are untouched while it is away.
    let now = rounds([b, d], 3, start + 10);
    expect(names(b.owned)).toHaveLength(2);
    const restarted = make("i-a");
    const response = restarted.join(now + 1_000);
    expect(response.memberId).not.toBe(a.memberId);
    expect(names(response.assignment)).toEqual(before);
    expect(response.memberEpoch).toBe(epoch);
    expect(c.describeGroup("g").epoch).toBe(epoch);
    expect(c.describeGroup("g").state).toBe("stable");
    // The old incarnation is fenced.
    expect(codeOf(() => a.heartbeat(now + 1_100))).toBe("FENCED_INSTANCE_ID");
    now = rounds([restarted, b, d], 2, now + 1_100);
    expect(names(restarted.owned)).toEqual(before);
  });

  it("refuses a second live process with the same instance id", () => {
    const { make, now } = staticGroup();
    expect(codeOf(() => make("i-b").join(now + 10))).toBe("UNRELEASED_INSTANCE_ID");
  });

  it("reassigns a static member's partitions once its session expires", () => {
    const { c, log, members, now: start } = staticGroup();
    const [a, b, d] = members;
    a.leave(start + 10, true);
    let now = start + 10;
    while (now < start + SESSION_MS + 3_000) {
      now += 1_000;
      b.heartbeat(now);
      d.heartbeat(now);
      if (c.nextDeadlineMs()! <= now) log.add(c.tick(now));
    }
    expect(c.describeGroup("g").members).toHaveLength(2);
    expect([b, d].map((m) => names(m.owned).length)).toEqual([3, 3]);
  });

  it("takes over an expired static member without waiting for tick", () => {
    const { c, make, members, now } = staticGroup();
    const late = now + SESSION_MS + 1;
    members[1].heartbeat(late - 100);
    members[2].heartbeat(late - 100);
    const restarted = make("i-a");
    expect(names(restarted.join(late).assignment)).toEqual(names(members[0].owned));
    expect(c.describeGroup("g").members).toHaveLength(3);
  });

  it("a static member leaving for good (epoch -1) is reassigned at once", () => {
    const { c, members, now } = staticGroup();
    members[0].leave(now + 10, false);
    expect(c.describeGroup("g").members).toHaveLength(2);
    rounds(members.slice(1), 3, now + 10);
    expect(members.slice(1).map((m) => names(m.owned).length)).toEqual([3, 3]);
  });

  it("checks instance ids on leave and heartbeats", () => {
    const { c, members, now } = staticGroup();
    const a = members[0];
    expect(
      codeOf(() =>
        c.leave({
          groupId: "g",
          memberId: members[1].memberId,
          instanceId: "i-a",
          staticLeave: true,
        }, now)
      ),
    ).toBe("FENCED_INSTANCE_ID");
    expect(codeOf(() => c.leave({ groupId: "g", memberId: a.memberId, staticLeave: true }, now)))
      .toBe(
        "INVALID_REQUEST",
      );
    expect(
      codeOf(() =>
        c.heartbeat({ groupId: "g", memberId: a.memberId, memberEpoch: a.memberEpoch }, now)
      ),
    )
      .toBe("FENCED_INSTANCE_ID");
    expect(
      codeOf(() =>
        c.heartbeat({
          groupId: "g",
          memberId: a.memberId,
          memberEpoch: a.memberEpoch,
          instanceId: "i-zz",
        }, now)
      ),
    ).toBe("UNKNOWN_MEMBER_ID");
  });
});
