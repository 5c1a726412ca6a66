import { describe, expect, it } from "vitest";
import { Encoder } from "cbor-x";
import {
  decodeMetadataRecord,
  encodeMetadataRecord,
  type MetadataRecord,
} from "../../src/metadata/records.ts";
import { thrownCode } from "../support/error-codes.ts";

const samples: MetadataRecord[] = [
  {
    type: "TopicRecord",
    name: "t",
    topicId: "0f8e1c3a-0000-4000-8000-000000000001",
    internal: false,
  },
  { type: "PartitionRecord", topic: "t", partition: 2, replicas: [1], leader: 1, leaderEpoch: 0 },
  { type: "ConfigRecord", topic: "t", name: "retention.ms", value: "1000" },
  { type: "ConfigRecord", topic: "t", name: "retention.ms", value: null },
  { type: "RemoveTopicRecord", name: "t" },
  { type: "ProducerIdsRecord", nextBlockStart: 2000 },
];

describe("metadata records", () => {
  it("round-trip through CBOR", () => {
    for (const record of samples) {
      expect(decodeMetadataRecord(encodeMetadataRecord(record))).toEqual(record);
    }
  });

  it("are plain CBOR maps (first byte is a map header)", () => {
    const bytes = encodeMetadataRecord(samples[4]);
    expect(bytes[0] >> 5).toBe(5); // major type 5: map
  });

  it("reject wrong shapes and unknown versions", () => {
    const enc = new Encoder({ useRecords: false });
    expect(thrownCode(() => decodeMetadataRecord(enc.encode({ type: "Nope", version: 0 })))).toBe(
      "CORRUPT_MESSAGE",
    );
    expect(
      thrownCode(() => decodeMetadataRecord(enc.encode({ type: "RemoveTopicRecord", version: 0 }))),
    ).toBe("CORRUPT_MESSAGE");
    expect(
      thrownCode(() =>
        decodeMetadataRecord(enc.encode({ type: "RemoveTopicRecord", name: "x", version: 9 }))
      ),
    ).toBe("UNSUPPORTED_VERSION");
    expect(thrownCode(() => decodeMetadataRecord(enc.encode(5)))).toBe("CORRUPT_MESSAGE");
  });
});
