import { describe, expect, it } from "vitest";
import { Encoder } from "cbor-x/encode";
import {
  decodeGroupRecord,
  encodeGroupRecord,
  encodeGroupRecordKey,
  GroupCoordinator,
  type GroupRecord,
} from "../../src/group/mod.ts";
import { codeOf, newCoordinator, RecordLog, rounds, sequentialIds, TestMember } from "./support.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s: string) => new Uint8Array(s.match(/../g)!.map((h) => parseInt(h, 16)));

const samples: GroupRecord[] = [
  {
    type: "GroupMetadata",
    groupId: "g",
    epoch: 3,
    assignor: "sticky",
    topics: [{ topic: "t", partitionCount: 6 }],
  },
  {
    type: "Member",
    groupId: "g",
    memberId: "m1",
    instanceId: null,
    clientId: "c",
    subscribedTopics: ["t"],
    sessionTimeoutMs: 45_000,
    rebalanceTimeoutMs: 300_000,
  },
  {
    type: "TargetAssignment",
    groupId: "g",
    memberId: "m1",
    epoch: 3,
    partitions: [{ topic: "t", partitions: [0, 3] }],
  },
  {
    type: "CurrentAssignment",
    groupId: "g",
    memberId: "m1",
    memberEpoch: -2,
    previousMemberEpoch: 2,
    assigned: [{ topic: "t", partitions: [0] }],
    pendingRevocation: [],
  },
  {
    type: "OffsetCommit",
    groupId: "g",
    topic: "t",
    partition: 2,
    offset: 42,
    leaderEpoch: null,
    metadata: null,
    commitTimestampMs: 1_700_000_000_000,
  },
  {
    type: "OffsetCommit",
    groupId: "g",
    topic: "t",
    partition: 0,
    offset: 2 ** 40,
    leaderEpoch: 7,
    metadata: "x",
    commitTimestampMs: 0,
  },
  { type: "Tombstone", key: { type: "CurrentAssignment", groupId: "g", memberId: "m1" } },
];

describe("group record codec", () => {
  it("round-trips every record type", () => {
    for (const record of samples) {
      const { key, value } = encodeGroupRecord(record);
      expect(decodeGroupRecord(key, value)).toEqual(record);
    }
  });

  it("writes the documented bytes (golden)", () => {
    const member = encodeGroupRecord(samples[1]);
    expect(hex(member.key)).toBe("8400664d656d6265726167626d31"); // [0, "Member", "g", "m1"]
    expect(hex(member.value!)).toBe(
      "b900066776657273696f6e006a696e7374616e63654964f668636c69656e74496461637073756273637269626564" +
        "546f706963738161747073657373696f6e54696d656f75744d7319afc872726562616c616e636554696d656f75" +
        "744d731a000493e0",
    );
    const commit = encodeGroupRecord(samples[4]);
    expect(hex(commit.key)).toBe("85006c4f6666736574436f6d6d69746167617402");
    // commitTimestampMs is a CBOR uint64 (1b...), not a float.
    expect(hex(commit.value!).endsWith("1b0000018bcfe56800")).toBe(true);
    const tomb = encodeGroupRecord(samples[6]);
    expect(hex(tomb.key)).toBe("84007143757272656e7441737369676e6d656e746167626d31");
    expect(tomb.value).toBeNull();
    expect(decodeGroupRecord(unhex("8400664d656d6265726167626d31"), null)).toEqual({
      type: "Tombstone",
      key: { type: "Member", groupId: "g", memberId: "m1" },
    });
  });

  it("gives a record and its tombstone the same key, and different keys to different things", () => {
    const keyOf = (r: GroupRecord) => hex(encodeGroupRecord(r).key);
    expect(keyOf(samples[3])).toBe(keyOf(samples[6]));
    const keys = new Set(samples.slice(0, 6).map(keyOf));
    expect(keys.size).toBe(6);
    expect(hex(encodeGroupRecordKey({ type: "GroupMetadata", groupId: "g" }))).toBe(
      keyOf(samples[0]),
    );
  });

  it("rejects corrupt and unknown-version records", () => {
    const enc = new Encoder({ useRecords: false, mapsAsObjects: true });
    const memberKey = encodeGroupRecord(samples[1]).key;
    const value = (o: unknown) => enc.encode(o);
    expect(codeOf(() => decodeGroupRecord(new Uint8Array([0xff]), null))).toBe("CORRUPT_MESSAGE");
    expect(codeOf(() => decodeGroupRecord(enc.encode([0, "Nope", "g"]), null))).toBe(
      "CORRUPT_MESSAGE",
    );
    expect(codeOf(() => decodeGroupRecord(enc.encode([1, "Member", "g", "m"]), null))).toBe(
      "UNSUPPORTED_VERSION",
    );
    expect(codeOf(() => decodeGroupRecord(enc.encode([0, "Member", "g"]), null))).toBe(
      "CORRUPT_MESSAGE",
    );
    expect(codeOf(() => decodeGroupRecord(memberKey, value({ version: 1 })))).toBe(
      "UNSUPPORTED_VERSION",
    );
    expect(codeOf(() => decodeGroupRecord(memberKey, value({ version: 0, clientId: 5 })))).toBe(
      "CORRUPT_MESSAGE",
    );
    const targetKey = encodeGroupRecord(samples[2]).key;
    const unsorted = { version: 0, epoch: 1, partitions: [{ topic: "t", partitions: [3, 0] }] };
    expect(codeOf(() => decodeGroupRecord(targetKey, value(unsorted)))).toBe("CORRUPT_MESSAGE");
  });
});

