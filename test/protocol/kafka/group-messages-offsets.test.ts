// Golden bytes of FindCoordinator, OffsetCommit, OffsetFetch and DeleteGroups, request and
// response, at each version whose layout differs: hand-assembled from Kafka's message schemas
// (the grammar atop each message file) and annotated field by field.
import { describe, expect, it } from "vitest";
import {
  decodeFindCoordinatorRequest,
  encodeFindCoordinatorResponse,
  type FindCoordinatorResponse,
} from "../../../src/protocol/kafka/messages/find-coordinator.ts";
import {
  decodeOffsetCommitRequest,
  encodeOffsetCommitResponse,
  type OffsetCommitResponse,
} from "../../../src/protocol/kafka/messages/offset-commit.ts";
import {
  decodeOffsetFetchRequest,
  encodeOffsetFetchResponse,
  type OffsetFetchResponse,
} from "../../../src/protocol/kafka/messages/offset-fetch.ts";
import {
  decodeDeleteGroupsRequest,
  encodeDeleteGroupsResponse,
} from "../../../src/protocol/kafka/messages/delete-groups.ts";
import { decodedAll, encoded, parseHex } from "./support/golden.ts";

describe("FindCoordinator requests", () => {
  it("v0: the key only (a group)", () => {
    expect(decodedAll(decodeFindCoordinatorRequest, 0, "0001 67")).toEqual({
      keyType: 0,
      keys: ["g"],
    });
  });

  it("v1-v2: key then key_type", () => {
    expect(decodedAll(decodeFindCoordinatorRequest, 2, "0001 67 01")).toEqual({
      keyType: 1,
      keys: ["g"],
    });
  });

  it("v3: compact key, tags", () => {
    expect(decodedAll(decodeFindCoordinatorRequest, 3, "02 67 00 00").keys).toEqual(["g"]);
  });

  it("v4: key_type first, then a batch of keys", () => {
    expect(decodedAll(decodeFindCoordinatorRequest, 4, `
      00            # key_type group
      03 02 67 02 68 # coordinator_keys: "g", "h"
      00            # tags
    `)).toEqual({ keyType: 0, keys: ["g", "h"] });
  });
});

describe("FindCoordinator responses", () => {
  const one: FindCoordinatorResponse = {
    coordinators: [{
      key: "g",
      nodeId: 1,
      host: "h",
      port: 9092,
      errorCode: 0,
      errorMessage: null,
    }],
  };

  it("v0: error, node, host, port", () => {
    expect(encoded((w) => encodeFindCoordinatorResponse(w, 0, one))).toEqual(
      parseHex("0000 00000001 0001 68 00002384"),
    );
  });

  it("v1-v2: throttle time and a nullable error message", () => {
    expect(encoded((w) => encodeFindCoordinatorResponse(w, 1, one))).toEqual(parseHex(`
      00000000      # throttle_time_ms
      0000 ffff     # error_code, error_message null
      00000001 0001 68 00002384
    `));
  });

  it("v3: compact strings, tags", () => {
    expect(encoded((w) => encodeFindCoordinatorResponse(w, 3, one))).toEqual(
      parseHex("00000000 0000 00 00000001 02 68 00002384 00"),
    );
  });

  it("v4: one entry per key, each with its own error", () => {
    const body: FindCoordinatorResponse = {
      coordinators: [one.coordinators[0], {
        key: "x",
        nodeId: -1,
        host: "",
        port: -1,
        errorCode: 15,
        errorMessage: "n",
      }],
    };
    expect(encoded((w) => encodeFindCoordinatorResponse(w, 4, body))).toEqual(parseHex(`
      00000000                                  # throttle_time_ms
      03                                        # coordinators: 2
      02 67 00000001 02 68 00002384 0000 00 00  # "g" at 1 h:9092, no error, no message
      02 78 ffffffff 01 ffffffff 000f 02 6e 00  # "x": COORDINATOR_NOT_AVAILABLE "n"
      00                                        # tags
    `));
  });
});

