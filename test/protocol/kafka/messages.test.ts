// Golden bytes of ApiVersions and Metadata, request and response, at the versions whose layouts
// differ: each hand-assembled from the protocol's grammar (the comment atop each message file)
// and annotated field by field.
import { describe, expect, it } from "vitest";
import { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import {
  decodeApiVersionsRequest,
  encodeApiVersionsResponse,
} from "../../../src/protocol/kafka/messages/api-versions.ts";
import {
  decodeMetadataRequest,
  encodeMetadataResponse,
  type MetadataResponse,
} from "../../../src/protocol/kafka/messages/metadata.ts";
import { parseHex } from "../../fixtures/record-batch/hex.ts";

const encoded = (f: (w: KafkaWriter) => void) => {
  const w = new KafkaWriter();
  f(w);
  return w.finish();
};
const apiKeys = [{ key: 3, minVersion: 0, maxVersion: 12 }, {
  key: 18,
  minVersion: 0,
  maxVersion: 3,
}];

describe("ApiVersions", () => {
  it("v0 response: error, int32-counted ranges, no throttle time", () => {
    expect(
      encoded((w) =>
        encodeApiVersionsResponse(w, 0, { errorCode: 35, apiKeys, throttleTimeMs: 0 })
      ),
    ).toEqual(parseHex(`
      0023              # error_code 35 UNSUPPORTED_VERSION
      00000002          # api_keys: 2
      0003 0000 000c    # Metadata 0-12
      0012 0000 0003    # ApiVersions 0-3
    `));
  });

  it("v1/v2 response: throttle_time_ms after the ranges", () => {
    expect(
      encoded((w) => encodeApiVersionsResponse(w, 2, { errorCode: 0, apiKeys, throttleTimeMs: 7 })),
    ).toEqual(parseHex("0000 00000002 0003 0000 000c 0012 0000 0003 00000007"));
  });

  it("v3 response: compact array, a tag buffer per range and at the end", () => {
    expect(
      encoded((w) => encodeApiVersionsResponse(w, 3, { errorCode: 0, apiKeys, throttleTimeMs: 0 })),
    ).toEqual(parseHex(`
      0000                  # error_code
      03                    # api_keys: 2 (compact: count + 1)
      0003 0000 000c 00     # Metadata 0-12, no tags
      0012 0000 0003 00     # ApiVersions 0-3, no tags
      00000000              # throttle_time_ms
      00                    # no tags
    `));
  });

  it("v3 request carries the client software (kcat's, see framing.test.ts)", () => {
    const r = new KafkaReader(parseHex("0b 6c696272646b61666b61 06 322e302e32 00"));
    expect(decodeApiVersionsRequest(r, 3)).toEqual({
      clientSoftwareName: "librdkafka",
      clientSoftwareVersion: "2.0.2",
    });
    r.expectEnd("ApiVersions v3");
  });

  it("v0-v2 requests are empty", () => {
    const r = new KafkaReader(new Uint8Array(0));
    expect(decodeApiVersionsRequest(r, 2).clientSoftwareName).toBeNull();
  });
});

describe("Metadata requests", () => {
  it("v0: an empty list means every topic", () => {
    expect(decodeMetadataRequest(new KafkaReader(parseHex("00000000")), 0).topics).toBeNull();
  });

  it("v1 (kafka-python): a null list means every topic, an empty one none", () => {
    expect(decodeMetadataRequest(new KafkaReader(parseHex("ffffffff")), 1).topics).toBeNull();
    expect(decodeMetadataRequest(new KafkaReader(parseHex("00000000")), 1).topics).toEqual([]);
    const named = decodeMetadataRequest(new KafkaReader(parseHex("00000001 0001 74")), 1);
    expect(named).toEqual({
      topics: [{ name: "t", topicId: null }],
      allowAutoTopicCreation: true,
    });
  });

  it("v4 adds allow_auto_topic_creation", () => {
    const r = new KafkaReader(parseHex("00000001 0001 74 00"));
    expect(decodeMetadataRequest(r, 4).allowAutoTopicCreation).toBe(false);
    r.expectEnd("Metadata v4");
  });

  it("v8 adds the authorized-operations flags", () => {
    const r = new KafkaReader(parseHex("ffffffff 01 00 00"));
    expect(decodeMetadataRequest(r, 8).topics).toBeNull();
    r.expectEnd("Metadata v8");
  });

  it("v12: compact, topic ids, no cluster-operations flag", () => {
    const r = new KafkaReader(parseHex(`
      02                                  # topics: 1
      00000000000000000000000000000000    # topic_id: none
      02 74                               # name "t"
      00                                  # topic tags
      01                                  # allow_auto_topic_creation
      00                                  # include_topic_authorized_operations
      00                                  # tags
    `));
    expect(decodeMetadataRequest(r, 12).topics?.map((t) => t.name)).toEqual(["t"]);
    r.expectEnd("Metadata v12");
  });

  it("v9 with a classic (non-compact) body is refused, not misread", () => {
    const r = new KafkaReader(parseHex("00000001 0001 74 01 00"));
    expect(() => {
      decodeMetadataRequest(r, 9);
      r.expectEnd("Metadata v9");
    }).toThrow(/bytes left over/);
  });
});

describe("Metadata responses", () => {
  const body: MetadataResponse = {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: "h", port: 9092, rack: null }],
    clusterId: "c",
    controllerId: 1,
    topics: [{
      errorCode: 0,
      name: "t",
      topicId: parseHex("0102030405060708090a0b0c0d0e0f10"),
      isInternal: false,
      partitions: [{
        errorCode: 0,
        partitionIndex: 0,
        leaderId: 1,
        leaderEpoch: 5,
        replicaNodes: [1],
        isrNodes: [1],
        offlineReplicas: [],
      }],
    }],
  };

  it("v0", () => {
    expect(encoded((w) => encodeMetadataResponse(w, 0, body))).toEqual(parseHex(`
      00000001 00000001 0001 68 00002384      # brokers: [1, "h", 9092]
      00000001                                # topics: 1
        0000 0001 74                          # error 0, "t"
        00000001                              # partitions: 1
          0000 00000000 00000001              # error 0, partition 0, leader 1
          00000001 00000001                   # replicas [1]
          00000001 00000001                   # isr [1]
    `));
  });

  it("v1 (kafka-python): rack, controller id, is_internal", () => {
    expect(encoded((w) => encodeMetadataResponse(w, 1, body))).toEqual(parseHex(`
      00000001 00000001 0001 68 00002384 ffff # brokers: [1, "h", 9092, rack null]
      00000001                                # controller_id 1
      00000001 0000 0001 74 00                # topics: "t", not internal
        00000001 0000 00000000 00000001 00000001 00000001 00000001 00000001
    `));
  });

  it("v7: throttle first, cluster id, leader epoch, offline replicas", () => {
    expect(encoded((w) => encodeMetadataResponse(w, 7, body))).toEqual(parseHex(`
      00000000                                # throttle_time_ms
      00000001 00000001 0001 68 00002384 ffff # brokers
      0001 63                                 # cluster_id "c"
      00000001                                # controller_id
      00000001 0000 0001 74 00                # topics: "t"
        00000001 0000 00000000 00000001       # partition 0, leader 1
        00000005                              # leader_epoch 5
        00000001 00000001 00000001 00000001   # replicas, isr
        00000000                              # offline_replicas: none
    `));
  });

  it("v12: compact, tagged, topic id, authorized operations omitted", () => {
    expect(encoded((w) => encodeMetadataResponse(w, 12, body))).toEqual(parseHex(`
      00000000                                # throttle_time_ms
      02 00000001 02 68 00002384 00 00        # brokers: [1, "h", 9092, rack null], tags
      02 63                                   # cluster_id "c"
      00000001                                # controller_id
      02 0000 02 74                           # topics: 1; error 0, "t"
        0102030405060708090a0b0c0d0e0f10      # topic_id
        00                                    # is_internal false
        02 0000 00000000 00000001 00000005    # partitions: 1; partition 0, leader 1, epoch 5
          02 00000001 02 00000001 01 00       # replicas [1], isr [1], offline [], tags
        80000000 00                           # topic_authorized_operations omitted, tags
      00                                      # tags (no cluster_authorized_operations in v11+)
    `));
  });
});
