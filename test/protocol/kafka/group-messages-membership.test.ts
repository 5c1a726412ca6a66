// Golden bytes of JoinGroup, SyncGroup, Heartbeat and LeaveGroup, request and response, at each
// version whose layout differs: hand-assembled from Kafka's message schemas (the grammar atop
// each message file) and annotated field by field. "consumer" and "range" are the protocol
// type and name Kafka consumers send.
import { describe, expect, it } from "vitest";
import {
  decodeJoinGroupRequest,
  encodeJoinGroupResponse,
  type JoinGroupResponse,
} from "../../../src/protocol/kafka/messages/join-group.ts";
import {
  decodeSyncGroupRequest,
  encodeSyncGroupResponse,
} from "../../../src/protocol/kafka/messages/sync-group.ts";
import {
  decodeHeartbeatRequest,
  encodeHeartbeatResponse,
} from "../../../src/protocol/kafka/messages/heartbeat.ts";
import {
  decodeLeaveGroupRequest,
  encodeLeaveGroupResponse,
  type LeaveGroupResponse,
} from "../../../src/protocol/kafka/messages/leave-group.ts";
import { decodedAll, encoded, parseHex } from "./support/golden.ts";

const CONSUMER = "636f6e73756d6572";
const RANGE = "72616e6765";
const META = new Uint8Array([1, 2]);

describe("JoinGroup requests", () => {
  const expected = {
    groupId: "g",
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 60_000,
    memberId: "",
    groupInstanceId: null,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: META }],
    reason: null,
  };

  it("v0: no rebalance timeout (the session timeout stands in)", () => {
    expect(decodedAll(decodeJoinGroupRequest, 0, `
      0001 67                 # group_id
      00007530                # session_timeout_ms 30000
      0000                    # member_id ""
      0008 ${CONSUMER}        # protocol_type
      00000001 0005 ${RANGE} 00000002 0102   # protocols: range, metadata 01 02
    `)).toEqual({ ...expected, rebalanceTimeoutMs: 30_000 });
  });

  it("v1-v4: rebalance_timeout_ms after the session timeout", () => {
    expect(decodedAll(
      decodeJoinGroupRequest,
      2,
      `0001 67 00007530 0000ea60 0000 0008 ${CONSUMER} 00000001 0005 ${RANGE} 00000002 0102`,
    )).toEqual(expected);
  });

  it("v5: group_instance_id after the member id", () => {
    expect(decodedAll(
      decodeJoinGroupRequest,
      5,
      `0001 67 00007530 0000ea60 0001 6d 0001 69 0008 ${CONSUMER} 00000000`,
    )).toEqual({ ...expected, memberId: "m", groupInstanceId: "i", protocols: [] });
  });

  it("v6-v7: compact, tags", () => {
    expect(decodedAll(decodeJoinGroupRequest, 6, `
      02 67 00007530 0000ea60 # group_id, timeouts
      01 00                   # member_id "", group_instance_id null
      09 ${CONSUMER}          # protocol_type
      02 06 ${RANGE} 03 0102 00   # protocols: range, metadata 01 02, tags
      00                      # tags
    `)).toEqual(expected);
  });

  it("v8-v9: a reason at the end", () => {
    expect(decodedAll(
      decodeJoinGroupRequest,
      9,
      `02 67 00007530 0000ea60 01 00 09 ${CONSUMER} 01 02 78 00`,
    )).toEqual({ ...expected, protocols: [], reason: "x" });
  });
});