describe("OffsetCommit requests", () => {
  const partition = { partitionIndex: 0, committedOffset: 42 };

  it("v2-v4: generation, member, retention_time_ms", () => {
    expect(decodedAll(decodeOffsetCommitRequest, 2, `
      0001 67               # group_id "g"
      00000005              # generation_id
      0001 6d               # member_id "m"
      ffffffffffffffff      # retention_time_ms -1
      00000001 0001 74      # topics: "t"
      00000001              # partitions: 1
      00000000 000000000000002a ffff  # partition 0, offset 42, metadata null
    `)).toEqual({
      groupId: "g",
      generationId: 5,
      memberId: "m",
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [{
        name: "t",
        partitions: [{ ...partition, committedLeaderEpoch: -1, committedMetadata: null }],
      }],
    });
  });

  it("v5: no retention; v6: the leader epoch", () => {
    expect(
      decodedAll(
        decodeOffsetCommitRequest,
        5,
        "0001 67 ffffffff 0000 00000001 0001 74 00000001 00000000 000000000000002a 0001 78",
      ).topics[0].partitions[0],
    ).toEqual({ ...partition, committedLeaderEpoch: -1, committedMetadata: "x" });
    expect(
      decodedAll(
        decodeOffsetCommitRequest,
        6,
        "0001 67 ffffffff 0000 00000001 0001 74 00000001 00000000 000000000000002a 00000003 ffff",
      ).topics[0].partitions[0],
    ).toEqual({ ...partition, committedLeaderEpoch: 3, committedMetadata: null });
  });

  it("v7: group_instance_id after the member id", () => {
    const r = decodedAll(
      decodeOffsetCommitRequest,
      7,
      "0001 67 00000001 0001 6d 0001 69 00000000",
    );
    expect([r.generationId, r.memberId, r.groupInstanceId, r.topics]).toEqual([1, "m", "i", []]);
  });

  it("v8: compact, tags on every struct", () => {
    expect(decodedAll(decodeOffsetCommitRequest, 8, `
      02 67 00000005 02 6d 02 69     # group, generation, member, instance
      02 02 74                       # topics: "t"
      02 00000000 000000000000002a 00000003 02 78 00   # partition 0 @42 epoch 3 "x"
      00                             # topic tags
      00                             # tags
    `)).toEqual({
      groupId: "g",
      generationId: 5,
      memberId: "m",
      groupInstanceId: "i",
      retentionTimeMs: -1,
      topics: [{
        name: "t",
        partitions: [{ ...partition, committedLeaderEpoch: 3, committedMetadata: "x" }],
      }],
    });
  });
});

describe("OffsetCommit responses", () => {
  const body: OffsetCommitResponse = {
    topics: [{ name: "t", partitions: [{ partitionIndex: 0, errorCode: 22 }] }],
  };

  it("v2: no throttle time", () => {
    expect(encoded((w) => encodeOffsetCommitResponse(w, 2, body))).toEqual(
      parseHex("00000001 0001 74 00000001 00000000 0016"),
    );
  });

  it("v3-v7: throttle time first", () => {
    expect(encoded((w) => encodeOffsetCommitResponse(w, 7, body))).toEqual(
      parseHex("00000000 00000001 0001 74 00000001 00000000 0016"),
    );
  });

  it("v8: compact", () => {
    expect(encoded((w) => encodeOffsetCommitResponse(w, 8, body))).toEqual(
      parseHex("00000000 02 02 74 02 00000000 0016 00 00 00"),
    );
  });
});

describe("OffsetFetch requests", () => {
  it("v1: named partitions (kafka-python)", () => {
    expect(decodedAll(decodeOffsetFetchRequest, 1, `
      0001 67                         # group_id
      00000001 0001 74                # topics: "t"
      00000002 00000000 00000001      # partitions 0, 1
    `)).toEqual({
      groups: [{ groupId: "g", topics: [{ name: "t", partitionIndexes: [0, 1] }] }],
      requireStable: false,
    });
  });

  it("v2-v5: null topics ask for every committed partition", () => {
    expect(decodedAll(decodeOffsetFetchRequest, 2, "0001 67 ffffffff").groups).toEqual([
      { groupId: "g", topics: null },
    ]);
  });

  it("v6: compact, a compact null; v7 adds require_stable", () => {
    expect(decodedAll(decodeOffsetFetchRequest, 6, "02 67 00 00").groups[0].topics).toBeNull();
    expect(decodedAll(decodeOffsetFetchRequest, 7, `
      02 67                 # group_id
      02 02 74 02 00000000 00   # topics: "t" [0]
      01                    # require_stable
      00                    # tags
    `)).toEqual({
      groups: [{ groupId: "g", topics: [{ name: "t", partitionIndexes: [0] }] }],
      requireStable: true,
    });
  });

  it("v8: a batch of groups, each with its own (nullable) topics", () => {
    expect(decodedAll(decodeOffsetFetchRequest, 8, `
      03                              # groups: 2
      02 67 00 00                     # "g": every committed partition
      02 68 02 02 74 02 00000001 00 00  # "h": t [1]
      00                              # require_stable
      00                              # tags
    `)).toEqual({
      groups: [
        { groupId: "g", topics: null },
        { groupId: "h", topics: [{ name: "t", partitionIndexes: [1] }] },
      ],
      requireStable: false,
    });
  });
});

