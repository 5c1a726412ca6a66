// The cleaner's pure parts: the key map and what becomes of one batch.
import { describe, expect, it } from "vitest";
import { Attribute } from "../../src/log/batch-header.ts";
import {
  cleanBatch,
  deleteHorizonOf,
  emptyBatchLike,
  type RetainRules,
} from "../../src/log/cleaner-batch.ts";
import { keyString, OffsetMap } from "../../src/log/cleaner-map.ts";
import {
  type BatchHeader,
  decodeRecords,
  encodeBatch,
  lastOffsetOf,
  readBatchHeader,
  validateBatch,
} from "../../src/log/record-batch.ts";

const T0 = 1_700_000_000_000;
const enc = (s: string) => new TextEncoder().encode(s);

/** Offsets 100..103 of producer 7: a=1, b=2, a=3, c=tombstone. */
function producerBatch(): Uint8Array {
  const bytes = encodeBatch({
    baseOffset: 100,
    partitionLeaderEpoch: 4,
    producerId: 7,
    producerEpoch: 2,
    baseSequence: 40,
    records: [
      { key: enc("a"), value: enc("1"), timestamp: T0 },
      {
        key: enc("b"),
        value: enc("2"),
        timestamp: T0 + 5,
        headers: [{ key: "h", value: enc("x") }],
      },
      { key: enc("a"), value: enc("3"), timestamp: T0 + 2 },
      { key: enc("c"), value: null, timestamp: T0 + 9 },
    ],
  });
  return bytes;
}

function rules(map: OffsetMap, overrides: Partial<RetainRules> = {}): RetainRules {
  return {
    map,
    mapEnd: 1000,
    logStartOffset: 0,
    nowMs: T0 + 50,
    deleteRetentionMs: 100,
    ...overrides,
  };
}

function mapOf(entries: Array<[string, number]>): OffsetMap {
  const map = new OffsetMap(1 << 20);
  for (const [key, offset] of entries) map.putBatch([{ key: enc(key), offset }]);
  return map;
}

function sameFields(a: BatchHeader, b: BatchHeader): void {
  for (
    const field of ["baseOffset", "partitionLeaderEpoch", "lastOffsetDelta", "producerId"] as const
  ) {
    expect(a[field]).toBe(b[field]);
  }
  expect(a.producerEpoch).toBe(b.producerEpoch);
  expect(a.baseSequence).toBe(b.baseSequence);
}

describe("OffsetMap", () => {
  it("compares keys as bytes, every byte value included", () => {
    const map = new OffsetMap(1 << 20);
    const high = new Uint8Array([0x80, 0x9f, 0xff, 0x00]);
    const other = new Uint8Array([0x80, 0x9f, 0xff, 0x01]);
    map.putBatch([{ key: high, offset: 1 }, { key: other, offset: 2 }, { key: high, offset: 3 }]);
    expect(map.latest(high)).toBe(3);
    expect(map.latest(other)).toBe(2);
    expect(map.latest(new Uint8Array([0x80, 0x9f, 0xff]))).toBe(-1);
    expect([...keyString(high)].map((c) => c.charCodeAt(0))).toEqual([0x80, 0x9f, 0xff, 0x00]);
    const long = new Uint8Array(20_000).map((_, i) => i & 0xff);
    expect(keyString(long).length).toBe(20_000);
  });

  it("takes a batch whole or not at all once its budget is spent; an empty map takes any", () => {
    const map = new OffsetMap(200);
    expect(map.putBatch([{ key: enc("k1"), offset: 0 }, { key: enc("k2"), offset: 1 }])).toBe(true);
    expect(map.bytes).toBe(2 * (2 + 64));
    // Known keys cost nothing more.
    expect(map.putBatch([{ key: enc("k1"), offset: 2 }])).toBe(true);
    expect(map.putBatch([{ key: enc("k3"), offset: 3 }, { key: enc("k4"), offset: 4 }])).toBe(
      false,
    );
    expect(map.latest(enc("k3"))).toBe(-1);
    expect(map.size).toBe(2);
    const fresh = new OffsetMap(10);
    expect(fresh.putBatch([{ key: new Uint8Array(100), offset: 0 }])).toBe(true);
  });
});

