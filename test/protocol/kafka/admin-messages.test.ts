// Golden bytes of the topic admin messages (CreateTopics, DeleteTopics, CreatePartitions,
// DeleteRecords), request and response, at each version whose layout differs: hand-assembled
// from the grammar atop each message file and annotated field by field. A request decodes to
// the fields written and nothing is left over; a response encodes to exactly the bytes.
import { describe, expect, it } from "vitest";
import { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import {
  type CreateTopicsResponse,
  decodeCreateTopicsRequest,
  encodeCreateTopicsResponse,
} from "../../../src/protocol/kafka/messages/create-topics.ts";
import {
  decodeDeleteTopicsRequest,
  type DeleteTopicsResponse,
  encodeDeleteTopicsResponse,
} from "../../../src/protocol/kafka/messages/delete-topics.ts";
import {
  decodeCreatePartitionsRequest,
  encodeCreatePartitionsResponse,
} from "../../../src/protocol/kafka/messages/create-partitions.ts";
import {
  decodeDeleteRecordsRequest,
  encodeDeleteRecordsResponse,
} from "../../../src/protocol/kafka/messages/delete-records.ts";
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

const ID = "000102030405060708090a0b0c0d0e0f";
const idBytes = parseHex(ID);

describe("CreateTopics requests", () => {
  const topic = {
    name: "t",
    numPartitions: 3,
    replicationFactor: 1,
    assignments: [],
    configs: [{ name: "retention.ms", value: "1000" }],
  };

  it("v0: int16 strings, int32 arrays, no validate_only", () => {
    expect(decoded(
      `
      00000001                          # topics: 1
        0001 74                         #   name "t"
        00000003                        #   num_partitions 3
        0001                            #   replication_factor 1
        00000000                        #   assignments: 0
        00000001                        #   configs: 1
          000c 726574656e74696f6e2e6d73 #     name "retention.ms"
          0004 31303030                 #     value "1000"
      00007530                          # timeout_ms 30000
    `,
      (r) => decodeCreateTopicsRequest(r, 0),
    )).toEqual({ topics: [topic], timeoutMs: 30000, validateOnly: false });
  });

  it("v1-v4: validate_only after the timeout; assignments and null values decode", () => {
    expect(decoded(
      `
      00000001 0001 74 ffffffff ffff    # "t", num_partitions -1, replication_factor -1
      00000001                          # assignments: 1
        00000000 00000001 00000002      #   partition 0 on brokers [2]
      00000001 000c 726574656e74696f6e2e6d73 ffff   # retention.ms = null
      00007530 01                       # timeout_ms, validate_only true
    `,
      (r) => decodeCreateTopicsRequest(r, 4),
    )).toEqual({
      topics: [{
        name: "t",
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [{ partitionIndex: 0, brokerIds: [2] }],
        configs: [{ name: "retention.ms", value: null }],
      }],
      timeoutMs: 30000,
      validateOnly: true,
    });
  });

  it("v5-v7: compact encodings and a tag buffer closing each struct", () => {
    expect(decoded(
      `
      02                                # topics: 1 (compact: count + 1)
        02 74 00000003 0001             #   "t", 3, 1
        01                              #   assignments: 0
        02                              #   configs: 1
          0d 726574656e74696f6e2e6d73   #     name
          05 31303030 00                #     value, no tags
        00                              #   topic tags
      00007530 00 00                    # timeout_ms, validate_only false, tags
    `,
      (r) => decodeCreateTopicsRequest(r, 7),
    )).toEqual({ topics: [topic], timeoutMs: 30000, validateOnly: false });
  });
});

describe("CreateTopics responses", () => {
  const ok: CreateTopicsResponse = {
    throttleTimeMs: 0,
    topics: [{
      name: "t",
      topicId: idBytes,
      errorCode: 0,
      errorMessage: null,
      numPartitions: 3,
      replicationFactor: 1,
      configs: [{
        name: "retention.ms",
        value: "1000",
        readOnly: false,
        configSource: 1,
        isSensitive: false,
      }],
    }],
  };
  const exists: CreateTopicsResponse = {
    throttleTimeMs: 0,
    topics: [{ ...ok.topics[0], errorCode: 36, errorMessage: "exists", configs: null }],
  };

  it("v0: name and error only", () => {
    expect(encoded((w) => encodeCreateTopicsResponse(w, 0, ok))).toEqual(
      parseHex("00000001 0001 74 0000"),
    );
  });

  it("v1: the error message; v2-v4: throttle_time_ms first", () => {
    expect(encoded((w) => encodeCreateTopicsResponse(w, 1, exists))).toEqual(
      parseHex("00000001 0001 74 0024 0006 657869737473"),
    );
    expect(encoded((w) => encodeCreateTopicsResponse(w, 4, ok))).toEqual(
      parseHex("00000000 00000001 0001 74 0000 ffff"),
    );
  });

  it("v5-v6: counts and configs of the topic created; null configs on an error", () => {
    expect(encoded((w) => encodeCreateTopicsResponse(w, 5, ok))).toEqual(parseHex(`
      00000000                          # throttle_time_ms
      02 02 74 0000 00                  # 1 topic: "t", error 0, error_message null
      00000003 0001                     # num_partitions 3, replication_factor 1
      02                                # configs: 1
        0d 726574656e74696f6e2e6d73     #   name
        05 31303030                     #   value
        00 01 00 00                     #   read_only, source 1 (topic), sensitive, tags
      00 00                             # topic tags, tags
    `));
    expect(encoded((w) => encodeCreateTopicsResponse(w, 6, exists))).toEqual(parseHex(`
      00000000 02 02 74 0024 07 657869737473   # error 36 "exists"
      00000003 0001 00                  # counts, configs null (compact 0)
      00 00
    `));
  });

  it("v7: the topic id after the name", () => {
    expect(encoded((w) => encodeCreateTopicsResponse(w, 7, exists))).toEqual(parseHex(`
      00000000 02 02 74 ${ID} 0024 07 657869737473 00000003 0001 00 00 00
    `));
  });
});

describe("DeleteTopics", () => {
  const zero = new Uint8Array(16);

  it("requests v0-v3, v4-v5 (compact) and v6 (names or ids)", () => {
    expect(decoded("00000001 0001 74 00007530", (r) => decodeDeleteTopicsRequest(r, 3))).toEqual({
      topics: [{ name: "t", topicId: zero }],
      timeoutMs: 30000,
    });
    expect(decoded("02 02 74 00007530 00", (r) => decodeDeleteTopicsRequest(r, 4))).toEqual({
      topics: [{ name: "t", topicId: zero }],
      timeoutMs: 30000,
    });
    expect(decoded(
      `
      03                                # topics: 2
        02 74 ${"00".repeat(16)} 00     #   "t", no id
        00 ${ID} 00                     #   null name, by id
      00007530 00
    `,
      (r) => decodeDeleteTopicsRequest(r, 6),
    )).toEqual({
      topics: [{ name: "t", topicId: zero }, { name: null, topicId: idBytes }],
      timeoutMs: 30000,
    });
  });

  const body: DeleteTopicsResponse = {
    throttleTimeMs: 0,
    responses: [{ name: "t", topicId: idBytes, errorCode: 3, errorMessage: "x" }],
  };

  it("responses v0, v1-v3 (throttle), v4 (compact), v5 (message), v6 (id)", () => {
    expect(encoded((w) => encodeDeleteTopicsResponse(w, 0, body))).toEqual(
      parseHex("00000001 0001 74 0003"),
    );
    expect(encoded((w) => encodeDeleteTopicsResponse(w, 3, body))).toEqual(
      parseHex("00000000 00000001 0001 74 0003"),
    );
    expect(encoded((w) => encodeDeleteTopicsResponse(w, 4, body))).toEqual(
      parseHex("00000000 02 02 74 0003 00 00"),
    );
    expect(encoded((w) => encodeDeleteTopicsResponse(w, 5, body))).toEqual(
      parseHex("00000000 02 02 74 0003 02 78 00 00"),
    );
    expect(encoded((w) => encodeDeleteTopicsResponse(w, 6, body))).toEqual(
      parseHex(`00000000 02 02 74 ${ID} 0003 02 78 00 00`),
    );
  });
});

describe("CreatePartitions", () => {
  it("requests v0-v1 (null assignments) and v2-v3 (compact, with assignments)", () => {
    expect(decoded(
      "00000001 0001 74 00000004 ffffffff 00007530 00",
      (r) => decodeCreatePartitionsRequest(r, 1),
    )).toEqual({
      topics: [{ name: "t", count: 4, assignments: null }],
      timeoutMs: 30000,
      validateOnly: false,
    });
    expect(decoded(
      `
      02 02 74 00000004                 # 1 topic: "t", count 4
      02 02 00000001 00                 # assignments: [[1]] (each a struct with tags)
      00                                # topic tags
      00007530 01 00                    # timeout_ms, validate_only, tags
    `,
      (r) => decodeCreatePartitionsRequest(r, 3),
    )).toEqual({
      topics: [{ name: "t", count: 4, assignments: [[1]] }],
      timeoutMs: 30000,
      validateOnly: true,
    });
  });

  it("responses v0-v1 and v2-v3", () => {
    const body = { throttleTimeMs: 0, results: [{ name: "t", errorCode: 37, errorMessage: null }] };
    expect(encoded((w) => encodeCreatePartitionsResponse(w, 0, body))).toEqual(
      parseHex("00000000 00000001 0001 74 0025 ffff"),
    );
    expect(encoded((w) => encodeCreatePartitionsResponse(w, 2, body))).toEqual(
      parseHex("00000000 02 02 74 0025 00 00 00"),
    );
  });
});

describe("DeleteRecords", () => {
  const request = {
    topics: [{ name: "t", partitions: [{ partitionIndex: 0, offset: 5 }] }],
    timeoutMs: 30000,
  };

  it("requests v0-v1 and v2 (compact)", () => {
    expect(decoded(
      "00000001 0001 74 00000001 00000000 0000000000000005 00007530",
      (r) => decodeDeleteRecordsRequest(r, 0),
    )).toEqual(request);
    expect(decoded(
      "02 02 74 02 00000000 0000000000000005 00 00 00007530 00",
      (r) => decodeDeleteRecordsRequest(r, 2),
    )).toEqual(request);
  });

  it("responses v0-v1 and v2", () => {
    const body = {
      throttleTimeMs: 0,
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, lowWatermark: 5, errorCode: 0 }] }],
    };
    expect(encoded((w) => encodeDeleteRecordsResponse(w, 1, body))).toEqual(parseHex(`
      00000000 00000001 0001 74         # throttle, 1 topic "t"
      00000001 00000000 0000000000000005 0000   # partition 0, low_watermark 5, error 0
    `));
    expect(encoded((w) => encodeDeleteRecordsResponse(w, 2, body))).toEqual(
      parseHex("00000000 02 02 74 02 00000000 0000000000000005 0000 00 00 00"),
    );
  });
});
