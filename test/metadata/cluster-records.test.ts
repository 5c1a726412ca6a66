import { describe, expect, it } from "vitest";
import { Encoder } from "cbor-x";
import {
  checkMetadataRecord,
  decodeMetadataRecord,
  encodeMetadataRecord,
  type MetadataRecord,
} from "../../src/metadata/records.ts";
import { thrownCode } from "../support/error-codes.ts";
import { INCARNATION_ID, RECORD_SAMPLES, TOPIC_ID } from "./record-samples.ts";

const enc = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });

function sample(type: MetadataRecord["type"]): Record<string, unknown> {
  const found = RECORD_SAMPLES.find((s) => s.record.type === type && s.fixture !== "topic-record");
  if (found === undefined) throw new Error(`no sample of ${type}`);
  return { ...found.record };
}

const register = sample("RegisterBrokerRecord");
const change = sample("PartitionChangeRecord");
const partitionV1 = RECORD_SAMPLES.find((s) => s.fixture === "partition-record-v1")!.record;

/** Records a writer might build wrongly; each must be refused both ways. */
const BAD: [string, Record<string, unknown>][] = [
  ["negative broker id", { ...register, brokerId: -1 }],
  ["broker id above int32", { ...register, brokerId: 2 ** 31 }],
  ["fractional broker id", { ...register, brokerId: 1.5 }],
  ["empty incarnation id", { ...register, incarnationId: "" }],
  ["overlong incarnation id", { ...register, incarnationId: "x".repeat(256) }],
  ["incarnation id not text", { ...register, incarnationId: 7 }],
  ["no endpoints", { ...register, endpoints: [] }],
  ["endpoints not a list", { ...register, endpoints: { cbor: 1 } }],
  ["endpoint not a map", { ...register, endpoints: ["cbor://x:1"] }],
  ["port 0", { ...register, endpoints: [{ listener: "cbor", host: "h", port: 0 }] }],
  ["port too big", { ...register, endpoints: [{ listener: "cbor", host: "h", port: 65_536 }] }],
  ["empty host", { ...register, endpoints: [{ listener: "cbor", host: "", port: 1 }] }],
  ["listener with space", { ...register, endpoints: [{ listener: "a b", host: "h", port: 1 }] }],
  [
    "listener twice",
    {
      ...register,
      endpoints: [{ listener: "cbor", host: "h", port: 1 }, {
        listener: "CBOR",
        host: "h",
        port: 2,
      }],
    },
  ],
  [
    "too many endpoints",
    {
      ...register,
      endpoints: Array.from({ length: 17 }, (_, i) => ({ listener: `l${i}`, host: "h", port: 1 })),
    },
  ],
  ["rack missing", { ...register, rack: undefined }],
  ["empty rack", { ...register, rack: "" }],
  ["fenced not a boolean", { ...register, fenced: 1 }],
  ["change: fenced missing", { ...sample("BrokerRegistrationChangeRecord"), fenced: undefined }],
  ["unregister: no incarnation", { type: "UnregisterBrokerRecord", brokerId: 1 }],
  ["change of nothing", {
    type: "PartitionChangeRecord",
    topicId: TOPIC_ID,
    partition: 0,
    partitionEpoch: 0,
  }],
  ["empty topic id", { ...change, topicId: "" }],
  ["negative partition", { ...change, partition: -1 }],
  ["negative partition epoch", { ...change, partitionEpoch: -1 }],
  ["leader below -1", { ...change, leader: -2 }],
  ["leader outside the isr", { ...change, leader: 2, isr: [3] }],
  ["isr outside the replicas", { ...change, leader: 3, isr: [3, 4], replicas: [1, 2, 3] }],
  ["empty isr", { ...change, leader: -1, isr: [] }],
  ["isr lists a broker twice", { ...change, leader: 3, isr: [3, 3] }],
  ["replicas twice", { ...change, replicas: [1, 1, 3] }],
  ["replica id negative", { ...change, leader: undefined, isr: undefined, replicas: [-3] }],
  ["too many replicas", { ...change, replicas: Array.from({ length: 129 }, (_, i) => i) }],
  ["replicas not a list", { ...change, replicas: 3 }],
  ["v1 partition record, isr outside replicas", { ...partitionV1, isr: [9] }],
  ["v1 partition record, leader outside isr", { ...partitionV1, leader: 1 }],
  ["v1 partition record, no partition epoch", { ...partitionV1, partitionEpoch: undefined }],
  ["v1 partition record, no isr", { ...partitionV1, isr: undefined }],
  ["v1 partition record, negative leader epoch", { ...partitionV1, leaderEpoch: -1 }],
  ["target without addingReplicas", { ...change, targetReplicas: [1, 2] }],
  ["addingReplicas without a target", { ...change, addingReplicas: [1] }],
  ["addingReplicas with a null target", { ...change, targetReplicas: null, addingReplicas: [] }],
  ["addingReplicas outside the target", { ...change, targetReplicas: [2], addingReplicas: [3] }],
  ["empty target", { ...change, targetReplicas: [], addingReplicas: [] }],
  ["target lists a broker twice", { ...change, targetReplicas: [2, 2], addingReplicas: [] }],
  ["v2 partition record, target outside replicas", {
    ...partitionV1,
    targetReplicas: [9],
    addingReplicas: [],
  }],
  ["v2 partition record, no addingReplicas", { ...partitionV1, targetReplicas: [2] }],
];

