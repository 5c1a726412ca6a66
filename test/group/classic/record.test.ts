import { describe, expect, it } from "vitest";
import { Encoder } from "cbor-x/encode";
import {
  decodeGroupRecord,
  encodeGroupRecord,
  encodeGroupRecordKey,
  type GroupRecord,
} from "../../../src/group/mod.ts";
import {
  assignmentPartitions,
  encodeAssignment,
  subscriptionTopics,
} from "../../../src/group/classic/consumer-protocol.ts";
import { codeOf } from "./support.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

const classic: GroupRecord = {
  type: "ClassicGroup",
  groupId: "g",
  protocolType: "consumer",
  generationId: 4,
  protocolName: "range",
  leaderId: "a-1",
  stateTimestampMs: 1_700_000_000_000,
  members: [{
    memberId: "a-1",
    groupInstanceId: "inst",
    clientId: "a",
    clientHost: "/10.0.0.1",
    rebalanceTimeoutMs: 300_000,
    sessionTimeoutMs: 45_000,
    metadata: new Uint8Array([0, 1, 2]),
    assignment: new Uint8Array([9, 8]),
  }],
};

describe("ClassicGroup record", () => {
  it("round-trips through the codec, bytes fields as CBOR byte strings", () => {
    const { key, value } = encodeGroupRecord(classic);
    expect(decodeGroupRecord(key, value)).toEqual(classic);
    // [0, "ClassicGroup", "g"]: the key has one encoding (compaction compares bytes).
    expect(hex(key)).toBe("8300" + "6c" + hex(new TextEncoder().encode("ClassicGroup")) + "6167");
    expect(hex(encodeGroupRecordKey({ type: "ClassicGroup", groupId: "g" }))).toBe(hex(key));
    // 0x43 000102: the metadata is a 3-byte byte string, not an array or a map.
    expect(hex(value!)).toContain("43000102");
    const empty: GroupRecord = { ...classic, protocolName: null, leaderId: null, members: [] };
    const e = encodeGroupRecord(empty);
    expect(decodeGroupRecord(e.key, e.value)).toEqual(empty);
    const tomb = encodeGroupRecord({ type: "Tombstone", key: { type: "ClassicGroup", groupId: "g" } });
    expect(tomb.value).toBeNull();
    expect(decodeGroupRecord(tomb.key, null)).toEqual({
      type: "Tombstone",
      key: { type: "ClassicGroup", groupId: "g" },
    });
  });

  it("refuses a malformed value as CORRUPT_MESSAGE", () => {
    const { key } = encodeGroupRecord(classic);
    const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
    const bad = encoder.encode({
      version: 0,
      protocolType: "consumer",
      generationId: 1,
      protocolName: null,
      leaderId: null,
      stateTimestampMs: 0,
      members: [{ memberId: "m", clientId: "c", clientHost: "h", rebalanceTimeoutMs: 1,
        sessionTimeoutMs: 1, groupInstanceId: null, metadata: [1, 2], assignment: new Uint8Array() }],
    });
    expect(codeOf(() => decodeGroupRecord(key, bad))).toBe("CORRUPT_MESSAGE");
  });
});

describe("consumer protocol bytes (describe only)", () => {
  it("reads the topics of a subscription and the partitions of an assignment", () => {
    // Subscription v1: version, topics ["b", "a"], userData null, ownedPartitions [].
    const sub = new Uint8Array([0, 1, 0, 0, 0, 2, 0, 1, 98, 0, 1, 97, 255, 255, 255, 255, 0, 0, 0, 0]);
    expect(subscriptionTopics(sub)).toEqual(["a", "b"]);
    const assignment = encodeAssignment([{ topic: "t", partitions: [0, 2] }]);
    expect(hex(assignment)).toBe("0000" + "00000001" + "0001" + "74" + "00000002" + "00000000" +
      "00000002" + "00000000");
    expect(assignmentPartitions(assignment)).toEqual([{ topic: "t", partitions: [0, 2] }]);
  });

  it("shows nothing for bytes that are not the consumer protocol", () => {
    expect(subscriptionTopics(new Uint8Array([0, 0, 0x7f, 0xff, 0xff, 0xff]))).toEqual([]);
    expect(assignmentPartitions(new Uint8Array([1]))).toEqual([]);
    expect(assignmentPartitions(new Uint8Array())).toEqual([]);
  });
});
