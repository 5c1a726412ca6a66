// Golden bytes of Produce, Fetch and ListOffsets at the versions whose layouts differ, each
// hand-assembled from the grammar atop its message file and annotated field by field.
import { describe, expect, it } from "vitest";
import { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import {
  decodeProduceRequest,
  encodeProduceResponse,
  type ProduceResponse,
} from "../../../src/protocol/kafka/messages/produce.ts";
import {
  decodeFetchRequest,
  encodeFetchResponse,
  type FetchResponse,
} from "../../../src/protocol/kafka/messages/fetch.ts";
import {
  decodeListOffsetsRequest,
  encodeListOffsetsResponse,
} from "../../../src/protocol/kafka/messages/list-offsets.ts";
import { parseHex } from "../../fixtures/record-batch/hex.ts";

const encoded = (f: (w: KafkaWriter) => void) => {
  const w = new KafkaWriter();
  f(w);
  return w.finish();
};
const decoded = <T>(hex: string, f: (r: KafkaReader) => T): T => {
  const r = new KafkaReader(parseHex(hex));
  const out = f(r);
  r.expectEnd("golden");
  return out;
};

describe("Produce", () => {
  it("v3-v8 request", () => {
    expect(decoded(
      `
      ffff                 # transactional_id null
      ffff                 # acks -1
      00007530             # timeout_ms 30000
      00000001 0001 74     # topic_data: "t"
        00000001 00000002  # partition_data: index 2
        00000003 aabbcc    # records (3 bytes)
    `,
      (r) => decodeProduceRequest(r, 7),
    )).toEqual({
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topics: [{ name: "t", partitions: [{ index: 2, records: parseHex("aabbcc") }] }],
    });
  });

  it("v0 response: no log_append_time, no throttle_time", () => {
    expect(encoded((w) =>
      encodeProduceResponse(w, 0, {
        topics: [{
          name: "t",
          partitions: [{
            index: 0,
            errorCode: 0,
            baseOffset: 7,
            logAppendTimeMs: -1,
            logStartOffset: 0,
            errorMessage: null,
          }],
        }],
        throttleTimeMs: 0,
      })
    )).toEqual(parseHex(`
      00000001 0001 74                 # responses: "t"
        00000001 00000000 0000         # partition 0, error 0
        0000000000000007               # base_offset
    `));
  });

  it("v0-v2 request: no transactional_id", () => {
    expect(decoded(
      `
      0001                 # acks 1
      00007530             # timeout_ms 30000
      00000001 0001 74     # topic_data: "t"
        00000001 00000000  # partition_data: index 0
        00000001 aa        # records (1 byte)
    `,
      (r) => decodeProduceRequest(r, 0),
    )).toEqual({
      transactionalId: null,
      acks: 1,
      timeoutMs: 30000,
      topics: [{ name: "t", partitions: [{ index: 0, records: parseHex("aa") }] }],
    });
  });

  it("v9 request: compact and tagged", () => {
    expect(decoded(
      `00 0001 00007530 02 0274 02 00000002 04aabbcc 00 00 00`,
      (r) => decodeProduceRequest(r, 9).topics[0].partitions[0].records,
    )).toEqual(parseHex("aabbcc"));
  });

  const body: ProduceResponse = {
    topics: [{
      name: "t",
      partitions: [{
        index: 2,
        errorCode: 0,
        baseOffset: 7,
        logAppendTimeMs: -1,
        logStartOffset: 0,
        errorMessage: null,
      }],
    }],
    throttleTimeMs: 0,
  };

  it("v3 response: no log_start_offset", () => {
    expect(encoded((w) => encodeProduceResponse(w, 3, body))).toEqual(parseHex(`
      00000001 0001 74                                 # responses: "t"
        00000001 00000002 0000 0000000000000007        # index 2, error 0, base_offset 7
        ffffffffffffffff                               # log_append_time_ms -1
      00000000                                         # throttle_time_ms
    `));
  });

  it("v8 response: log_start_offset, record_errors, error_message", () => {
    expect(encoded((w) => encodeProduceResponse(w, 8, body))).toEqual(parseHex(`
      00000001 0001 74
        00000001 00000002 0000 0000000000000007 ffffffffffffffff
        0000000000000000                               # log_start_offset 0
        00000000 ffff                                  # record_errors: none; error_message null
      00000000
    `));
  });

  it("v9 response: compact and tagged", () => {
    expect(encoded((w) => encodeProduceResponse(w, 9, body))).toEqual(parseHex(`
      02 02 74
        02 00000002 0000 0000000000000007 ffffffffffffffff 0000000000000000
        01 00 00                                       # record_errors [], message null, tags
        00                                             # topic tags
      00000000 00
    `));
  });
});

describe("Fetch", () => {
  it("v4 request (kafka-python)", () => {
    expect(decoded(
      `
      ffffffff 000001f4 00000001 03200000 00   # replica -1, wait 500, min 1, max 50 MiB, iso 0
      00000001 0001 74                         # topics: "t"
        00000001 00000000                      # partition 0
        000000000000002a 00100000              # fetch_offset 42, partition_max_bytes 1 MiB
    `,
      (r) => decodeFetchRequest(r, 4),
    )).toEqual({
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 0,
      topics: [{
        topic: "t",
        topicId: null,
        partitions: [{ partition: 0, fetchOffset: 42, partitionMaxBytes: 1048576 }],
      }],
    });
  });

  it("v11 request (kcat): session, leader epoch, log start offset, forgotten topics, rack", () => {
    expect(decoded(
      `
      ffffffff 000001f4 00000001 03200000 01
      00000000 ffffffff                        # session_id 0, session_epoch -1
      00000001 0001 74
        00000001 00000000 ffffffff             # partition 0, current_leader_epoch -1
        000000000000002a ffffffffffffffff 00100000
      00000000                                 # forgotten_topics_data: none
      0000                                     # rack_id ""
    `,
      (r) => decodeFetchRequest(r, 11).topics[0].partitions[0].fetchOffset,
    )).toBe(42);
  });

  it("v12 request: last_fetched_epoch, compact and tagged", () => {
    expect(decoded(
      `ffffffff 000001f4 00000001 03200000 00 00000000 ffffffff
       02 0274 02 00000000 ffffffff 000000000000002a ffffffff ffffffffffffffff 00100000 00 00
       01 01 00`,
      (r) => decodeFetchRequest(r, 12).topics[0].partitions[0].fetchOffset,
    )).toBe(42);
  });

  it("v2 and v3 requests: no isolation_level; v2 no max_bytes either", () => {
    const partition = "00000001 00000000 000000000000002a 00100000";
    expect(decoded(
      `ffffffff 000001f4 00000001 00000001 0001 74 ${partition}`,
      (r) => {
        const req = decodeFetchRequest(r, 2);
        return [req.maxBytes, req.isolationLevel, req.topics[0].partitions[0].fetchOffset];
      },
    )).toEqual([0x7fff_ffff, 0, 42]);
    expect(decoded(
      `ffffffff 000001f4 00000001 00001000 00000001 0001 74 ${partition}`,
      (r) => decodeFetchRequest(r, 3).maxBytes,
    )).toBe(4096);
  });

  it("v2 response: no last_stable_offset, log_start_offset or aborted transactions", () => {
    expect(encoded((w) =>
      encodeFetchResponse(w, 2, {
        errorCode: 0,
        topics: [{
          topic: "t",
          topicId: null,
          partitions: [{
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 5,
            lastStableOffset: 5,
            logStartOffset: 0,
            records: parseHex("aabb"),
          }],
        }],
      })
    )).toEqual(parseHex(`
      00000000                                 # throttle_time_ms
      00000001 0001 74                         # responses: "t"
        00000001 00000000 0000                 # partition 0, error 0
        0000000000000005                       # high_watermark
        00000002 aabb                          # records
    `));
  });

  it("v13 request: topics and forgotten topics by id", () => {
    expect(decoded(
      `ffffffff 000001f4 00000001 03200000 00 00000000 ffffffff   # replica..session_epoch
       02 000102030405060708090a0b0c0d0e0f                       # topics: 1, topic_id
         02 00000000 ffffffff 000000000000002a ffffffff ffffffffffffffff 00100000 00
         00                                                      # topic's tags
       02 0f0e0d0c0b0a09080706050403020100 01 00                 # forgotten: 1 id, 0 partitions
       01 00                                                     # rack_id "", tags`,
      (r) => {
        const t = decodeFetchRequest(r, 13).topics[0];
        return [t.topic, Array.from(t.topicId ?? []), t.partitions[0].fetchOffset];
      },
    )).toEqual([null, Array.from({ length: 16 }, (_, i) => i), 42]);
  });

  it("v15 request: no replica_id (a consumer leaves the tagged replica_state out)", () => {
    expect(decoded(
      `000001f4 00000001 03200000 00 00000000 ffffffff         # max_wait..session_epoch
       02 000102030405060708090a0b0c0d0e0f
         02 00000000 ffffffff 0000000000000007 ffffffff ffffffffffffffff 00100000 00
         00
       01 01 00                                                # forgotten: none, rack "", tags`,
      (r) => {
        const req = decodeFetchRequest(r, 15);
        return [req.replicaId, req.maxWaitMs, req.topics[0].partitions[0].fetchOffset];
      },
    )).toEqual([-1, 500, 7]);
  });

  it("v13 response: the topic by id", () => {
    const id = parseHex("000102030405060708090a0b0c0d0e0f");
    expect(encoded((w) =>
      encodeFetchResponse(w, 13, {
        errorCode: 0,
        topics: [{
          topic: null,
          topicId: id,
          partitions: [{
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 5,
            lastStableOffset: 5,
            logStartOffset: 0,
            records: parseHex("aabb"),
          }],
        }],
      })
    )).toEqual(parseHex(`
      00000000 0000 00000000                   # throttle, error, session_id
      02 000102030405060708090a0b0c0d0e0f      # responses: 1, topic_id
        02 00000000 0000                       # partition 0, error 0
        0000000000000005 0000000000000005      # high_watermark, last_stable_offset
        0000000000000000                       # log_start_offset
        00                                     # aborted_transactions null
        ffffffff                               # preferred_read_replica
        03 aabb                                # records
        00                                     # partition tags
        00                                     # topic tags
      00                                       # response tags
    `));
  });

  const body: FetchResponse = {
    errorCode: 0,
    topics: [{
      topic: "t",
      topicId: null,
      partitions: [{
        partitionIndex: 0,
        errorCode: 0,
        highWatermark: 5,
        lastStableOffset: 5,
        logStartOffset: 0,
        records: parseHex("aabb"),
      }],
    }],
  };

  it("v4 response", () => {
    expect(encoded((w) => encodeFetchResponse(w, 4, body))).toEqual(parseHex(`
      00000000                                 # throttle_time_ms
      00000001 0001 74                         # responses: "t"
        00000001 00000000 0000                 # partition 0, error 0
        0000000000000005 0000000000000005      # high_watermark, last_stable_offset
        ffffffff                               # aborted_transactions null
        00000002 aabb                          # records
    `));
  });

  it("v11 response: error and session id, log start offset, preferred read replica", () => {
    expect(encoded((w) => encodeFetchResponse(w, 11, body))).toEqual(parseHex(`
      00000000 0000 00000000                   # throttle, error_code, session_id 0
      00000001 0001 74
        00000001 00000000 0000 0000000000000005 0000000000000005
        0000000000000000                       # log_start_offset
        ffffffff ffffffff                      # aborted null, preferred_read_replica -1
        00000002 aabb
    `));
  });

  it("v12 response: compact and tagged", () => {
    expect(encoded((w) => encodeFetchResponse(w, 12, body))).toEqual(parseHex(`
      00000000 0000 00000000
      02 0274
        02 00000000 0000 0000000000000005 0000000000000005 0000000000000000
        00 ffffffff 03aabb 00                  # aborted null, replica -1, records, tags
        00
      00
    `));
  });
});

describe("ListOffsets", () => {
  it("v1 request", () => {
    expect(decoded(
      `ffffffff 00000001 0001 74 00000001 00000000 fffffffffffffffe`,
      (r) => decodeListOffsetsRequest(r, 1),
    )).toEqual({ topics: [{ name: "t", partitions: [{ partitionIndex: 0, timestamp: -2 }] }] });
  });

  it("v4 request: isolation level, current leader epoch", () => {
    expect(decoded(
      `ffffffff 01 00000001 0001 74 00000001 00000000 ffffffff ffffffffffffffff`,
      (r) => decodeListOffsetsRequest(r, 4).topics[0].partitions[0].timestamp,
    )).toBe(-1);
  });

  const body = {
    topics: [{
      name: "t",
      partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1, offset: 9, leaderEpoch: -1 }],
    }],
  };

  it("v1 and v4 responses", () => {
    expect(encoded((w) => encodeListOffsetsResponse(w, 1, body))).toEqual(parseHex(`
      00000001 0001 74 00000001 00000000 0000 ffffffffffffffff 0000000000000009
    `));
    expect(encoded((w) => encodeListOffsetsResponse(w, 4, body))).toEqual(parseHex(`
      00000000                                 # throttle_time_ms (v2+)
      00000001 0001 74 00000001 00000000 0000 ffffffffffffffff 0000000000000009
      ffffffff                                 # leader_epoch (v4+)
    `));
  });

  it("v6 response: compact and tagged", () => {
    expect(encoded((w) => encodeListOffsetsResponse(w, 6, body))).toEqual(parseHex(`
      00000000 02 0274 02 00000000 0000 ffffffffffffffff 0000000000000009 ffffffff 00 00 00
    `));
  });
});