describe("OffsetFetch responses", () => {
  const body = (errorCode = 0): OffsetFetchResponse => ({
    groups: [{
      groupId: "g",
      errorCode,
      topics: [{
        name: "t",
        partitions: [{
          partitionIndex: 0,
          committedOffset: 42,
          committedLeaderEpoch: 3,
          metadata: "x",
          errorCode: 0,
        }],
      }],
    }],
  });
  const partitionV1 = "00000000 000000000000002a 0001 78 0000";

  it("v1: partitions only, no top-level error", () => {
    expect(encoded((w) => encodeOffsetFetchResponse(w, 1, body()))).toEqual(
      parseHex(`00000001 0001 74 00000001 ${partitionV1}`),
    );
  });

  it("v2: the top-level error after the topics; v3-v4 throttle time first", () => {
    expect(encoded((w) => encodeOffsetFetchResponse(w, 2, body(16)))).toEqual(
      parseHex(`00000001 0001 74 00000001 ${partitionV1} 0010`),
    );
    expect(encoded((w) => encodeOffsetFetchResponse(w, 4, body()))).toEqual(
      parseHex(`00000000 00000001 0001 74 00000001 ${partitionV1} 0000`),
    );
  });

  it("v5: the committed leader epoch", () => {
    expect(encoded((w) => encodeOffsetFetchResponse(w, 5, body()))).toEqual(parseHex(`
      00000000 00000001 0001 74 00000001
      00000000 000000000000002a 00000003 0001 78 0000  # partition, offset, epoch, "x", error
      0000
    `));
  });

  it("v6-v7: compact", () => {
    expect(encoded((w) => encodeOffsetFetchResponse(w, 6, body()))).toEqual(parseHex(`
      00000000 02 02 74 02
      00000000 000000000000002a 00000003 02 78 0000 00
      00          # topic tags
      0000 00     # error_code, tags
    `));
  });

  it("v8: per group, each with its error", () => {
    expect(encoded((w) => encodeOffsetFetchResponse(w, 8, body(16)))).toEqual(parseHex(`
      00000000                # throttle_time_ms
      02 02 67                # groups: "g"
      02 02 74 02 00000000 000000000000002a 00000003 02 78 0000 00 00   # topics
      0010 00                 # group error NOT_COORDINATOR, group tags
      00                      # tags
    `));
  });
});

describe("DeleteGroups", () => {
  it("v0-v1 and v2 requests", () => {
    expect(decodedAll(decodeDeleteGroupsRequest, 1, "00000002 0001 67 0001 68")).toEqual([
      "g",
      "h",
    ]);
    expect(decodedAll(decodeDeleteGroupsRequest, 2, "03 02 67 02 68 00")).toEqual(["g", "h"]);
  });

  it("v0-v1 and v2 responses: a result per group", () => {
    const results = [{ groupId: "g", errorCode: 0 }, { groupId: "h", errorCode: 69 }];
    expect(encoded((w) => encodeDeleteGroupsResponse(w, 0, results))).toEqual(
      parseHex("00000000 00000002 0001 67 0000 0001 68 0045"),
    );
    expect(encoded((w) => encodeDeleteGroupsResponse(w, 2, results))).toEqual(
      parseHex("00000000 03 02 67 0000 00 02 68 0045 00 00"),
    );
  });
});
