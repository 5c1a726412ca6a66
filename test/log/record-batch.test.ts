import { describe, expect, it } from "vitest";
import {
  BATCH_HEADER_BYTES,
  batchesIn,
  type BatchHeader,
  type BatchInput,
  Compression,
  compressionOf,
  type DecodedRecord,
  decodeRecords,
  encodeBatch,
  isControlBatch,
  isTransactional,
  readBatchHeader,
  setMaxTimestampLogAppend,
  TimestampType,
  timestampTypeOf,
  validateBatch,
} from "../../src/log/record-batch.ts";
import { loadFixture } from "../fixtures/record-batch/hex.ts";
import { utf8 } from "../fixtures/record-batch/helpers.ts";

const T = 1_700_000_000_000;

// Header fields every hand-built fixture shares unless it says otherwise.
const defaults = {
  baseOffset: 0,
  partitionLeaderEpoch: -1,
  magic: 2,
  attributes: 0,
  lastOffsetDelta: 0,
  baseTimestamp: T,
  maxTimestamp: T,
  producerId: -1,
  producerEpoch: -1,
  baseSequence: -1,
  recordCount: 1,
};

interface Golden {
  name: string;
  input: BatchInput;
  header: BatchHeader;
  records: DecodedRecord[];
}

const record = (
  offset: number,
  timestamp: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: DecodedRecord["headers"] = [],
): DecodedRecord => ({ offset, timestamp, key, value, headers, attributes: 0 });

const goldens: Golden[] = [
  {
    name: "one-record",
    input: { records: [{ key: utf8("key"), value: utf8("value"), timestamp: T }] },
    header: { ...defaults, batchLength: 64, crc: 0xdb5e9cdd },
    records: [record(0, T, utf8("key"), utf8("value"))],
  },
  {
    name: "headers-null-key",
    input: {
      records: [{
        key: null,
        value: utf8("v"),
        headers: [{ key: "trace-id", value: utf8("abc") }, { key: "nil", value: null }],
        timestamp: T,
      }],
    },
    header: { ...defaults, batchLength: 75, crc: 0x70e718b4 },
    records: [
      record(0, T, null, utf8("v"), [{ key: "trace-id", value: utf8("abc") }, {
        key: "nil",
        value: null,
      }]),
    ],
  },
  {
    name: "multi-record",
    input: {
      baseOffset: 42,
      partitionLeaderEpoch: 7,
      records: [
        { key: utf8("a"), value: utf8("1"), timestamp: T },
        { key: utf8("b"), value: utf8("2"), timestamp: T + 250 },
        {
          key: utf8("c"),
          value: utf8("3"),
          timestamp: T - 100,
          headers: [{ key: "é", value: new Uint8Array(0) }],
        },
      ],
    },
    header: {
      ...defaults,
      baseOffset: 42,
      batchLength: 82,
      partitionLeaderEpoch: 7,
      crc: 0x4302532d,
      lastOffsetDelta: 2,
      maxTimestamp: T + 250,
      recordCount: 3,
    },
    records: [
      record(42, T, utf8("a"), utf8("1")),
      record(43, T + 250, utf8("b"), utf8("2")),
      record(44, T - 100, utf8("c"), utf8("3"), [{ key: "é", value: new Uint8Array(0) }]),
    ],
  },
  {
    name: "large-timestamp-delta",
    input: {
      records: [
        { key: null, value: null, timestamp: T },
        { key: null, value: null, timestamp: T + 2 ** 35 + 1 },
        { key: null, value: null, timestamp: T - 2 ** 32 },
      ],
    },
    header: {
      ...defaults,
      batchLength: 79,
      crc: 0xa802ebdf,
      lastOffsetDelta: 2,
      maxTimestamp: T + 2 ** 35 + 1,
      recordCount: 3,
    },
    records: [
      record(0, T, null, null),
      record(1, T + 2 ** 35 + 1, null, null),
      record(2, T - 2 ** 32, null, null),
    ],
  },
  {
    name: "tombstone",
    input: {
      baseOffset: 100,
      partitionLeaderEpoch: 3,
      records: [{ key: utf8("user-1"), value: null, timestamp: T }],
    },
    header: {
      ...defaults,
      baseOffset: 100,
      batchLength: 62,
      partitionLeaderEpoch: 3,
      crc: 0x9959e176,
    },
    records: [record(100, T, utf8("user-1"), null)],
  },
  {
    name: "control-commit",
    input: {
      baseOffset: 17,
      partitionLeaderEpoch: 2,
      transactional: true,
      control: true,
      producerId: 4000,
      producerEpoch: 3,
      records: [{
        key: new Uint8Array([0, 0, 0, 1]),
        value: new Uint8Array([0, 0, 0, 0, 0, 5]),
        timestamp: T,
      }],
    },
    header: {
      ...defaults,
      baseOffset: 17,
      batchLength: 66,
      partitionLeaderEpoch: 2,
      crc: 0xe909c260,
      attributes: 0x30,
      producerId: 4000,
      producerEpoch: 3,
    },
    records: [record(17, T, new Uint8Array([0, 0, 0, 1]), new Uint8Array([0, 0, 0, 0, 0, 5]))],
  },
];