describe("cleanBatch", () => {
  it("keeps a batch nobody superseded, byte for byte, once its tombstone has a horizon", async () => {
    const bytes = producerBatch();
    const first = await cleanBatch(bytes, readBatchHeader(bytes), rules(mapOf([])));
    // The tombstone needs a horizon: the batch is rewritten with all four records.
    expect(first.kind).toBe("rewrite");
    if (first.kind !== "rewrite") return;
    expect(first.removed).toBe(0);
    expect(first.horizonMs).toBe(T0 + 150);
    const header = validateBatch(first.bytes);
    expect(deleteHorizonOf(header)).toBe(T0 + 150);
    expect(decodeRecords(first.bytes)).toEqual(decodeRecords(bytes));
    const again = await cleanBatch(first.bytes, header, rules(mapOf([])));
    expect(again).toEqual({ kind: "keep", horizonMs: T0 + 150 });
  });

  it("rewrites without superseded records: same offsets, producer fields and timestamps", async () => {
    const bytes = producerBatch();
    const original = readBatchHeader(bytes);
    const map = mapOf([["a", 102], ["b", 250]]);
    const outcome = await cleanBatch(bytes, original, rules(map, { deleteRetentionMs: 0 }));
    expect(outcome.kind).toBe("rewrite");
    if (outcome.kind !== "rewrite") return;
    expect(outcome.removed).toBe(2);
    const header = validateBatch(outcome.bytes);
    sameFields(header, original);
    expect(lastOffsetOf(header)).toBe(103);
    expect(header.recordCount).toBe(2);
    expect(header.maxTimestamp).toBe(T0 + 9);
    const records = decodeRecords(outcome.bytes);
    expect(records.map((r) => [r.offset, r.timestamp, r.value?.length ?? null])).toEqual([
      [102, T0 + 2, 1],
      [103, T0 + 9, null],
    ]);
  });

  it("drops a tombstone once its batch's horizon has passed, and keeps it before", async () => {
    const stamped = await cleanBatch(
      producerBatch(),
      readBatchHeader(producerBatch()),
      rules(mapOf([])),
    );
    if (stamped.kind !== "rewrite") throw new Error("expected a rewrite");
    const header = readBatchHeader(stamped.bytes);
    const before = await cleanBatch(stamped.bytes, header, rules(mapOf([]), { nowMs: T0 + 149 }));
    expect(before.kind).toBe("keep");
    const after = await cleanBatch(stamped.bytes, header, rules(mapOf([]), { nowMs: T0 + 150 }));
    expect(after.kind).toBe("rewrite");
    if (after.kind !== "rewrite") return;
    expect(decodeRecords(after.bytes).map((r) => r.offset)).toEqual([100, 101, 102]);
    expect((readBatchHeader(after.bytes).attributes & Attribute.deleteHorizon) === 0).toBe(true);
  });

  it("copies batches at or past mapEnd and drops batches wholly below the log start", async () => {
    const bytes = producerBatch();
    const header = readBatchHeader(bytes);
    const supersededAll = mapOf([["a", 500], ["b", 500], ["c", 500]]);
    expect(await cleanBatch(bytes, header, rules(supersededAll, { mapEnd: 100 }))).toEqual({
      kind: "keep",
      horizonMs: -1,
    });
    expect(await cleanBatch(bytes, header, rules(supersededAll))).toEqual({
      kind: "drop",
      removed: 4,
    });
    expect(await cleanBatch(bytes, header, rules(mapOf([]), { logStartOffset: 104 }))).toEqual({
      kind: "drop",
      removed: 4,
    });
  });

  it("drops records without a key", async () => {
    const bytes = encodeBatch({
      records: [{ key: null, value: enc("x"), timestamp: T0 }, {
        key: enc("k"),
        value: enc("y"),
        timestamp: T0,
      }],
    });
    const outcome = await cleanBatch(bytes, readBatchHeader(bytes), rules(mapOf([])));
    expect(outcome.kind === "rewrite" && decodeRecords(outcome.bytes).map((r) => r.offset)).toEqual(
      [1],
    );
  });
});

describe("emptyBatchLike", () => {
  it("keeps the batch's offsets and producer fields with no records", () => {
    const original = readBatchHeader(producerBatch());
    const empty = emptyBatchLike(original);
    const header = validateBatch(empty);
    sameFields(header, original);
    expect(header.recordCount).toBe(0);
    expect(decodeRecords(empty)).toEqual([]);
    expect(emptyBatchLike(header)).toEqual(empty);
  });
});
