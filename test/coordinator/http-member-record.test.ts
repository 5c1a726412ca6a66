// The HTTP member record in `__consumer_offsets`: golden bytes of key and value, round trips,
// the tombstone, refusals of malformed or unknown bytes, group records left to their own codec,
// a mixed batch replayed in log order, and the store's rule for members deleted in a batch.
import { describe, expect, it } from "vitest";
import { Encoder } from "cbor-x/encode";
import type { FetchPartitionResult } from "../../src/broker/types.ts";
import {
  decodeHttpMemberRecord,
  encodeHttpMemberRecord,
  type HttpMemberLogRecord,
} from "../../src/coordinator/http-member-record.ts";
import { HttpMemberStore } from "../../src/coordinator/http-member-store.ts";
import {
  encodeGroupBatch,
  type OffsetsLogRecord,
  replayOffsetsPartition,
} from "../../src/coordinator/offsets-log.ts";
import { encodeGroupRecord, type GroupRecord, tombstone } from "../../src/group/mod.ts";
import { thrownCode } from "../support/error-codes.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const cbor = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });

const record: HttpMemberLogRecord = {
  type: "HttpMember",
  groupId: "g",
  memberId: "m1",
  autoOffsetReset: "earliest",
};

describe("the HTTP member record", () => {
  it("has pinned bytes: key [0, HttpMember, group, member], value {version 0, autoOffsetReset}", () => {
    const { key, value } = encodeHttpMemberRecord(record);
    expect(hex(key)).toBe("84006a487474704d656d6265726167626d31");
    expect(hex(value!)).toBe(
      "b900026776657273696f6e006f6175746f4f66667365745265736574686561726c69657374",
    );
    expect(decodeHttpMemberRecord(key, value)).toEqual(record);
  });

  it("round-trips every autoOffsetReset, and a tombstone is the same key with no value", () => {
    for (const autoOffsetReset of ["earliest", "latest", "none"] as const) {
      const r = { ...record, autoOffsetReset };
      const { key, value } = encodeHttpMemberRecord(r);
      expect(decodeHttpMemberRecord(key, value)).toEqual(r);
    }
    const gone = encodeHttpMemberRecord({
      type: "HttpMemberTombstone",
      groupId: "g",
      memberId: "m1",
    });
    expect(gone.key).toEqual(encodeHttpMemberRecord(record).key);
    expect(gone.value).toBeNull();
    expect(decodeHttpMemberRecord(gone.key, null)).toEqual({
      type: "HttpMemberTombstone",
      groupId: "g",
      memberId: "m1",
    });
  });

  it("leaves group records to the group codec (null), including a Member record of the same ids", () => {
    const member = encodeGroupRecord(tombstone({ type: "Member", groupId: "g", memberId: "m1" }));
    expect(decodeHttpMemberRecord(member.key, member.value)).toBeNull();
  });

  it("refuses malformed keys and values as CORRUPT_MESSAGE, unknown versions as UNSUPPORTED_VERSION", () => {
    const key = encodeHttpMemberRecord(record).key;
    const value = (v: unknown) => cbor.encode(v);
    const decode = (k: Uint8Array, v: Uint8Array | null) => () => decodeHttpMemberRecord(k, v);
    expect(thrownCode(decode(new Uint8Array([0xff]), null))).toBe("CORRUPT_MESSAGE");
    expect(thrownCode(decode(cbor.encode([0, "HttpMember", "g"]), null))).toBe("CORRUPT_MESSAGE");
    expect(thrownCode(decode(cbor.encode([0, "HttpMember", "g", 7]), null))).toBe(
      "CORRUPT_MESSAGE",
    );
    expect(thrownCode(decode(cbor.encode([1, "HttpMember", "g", "m1"]), null))).toBe(
      "UNSUPPORTED_VERSION",
    );
    expect(thrownCode(decode(key, value([1, 2])))).toBe("CORRUPT_MESSAGE");
    expect(thrownCode(decode(key, value({ version: 1, autoOffsetReset: "latest" })))).toBe(
      "UNSUPPORTED_VERSION",
    );
    expect(thrownCode(decode(key, value({ version: 0, autoOffsetReset: "soon" })))).toBe(
      "CORRUPT_MESSAGE",
    );
    expect(thrownCode(decode(key, value({ version: 0 })))).toBe("CORRUPT_MESSAGE");
  });

  it("replays from a batch mixed with group records, in log order, each by its own codec", async () => {
    const records: OffsetsLogRecord[] = [
      {
        type: "Member",
        groupId: "g",
        memberId: "m1",
        instanceId: null,
        clientId: "tributary-http",
        subscribedTopics: ["t"],
        sessionTimeoutMs: 45_000,
        rebalanceTimeoutMs: 300_000,
      },
      record,
      tombstone({ type: "Member", groupId: "g", memberId: "m1" }),
      { type: "HttpMemberTombstone", groupId: "g", memberId: "m1" },
    ];
    const bytes = encodeGroupBatch(records, 1_700_000_000_000);
    const reader = {
      partitionOffsets: () => ({ logStartOffset: 0, highWatermark: records.length }),
      fetch: (): Promise<FetchPartitionResult[]> =>
        Promise.resolve([{
          topic: "__consumer_offsets",
          partition: 0,
          highWatermark: records.length,
          logStartOffset: 0,
          records: bytes,
        }]),
    };
    const replayed: OffsetsLogRecord[] = [];
    expect(await replayOffsetsPartition(reader, 0, (r) => replayed.push(r))).toBe(4);
    expect(replayed).toEqual(records);
  });
});

describe("HttpMemberStore", () => {
  it("keeps the latest record per member; a tombstone deletes it", () => {
    const store = new HttpMemberStore();
    store.apply(record);
    store.apply({ ...record, memberId: "m2" });
    store.apply({ ...record, autoOffsetReset: "none" });
    expect(store.get("g", "m1")?.autoOffsetReset).toBe("none");
    expect(store.size).toBe(2);
    store.apply({ type: "HttpMemberTombstone", groupId: "g", memberId: "m1" });
    expect(store.get("g", "m1")).toBeUndefined();
    expect(store.size).toBe(1);
  });

  it("removes the HTTP members a batch's Member tombstones delete, unless the batch creates them again", () => {
    const store = new HttpMemberStore();
    store.apply(record);
    store.apply({ ...record, memberId: "m2" });
    const member = (memberId: string): GroupRecord => ({
      type: "Member",
      groupId: "g",
      memberId,
      instanceId: null,
      clientId: "c",
      subscribedTopics: ["t"],
      sessionTimeoutMs: 45_000,
      rebalanceTimeoutMs: 300_000,
    });
    const gone = (memberId: string) => tombstone({ type: "Member", groupId: "g", memberId });
    expect(store.removedBy([gone("m1"), gone("m2"), member("m2"), gone("m3")])).toEqual([
      { type: "HttpMemberTombstone", groupId: "g", memberId: "m1" },
    ]);
    expect(store.orphans((_g, m) => m === "m2")).toEqual([
      { type: "HttpMemberTombstone", groupId: "g", memberId: "m1" },
    ]);
  });
});