describe("JoinGroup responses", () => {
  const leader: JoinGroupResponse = {
    errorCode: 0,
    generationId: 1,
    protocolType: "consumer",
    protocolName: "range",
    leader: "m",
    skipAssignment: false,
    memberId: "m",
    members: [{ memberId: "m", groupInstanceId: null, metadata: META }],
  };
  const failed: JoinGroupResponse = {
    errorCode: 27,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: "",
    skipAssignment: false,
    memberId: "m",
    members: [],
  };

  it("v0-v1: no throttle time, no protocol type", () => {
    expect(encoded((w) => encodeJoinGroupResponse(w, 0, leader))).toEqual(parseHex(`
      0000 00000001           # error_code, generation_id
      0005 ${RANGE}           # protocol_name
      0001 6d 0001 6d         # leader, member_id
      00000001 0001 6d 00000002 0102   # members: m with its metadata
    `));
  });

  it("v2-v4: throttle time first; an unknown protocol name is the empty string", () => {
    expect(encoded((w) => encodeJoinGroupResponse(w, 2, failed))).toEqual(
      parseHex("00000000 001b ffffffff 0000 0000 0001 6d 00000000"),
    );
  });

  it("v5: each member's group_instance_id", () => {
    expect(encoded((w) => encodeJoinGroupResponse(w, 5, leader))).toEqual(parseHex(`
      00000000 0000 00000001 0005 ${RANGE} 0001 6d 0001 6d
      00000001 0001 6d ffff 00000002 0102   # m, instance null, metadata
    `));
  });

  it("v6: compact, tags", () => {
    expect(encoded((w) => encodeJoinGroupResponse(w, 6, leader))).toEqual(parseHex(`
      00000000 0000 00000001 06 ${RANGE} 02 6d 02 6d
      02 02 6d 00 03 0102 00   # members
      00
    `));
  });

  it("v7-v8: the protocol type, and null protocol fields on an error", () => {
    expect(encoded((w) => encodeJoinGroupResponse(w, 7, leader))).toEqual(parseHex(`
      00000000 0000 00000001 09 ${CONSUMER} 06 ${RANGE} 02 6d 02 6d 02 02 6d 00 03 0102 00 00
    `));
    expect(encoded((w) => encodeJoinGroupResponse(w, 8, failed))).toEqual(
      parseHex("00000000 001b ffffffff 00 00 01 02 6d 01 00"),
    );
  });

  it("v9: skip_assignment after the leader", () => {
    expect(encoded((w) => encodeJoinGroupResponse(w, 9, { ...leader, skipAssignment: true })))
      .toEqual(parseHex(`
        00000000 0000 00000001 09 ${CONSUMER} 06 ${RANGE} 02 6d
        01                    # skip_assignment
        02 6d 02 02 6d 00 03 0102 00 00
      `));
  });
});

describe("SyncGroup", () => {
  const request = {
    groupId: "g",
    generationId: 1,
    memberId: "m",
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [{ memberId: "m", assignment: META }],
  };

  it("v0-v2 requests: group, generation, member, assignments", () => {
    expect(decodedAll(
      decodeSyncGroupRequest,
      1,
      "0001 67 00000001 0001 6d 00000001 0001 6d 00000002 0102",
    )).toEqual(request);
  });

  it("v3 adds group_instance_id; v4 is compact; v5 adds the protocol", () => {
    expect(decodedAll(decodeSyncGroupRequest, 3, "0001 67 00000001 0001 6d 0001 69 00000000"))
      .toEqual({ ...request, groupInstanceId: "i", assignments: [] });
    expect(decodedAll(decodeSyncGroupRequest, 4, "02 67 00000001 02 6d 00 02 02 6d 03 0102 00 00"))
      .toEqual(request);
    expect(decodedAll(decodeSyncGroupRequest, 5, `
      02 67 00000001 02 6d 00   # group, generation, member, instance null
      09 ${CONSUMER} 06 ${RANGE}  # protocol_type, protocol_name
      01 00                     # no assignments (a follower), tags
    `)).toEqual({ ...request, protocolType: "consumer", protocolName: "range", assignments: [] });
  });

  it("responses: v0 error and bytes, v1 throttle time, v4 compact, v5 the protocol", () => {
    const body = {
      errorCode: 0,
      protocolType: "consumer",
      protocolName: "range",
      assignment: META,
    };
    expect(encoded((w) => encodeSyncGroupResponse(w, 0, body))).toEqual(
      parseHex("0000 00000002 0102"),
    );
    expect(encoded((w) => encodeSyncGroupResponse(w, 3, body))).toEqual(
      parseHex("00000000 0000 00000002 0102"),
    );
    expect(encoded((w) => encodeSyncGroupResponse(w, 4, body))).toEqual(
      parseHex("00000000 0000 03 0102 00"),
    );
    expect(encoded((w) => encodeSyncGroupResponse(w, 5, body))).toEqual(
      parseHex(`00000000 0000 09 ${CONSUMER} 06 ${RANGE} 03 0102 00`),
    );
    const failed = {
      errorCode: 27,
      protocolType: null,
      protocolName: null,
      assignment: new Uint8Array(0),
    };
    expect(encoded((w) => encodeSyncGroupResponse(w, 5, failed))).toEqual(
      parseHex("00000000 001b 00 00 01 00"),
    );
  });
});