/** A busy history: joins, a static restart, a crash, commits, a partition change, a leave. */
function history(): { c: GroupCoordinator; log: RecordLog; now: number } {
  const c = newCoordinator({ t: 6, u: 2 });
  const log = new RecordLog();
  const a = new TestMember(c, log, { topics: ["t"], instanceId: "i-a", sessionTimeoutMs: 5_000 });
  const b = new TestMember(c, log, { topics: ["t", "u"] });
  const d = new TestMember(c, log, { topics: ["t"], sessionTimeoutMs: 5_000 });
  let now = 0;
  for (const m of [a, b, d]) m.join(now += 10);
  now = rounds([a, b, d], 3, now);
  log.add(c.commitOffsets({
    groupId: "g",
    memberId: b.memberId,
    memberEpoch: b.memberEpoch,
    offsets: b.owned.flatMap((e) =>
      e.partitions.map((partition) => ({ topic: e.topic, partition, offset: 10 }))
    ),
  }, now));
  a.leave(now += 10, true);
  const a2 = new TestMember(c, log, { topics: ["t"], instanceId: "i-a", sessionTimeoutMs: 5_000 });
  a2.join(now += 10);
  log.add(c.onPartitionCountChange("t", 8, now));
  now = rounds([a2, b, d], 2, now);
  // d crashes; the others go on until it is removed.
  for (let i = 0; i < 8; i++) {
    now += 1_000;
    a2.heartbeat(now);
    b.heartbeat(now);
    log.add(c.tick(now));
  }
  b.heartbeat(now += 10, { subscribedTopics: ["u"] });
  now = rounds([a2, b], 3, now);
  log.add(
    c.commitOffsets({
      groupId: "other",
      memberId: "",
      memberEpoch: -1,
      offsets: [{ topic: "u", partition: 1, offset: 3 }],
    }, now),
  );
  return { c, log, now };
}

function replayed(records: GroupRecord[]): GroupCoordinator {
  const fresh = new GroupCoordinator({
    newMemberId: sequentialIds("r"),
    partitionCounts: [["t", 8], ["u", 2]],
  });
  for (const r of records) fresh.replay(r);
  return fresh;
}

describe("replaying group records", () => {
  it("rebuilds exactly the live state, also through bytes", () => {
    const { c, log } = history();
    expect(log.records.length).toBeGreaterThan(30);
    expect(replayed(log.records).snapshot()).toEqual(c.snapshot());
    const viaBytes = log.records.map((r) => {
      const { key, value } = encodeGroupRecord(r);
      return decodeGroupRecord(key, value);
    });
    expect(replayed(viaBytes).snapshot()).toEqual(c.snapshot());
  });

  it("rebuilds the same state from a compacted log (latest record per key, order kept)", () => {
    const { c, log } = history();
    const keys = log.records.map((r) => hex(encodeGroupRecord(r).key));
    const lastIndex = new Map(keys.map((k, i) => [k, i]));
    const compacted = log.records.filter((r, i) =>
      lastIndex.get(keys[i]) === i && r.type !== "Tombstone"
    );
    expect(compacted.length).toBeLessThan(log.records.length / 2);
    expect(replayed(compacted).snapshot()).toEqual(c.snapshot());
  });

  it("after loading, re-arms sessions from the new clock and rebalances changed topics", () => {
    const { c, log, now } = history();
    const loaded = replayed(log.records);
    const later = now + 60_000;
    const { records, nextDeadlineMs } = loaded.onLoaded(later);
    expect(records).toEqual([]);
    expect(nextDeadlineMs).toBe(later + 5_000);
    expect(loaded.describeGroup("g")).toEqual(c.describeGroup("g"));

    // Topic t shrank while nobody coordinated the group: loading rebalances it.
    const moved = new GroupCoordinator({
      newMemberId: sequentialIds("r"),
      partitionCounts: [["t", 4], ["u", 2]],
    });
    for (const r of log.records) moved.replay(r);
    const result = moved.onLoaded(later);
    expect(result.records.filter((r) => r.type === "GroupMetadata")).toHaveLength(1);
    expect(moved.describeGroup("g").epoch).toBe(c.describeGroup("g").epoch + 1);
  });
});
