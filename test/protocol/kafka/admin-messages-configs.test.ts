// Golden bytes of DescribeConfigs, AlterConfigs, IncrementalAlterConfigs, InitProducerId,
// OffsetForLeaderEpoch, SaslHandshake and SaslAuthenticate at each version whose layout
// differs, hand-assembled from the grammar atop each message file.
import { describe, expect, it } from "vitest";
import { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import {
  decodeDescribeConfigsRequest,
  type DescribeConfigsResponse,
  encodeDescribeConfigsResponse,
} from "../../../src/protocol/kafka/messages/describe-configs.ts";
import {
  decodeAlterConfigsRequest,
  encodeAlterConfigsResponse,
} from "../../../src/protocol/kafka/messages/alter-configs.ts";
import {
  decodeIncrementalAlterConfigsRequest,
} from "../../../src/protocol/kafka/messages/incremental-alter-configs.ts";
import {
  decodeInitProducerIdRequest,
  encodeInitProducerIdResponse,
} from "../../../src/protocol/kafka/messages/init-producer-id.ts";
import {
  decodeOffsetForLeaderEpochRequest,
  encodeOffsetForLeaderEpochResponse,
} from "../../../src/protocol/kafka/messages/offset-for-leader-epoch.ts";
import {
  decodeSaslHandshakeRequest,
  encodeSaslHandshakeResponse,
} from "../../../src/protocol/kafka/messages/sasl-handshake.ts";
import {
  decodeSaslAuthenticateRequest,
  encodeSaslAuthenticateResponse,
} from "../../../src/protocol/kafka/messages/sasl-authenticate.ts";
import { parseHex } from "../../fixtures/record-batch/hex.ts";

const encoded = (f: (w: KafkaWriter) => void) => {
  const w = new KafkaWriter();
  f(w);
  return w.finish();
};

function decoded<T>(hex: string, decode: (r: KafkaReader) => T): T {
  const r = new KafkaReader(parseHex(hex));
  const out = decode(r);
  r.expectEnd("golden request");
  return out;
}

const RETENTION_MS = "726574656e74696f6e2e6d73"; // "retention.ms", 12 bytes
const CLEANUP_POLICY = "636c65616e75702e706f6c696379"; // "cleanup.policy", 14 bytes

describe("DescribeConfigs requests", () => {
  it("v0: resources only; null keys mean every config", () => {
    expect(decoded("00000001 02 0001 74 ffffffff", (r) => decodeDescribeConfigsRequest(r, 0)))
      .toEqual({
        resources: [{ resourceType: 2, resourceName: "t", configurationKeys: null }],
        includeSynonyms: false,
        includeDocumentation: false,
      });
  });

  it("v1-v2: include_synonyms; v3: include_documentation", () => {
    expect(decoded(
      `00000001 04 0001 31 00000001 000c ${RETENTION_MS} 01`,
      (r) => decodeDescribeConfigsRequest(r, 2),
    )).toEqual({
      resources: [{ resourceType: 4, resourceName: "1", configurationKeys: ["retention.ms"] }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    expect(decoded("00000001 02 0001 74 ffffffff 00 01", (r) => decodeDescribeConfigsRequest(r, 3)))
      .toMatchObject({ includeSynonyms: false, includeDocumentation: true });
  });

  it("v4: compact and tagged", () => {
    expect(decoded("02 02 02 74 00 00 01 01 00", (r) => decodeDescribeConfigsRequest(r, 4)))
      .toEqual({
        resources: [{ resourceType: 2, resourceName: "t", configurationKeys: null }],
        includeSynonyms: true,
        includeDocumentation: true,
      });
  });
});

describe("DescribeConfigs responses", () => {
  const body: DescribeConfigsResponse = {
    throttleTimeMs: 0,
    results: [{
      errorCode: 0,
      errorMessage: null,
      resourceType: 2,
      resourceName: "t",
      configs: [{
        name: "retention.ms",
        value: "1000",
        readOnly: false,
        configSource: 1,
        isSensitive: false,
        synonyms: [{ name: "retention.ms", value: "1000", source: 1 }],
        configType: 5,
        documentation: "d",
      }],
    }],
  };

  it("v0: is_default instead of a source, no synonyms", () => {
    expect(encoded((w) => encodeDescribeConfigsResponse(w, 0, body))).toEqual(parseHex(`
      00000000                          # throttle_time_ms
      00000001 0000 ffff 02 0001 74     # 1 result: no error, topic "t"
      00000001                          # configs: 1
        000c ${RETENTION_MS} 0004 31303030   # retention.ms = 1000
        00 00 00                        # read_only, is_default false, is_sensitive
    `));
  });

  it("v1-v2: config_source and synonyms", () => {
    expect(encoded((w) => encodeDescribeConfigsResponse(w, 1, body))).toEqual(parseHex(`
      00000000 00000001 0000 ffff 02 0001 74 00000001
        000c ${RETENTION_MS} 0004 31303030
        00 01 00                        # read_only, config_source 1 (topic), is_sensitive
        00000001 000c ${RETENTION_MS} 0004 31303030 01   # synonym from the topic
    `));
  });

  it("v3: config_type and documentation; v4: compact and tagged", () => {
    expect(encoded((w) => encodeDescribeConfigsResponse(w, 3, body))).toEqual(parseHex(`
      00000000 00000001 0000 ffff 02 0001 74 00000001
        000c ${RETENTION_MS} 0004 31303030 00 01 00
        00000001 000c ${RETENTION_MS} 0004 31303030 01
        05 0001 64                      # config_type 5 (long), documentation "d"
    `));
    expect(encoded((w) => encodeDescribeConfigsResponse(w, 4, body))).toEqual(parseHex(`
      00000000 02 0000 00 02 02 74 02
        0d ${RETENTION_MS} 05 31303030 00 01 00
        02 0d ${RETENTION_MS} 05 31303030 01 00   # synonyms: 1, with its tags
        05 02 64 00                     # type, documentation, config tags
      00 00                             # result tags, tags
    `));
  });
});

describe("AlterConfigs and IncrementalAlterConfigs", () => {
  it("AlterConfigs requests v0-v1 and v2", () => {
    const want = {
      resources: [{
        resourceType: 2,
        resourceName: "t",
        configs: [{ name: "retention.ms", value: "1000" }],
      }],
      validateOnly: false,
    };
    expect(decoded(
      `00000001 02 0001 74 00000001 000c ${RETENTION_MS} 0004 31303030 00`,
      (r) => decodeAlterConfigsRequest(r, 1),
    )).toEqual(want);
    expect(decoded(
      `02 02 02 74 02 0d ${RETENTION_MS} 05 31303030 00 00 00 00`,
      (r) => decodeAlterConfigsRequest(r, 2),
    )).toEqual(want);
  });

  it("IncrementalAlterConfigs requests v0 and v1", () => {
    const want = {
      resources: [{
        resourceType: 2,
        resourceName: "t",
        configs: [{ name: "cleanup.policy", operation: 2, value: "compact" }],
      }],
      validateOnly: true,
    };
    expect(decoded(
      `00000001 02 0001 74 00000001 000e ${CLEANUP_POLICY} 02 0007 636f6d70616374 01`,
      (r) => decodeIncrementalAlterConfigsRequest(r, 0),
    )).toEqual(want);
    expect(decoded(
      `02 02 02 74 02 0f ${CLEANUP_POLICY} 02 08 636f6d70616374 00 00 01 00`,
      (r) => decodeIncrementalAlterConfigsRequest(r, 1),
    )).toEqual(want);
  });

  it("responses, classic and flexible", () => {
    const body = {
      throttleTimeMs: 0,
      responses: [{ errorCode: 40, errorMessage: "x", resourceType: 2, resourceName: "t" }],
    };
    expect(encoded((w) => encodeAlterConfigsResponse(w, false, body))).toEqual(
      parseHex("00000000 00000001 0028 0001 78 02 0001 74"),
    );
    expect(encoded((w) => encodeAlterConfigsResponse(w, true, body))).toEqual(
      parseHex("00000000 02 0028 02 78 02 02 74 00 00"),
    );
  });
});

describe("InitProducerId", () => {
  it("requests v0-v1, v2 (compact) and v3-v4 (producer id and epoch)", () => {
    expect(decoded("ffff 0000ea60", (r) => decodeInitProducerIdRequest(r, 1))).toEqual({
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1,
      producerEpoch: -1,
    });
    expect(decoded("03 7478 0000ea60 00", (r) => decodeInitProducerIdRequest(r, 2)))
      .toMatchObject({ transactionalId: "tx" });
    expect(decoded(
      "00 0000ea60 0000000000000007 0002 00",
      (r) => decodeInitProducerIdRequest(r, 4),
    )).toEqual({
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: 7,
      producerEpoch: 2,
    });
  });

  it("responses v0-v1 and v2+", () => {
    const body = { throttleTimeMs: 0, errorCode: 0, producerId: 7, producerEpoch: 0 };
    expect(encoded((w) => encodeInitProducerIdResponse(w, 0, body))).toEqual(
      parseHex("00000000 0000 0000000000000007 0000"),
    );
    expect(encoded((w) => encodeInitProducerIdResponse(w, 4, body))).toEqual(
      parseHex("00000000 0000 0000000000000007 0000 00"),
    );
  });
});

describe("OffsetForLeaderEpoch", () => {
  const partition = (current: number) => ({
    partition: 0,
    currentLeaderEpoch: current,
    leaderEpoch: 2,
  });

  it("requests v0-v1, v2 (current epoch), v3 (replica id), v4 (compact)", () => {
    expect(decoded(
      "00000001 0001 74 00000001 00000000 00000002",
      (r) => decodeOffsetForLeaderEpochRequest(r, 1),
    )).toEqual({ replicaId: -1, topics: [{ topic: "t", partitions: [partition(-1)] }] });
    expect(decoded(
      "00000001 0001 74 00000001 00000000 00000003 00000002",
      (r) => decodeOffsetForLeaderEpochRequest(r, 2),
    )).toEqual({ replicaId: -1, topics: [{ topic: "t", partitions: [partition(3)] }] });
    expect(decoded(
      "fffffffe 00000001 0001 74 00000001 00000000 00000003 00000002",
      (r) => decodeOffsetForLeaderEpochRequest(r, 3),
    )).toEqual({ replicaId: -2, topics: [{ topic: "t", partitions: [partition(3)] }] });
    expect(decoded(
      "ffffffff 02 02 74 02 00000000 00000003 00000002 00 00 00",
      (r) => decodeOffsetForLeaderEpochRequest(r, 4),
    )).toEqual({ replicaId: -1, topics: [{ topic: "t", partitions: [partition(3)] }] });
  });

  it("responses v0, v1 (leader epoch), v2-v3 (throttle), v4 (compact)", () => {
    const body = {
      throttleTimeMs: 0,
      topics: [{
        topic: "t",
        partitions: [{ errorCode: 0, partition: 0, leaderEpoch: 2, endOffset: 10 }],
      }],
    };
    expect(encoded((w) => encodeOffsetForLeaderEpochResponse(w, 0, body))).toEqual(
      parseHex("00000001 0001 74 00000001 0000 00000000 000000000000000a"),
    );
    expect(encoded((w) => encodeOffsetForLeaderEpochResponse(w, 1, body))).toEqual(
      parseHex("00000001 0001 74 00000001 0000 00000000 00000002 000000000000000a"),
    );
    expect(encoded((w) => encodeOffsetForLeaderEpochResponse(w, 3, body))).toEqual(
      parseHex("00000000 00000001 0001 74 00000001 0000 00000000 00000002 000000000000000a"),
    );
    expect(encoded((w) => encodeOffsetForLeaderEpochResponse(w, 4, body))).toEqual(
      parseHex("00000000 02 02 74 02 0000 00000000 00000002 000000000000000a 00 00 00"),
    );
  });
});

describe("SASL", () => {
  it("SaslHandshake v0-v1: a mechanism in, the enabled ones out", () => {
    expect(decoded("0005 504c41494e", (r) => decodeSaslHandshakeRequest(r))).toEqual({
      mechanism: "PLAIN",
    });
    expect(encoded((w) => encodeSaslHandshakeResponse(w, { errorCode: 33, mechanisms: [] })))
      .toEqual(parseHex("0021 00000000"));
    expect(
      encoded((w) => encodeSaslHandshakeResponse(w, { errorCode: 0, mechanisms: ["PLAIN"] })),
    ).toEqual(parseHex("0000 00000001 0005 504c41494e"));
  });

  it("SaslAuthenticate v0, v1 (session lifetime), v2 (compact)", () => {
    expect(decoded("00000003 616263", (r) => decodeSaslAuthenticateRequest(r, 0)).authBytes)
      .toEqual(parseHex("616263"));
    expect(decoded("04 616263 00", (r) => decodeSaslAuthenticateRequest(r, 2)).authBytes)
      .toEqual(parseHex("616263"));
    const body = {
      errorCode: 34,
      errorMessage: null,
      authBytes: new Uint8Array(0),
      sessionLifetimeMs: 0,
    };
    expect(encoded((w) => encodeSaslAuthenticateResponse(w, 0, body))).toEqual(
      parseHex("0022 ffff 00000000"),
    );
    expect(encoded((w) => encodeSaslAuthenticateResponse(w, 1, body))).toEqual(
      parseHex("0022 ffff 00000000 0000000000000000"),
    );
    expect(encoded((w) => encodeSaslAuthenticateResponse(w, 2, body))).toEqual(
      parseHex("0022 00 01 0000000000000000 00"),
    );
  });
});