function withoutUndefined(r: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
}

describe("cluster metadata records", () => {
  it("round-trip, every optional field combination of a partition change included", () => {
    for (const { record } of RECORD_SAMPLES) {
      expect(decodeMetadataRecord(encodeMetadataRecord(record))).toEqual(record);
    }
    for (let mask = 1; mask < 8; mask++) {
      const record: MetadataRecord = {
        type: "PartitionChangeRecord",
        topicId: TOPIC_ID,
        partition: 3,
        partitionEpoch: 9,
        ...(mask & 1 ? { leader: 2 } : {}),
        ...(mask & 2 ? { isr: [2, 1] } : {}),
        ...(mask & 4 ? { replicas: [1, 2] } : {}),
      };
      expect(decodeMetadataRecord(encodeMetadataRecord(record))).toEqual(record);
    }
  });

  it("drops fields a writer added that the record type does not have", () => {
    const extra = { ...register, secret: "x" } as unknown as MetadataRecord;
    expect(decodeMetadataRecord(encodeMetadataRecord(extra))).toEqual(register);
  });

  for (const [why, bad] of BAD) {
    it(`refuses ${why}: INVALID_RECORD to encode, CORRUPT_MESSAGE to decode`, () => {
      const record = withoutUndefined(bad) as unknown as MetadataRecord;
      expect(thrownCode(() => encodeMetadataRecord(record))).toBe("INVALID_RECORD");
      expect(thrownCode(() => checkMetadataRecord(record))).toBe("INVALID_RECORD");
      const v1 = record.type === "PartitionRecord" && "isr" in record;
      const bytes = enc.encode({ ...record, version: v1 ? 1 : 0 });
      const code = thrownCode(() => decodeMetadataRecord(bytes));
      // A v1 partition record missing a v1 field is read as v0, whose version then mismatches.
      expect(code).toBe("CORRUPT_MESSAGE");
    });
  }

  it("refuses versions it does not know, per record type", () => {
    const bytes = (v: unknown) => enc.encode({ ...register, version: v });
    expect(thrownCode(() => decodeMetadataRecord(bytes(1)))).toBe("UNSUPPORTED_VERSION");
    expect(thrownCode(() => decodeMetadataRecord(bytes("0")))).toBe("UNSUPPORTED_VERSION");
    expect(thrownCode(() => decodeMetadataRecord(bytes(undefined)))).toBe("UNSUPPORTED_VERSION");
    const v0WithIsr = enc.encode({ ...partitionV1, version: 0 });
    expect(thrownCode(() => decodeMetadataRecord(v0WithIsr))).toBe("CORRUPT_MESSAGE");
    const v3 = enc.encode({ ...partitionV1, version: 3 });
    expect(thrownCode(() => decodeMetadataRecord(v3))).toBe("UNSUPPORTED_VERSION");
    // A version 1 partition record claiming version 2 (no target fields) does not match it.
    const v2 = enc.encode({ ...partitionV1, version: 2 });
    expect(thrownCode(() => decodeMetadataRecord(v2))).toBe("CORRUPT_MESSAGE");
  });

  it("refuses truncated, garbled and non-map bytes with CORRUPT_MESSAGE, never a crash", () => {
    const good = encodeMetadataRecord(RECORD_SAMPLES[7].record);
    for (let cut = 0; cut < good.length; cut++) {
      expect(thrownCode(() => decodeMetadataRecord(good.subarray(0, cut)))).toBe(
        "CORRUPT_MESSAGE",
      );
    }
    for (const x of [[1, 2], "text", new Uint8Array([1]), null, 3.5]) {
      expect(thrownCode(() => decodeMetadataRecord(enc.encode(x)))).toBe("CORRUPT_MESSAGE");
    }
    expect(thrownCode(() => decodeMetadataRecord(new Uint8Array([0xff, 0xff])))).toBe(
      "CORRUPT_MESSAGE",
    );
  });

  it("accepts the edges of every range", () => {
    const edges: MetadataRecord[] = [
      {
        type: "RegisterBrokerRecord",
        brokerId: 2 ** 31 - 1,
        incarnationId: "x".repeat(255),
        endpoints: [{ listener: "CONTROLLER", host: "::1", port: 65_535 }],
        rack: "r",
        fenced: false,
      },
      { type: "UnregisterBrokerRecord", brokerId: 0, incarnationId: INCARNATION_ID },
      {
        type: "PartitionChangeRecord",
        topicId: TOPIC_ID,
        partition: 2 ** 31 - 1,
        partitionEpoch: 2 ** 31 - 1,
        replicas: Array.from({ length: 128 }, (_, i) => i),
      },
    ];
    for (const record of edges) {
      expect(decodeMetadataRecord(encodeMetadataRecord(record))).toEqual(record);
    }
  });
});