describe("record batch v2 golden bytes", () => {
  for (const golden of goldens) {
    it(`${golden.name}: encodes to exactly the fixture bytes`, () => {
      expect(encodeBatch(golden.input)).toEqual(loadFixture(golden.name));
    });

    it(`${golden.name}: decodes to exactly the documented fields`, () => {
      const bytes = loadFixture(golden.name);
      expect(validateBatch(bytes)).toEqual(golden.header);
      expect(readBatchHeader(bytes)).toEqual(golden.header);
      expect(decodeRecords(bytes)).toEqual(golden.records);
    });
  }

  it("attribute helpers read the documented bits", () => {
    const control = readBatchHeader(loadFixture("control-commit"));
    expect([isControlBatch(control), isTransactional(control), compressionOf(control)]).toEqual([
      true,
      true,
      0,
    ]);
    const plain = readBatchHeader(loadFixture("one-record"));
    expect([isControlBatch(plain), isTransactional(plain), timestampTypeOf(plain)]).toEqual([
      false,
      false,
      0,
    ]);
    expect(timestampTypeOf(readBatchHeader(loadFixture("log-append-time")))).toBe(
      TimestampType.logAppend,
    );
    expect(compressionOf(readBatchHeader(loadFixture("sarama-gzip")))).toBe(Compression.gzip);
  });

  it("log-append-time: the leader's stamp gives exactly the fixture, every record reads the append time", () => {
    const appendTime = T + 9_999;
    const bytes = encodeBatch({
      timestampType: TimestampType.logAppend,
      records: [
        { key: null, value: utf8("x"), timestamp: T },
        { key: null, value: utf8("y"), timestamp: T + 5 },
      ],
    });
    setMaxTimestampLogAppend(bytes, 0, appendTime);
    expect(bytes).toEqual(loadFixture("log-append-time"));
    expect(validateBatch(bytes)).toMatchObject({
      attributes: 0x08,
      baseTimestamp: T,
      maxTimestamp: appendTime,
    });
    expect(decodeRecords(bytes)).toEqual([
      record(0, appendTime, null, utf8("x")),
      record(1, appendTime, null, utf8("y")),
    ]);
  });
});

describe("record batch v2 against other implementations' bytes", () => {
  it("reproduces, byte for byte, six batches a real Kafka Java producer wrote", () => {
    const bytes = loadFixture("kafka-java-producer");
    const positions = [...batchesIn(bytes)].map((b) => b.position);
    expect(positions).toEqual([0, 107, 214, 321, 428, 535]);
    const timestamps = [
      1539644731680,
      1539644732194,
      1539644732699,
      1539644733203,
      1539644733708,
      1539644734213,
    ];
    for (let i = 0; i < 6; i++) {
      const key = utf8(`KEY-${i + 1}`);
      const value = utf8(`VALUE-Lorem ipsum dolor sit amet-${i + 1}`);
      expect(decodeRecords(bytes, positions[i])).toEqual([record(i, timestamps[i], key, value)]);
      const ours = encodeBatch({
        baseOffset: i,
        partitionLeaderEpoch: 0,
        records: [{ key, value, timestamp: timestamps[i] }],
      });
      expect(ours).toEqual(bytes.subarray(positions[i], positions[i] + 107));
    }
  });

  it("agrees with Sarama's (Go client) uncompressed batch: CRC, header and record bytes", () => {
    const bytes = loadFixture("sarama-uncompressed");
    const header = validateBatch(bytes);
    expect(header).toMatchObject({
      crc: 0x547961fd,
      baseTimestamp: 1479847795000,
      maxTimestamp: 0,
      producerId: 0,
    });
    const expected = record(
      0,
      1479847795005,
      new Uint8Array([1, 2, 3, 4]),
      new Uint8Array([5, 6, 7]),
      [
        { key: "\b\t\n", value: new Uint8Array([11, 12]) },
      ],
    );
    expect(decodeRecords(bytes)).toEqual([expected]);
    const ours = encodeBatch({
      partitionLeaderEpoch: 0,
      producerId: 0,
      producerEpoch: 0,
      baseSequence: 0,
      records: [{
        key: expected.key,
        value: expected.value,
        headers: expected.headers,
        timestamp: 1479847795005,
      }],
    });
    // Sarama's batch starts its baseTimestamp 5 ms before its only record (timestampDelta 5 at
    // byte 63); ours uses the first record's timestamp (delta 0). Everything else must match.
    const theirsRecords = bytes.slice(BATCH_HEADER_BYTES);
    expect(theirsRecords[2]).toBe(0x0a);
    theirsRecords[2] = 0x00;
    expect(ours.subarray(BATCH_HEADER_BYTES)).toEqual(theirsRecords);
    expect(ours.subarray(0, 17)).toEqual(bytes.subarray(0, 17));
    expect(ours.subarray(43, BATCH_HEADER_BYTES)).toEqual(bytes.subarray(43, BATCH_HEADER_BYTES));
  });
});