describe("Heartbeat", () => {
  it("requests: v0-v2, v3 with group_instance_id, v4 compact", () => {
    const base = { groupId: "g", generationId: 1, memberId: "m", groupInstanceId: null };
    expect(decodedAll(decodeHeartbeatRequest, 0, "0001 67 00000001 0001 6d")).toEqual(base);
    expect(decodedAll(decodeHeartbeatRequest, 3, "0001 67 00000001 0001 6d 0001 69")).toEqual({
      ...base,
      groupInstanceId: "i",
    });
    expect(decodedAll(decodeHeartbeatRequest, 4, "02 67 00000001 02 6d 00 00")).toEqual(base);
  });

  it("responses: v0 the error, v1-v3 throttle time first, v4 tags", () => {
    expect(encoded((w) => encodeHeartbeatResponse(w, 0, 27))).toEqual(parseHex("001b"));
    expect(encoded((w) => encodeHeartbeatResponse(w, 3, 27))).toEqual(parseHex("00000000 001b"));
    expect(encoded((w) => encodeHeartbeatResponse(w, 4, 0))).toEqual(parseHex("00000000 0000 00"));
  });
});

describe("LeaveGroup", () => {
  it("v0-v2 requests: one member id", () => {
    expect(decodedAll(decodeLeaveGroupRequest, 2, "0001 67 0001 6d")).toEqual({
      groupId: "g",
      members: [{ memberId: "m", groupInstanceId: null, reason: null }],
    });
  });

  it("v3: a batch of members; v4 compact; v5 with reasons", () => {
    expect(decodedAll(decodeLeaveGroupRequest, 3, `
      0001 67
      00000002 0001 6d ffff 0000 0001 69   # m (dynamic), "" with instance i (static)
    `)).toEqual({
      groupId: "g",
      members: [
        { memberId: "m", groupInstanceId: null, reason: null },
        { memberId: "", groupInstanceId: "i", reason: null },
      ],
    });
    expect(decodedAll(decodeLeaveGroupRequest, 4, "02 67 02 02 6d 00 00 00").members).toEqual([
      { memberId: "m", groupInstanceId: null, reason: null },
    ]);
    expect(decodedAll(decodeLeaveGroupRequest, 5, "02 67 02 02 6d 02 69 02 78 00 00").members)
      .toEqual([{ memberId: "m", groupInstanceId: "i", reason: "x" }]);
  });

  it("responses: v0 the error, v1 throttle time, v3 per member, v4 compact", () => {
    const body: LeaveGroupResponse = {
      errorCode: 0,
      members: [{ memberId: "m", groupInstanceId: null, errorCode: 25 }],
    };
    expect(encoded((w) => encodeLeaveGroupResponse(w, 0, { ...body, errorCode: 25 }))).toEqual(
      parseHex("0019"),
    );
    expect(encoded((w) => encodeLeaveGroupResponse(w, 1, body))).toEqual(
      parseHex("00000000 0000"),
    );
    expect(encoded((w) => encodeLeaveGroupResponse(w, 3, body))).toEqual(
      parseHex("00000000 0000 00000001 0001 6d ffff 0019"),
    );
    expect(encoded((w) => encodeLeaveGroupResponse(w, 4, body))).toEqual(
      parseHex("00000000 0000 02 02 6d 00 0019 00 00"),
    );
  });
});
