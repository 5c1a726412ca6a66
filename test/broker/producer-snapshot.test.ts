import { describe, expect, it } from "vitest";
import {
  decodeProducerSnapshot,
  encodeProducerSnapshot,
} from "../../src/broker/producer-snapshot.ts";
import { parseSnapshotFileName, snapshotFileName } from "../../src/broker/producer-snapshots.ts";
import type { ProducerSnapshotEntry } from "../../src/broker/producer-state.ts";
import { crc32c } from "../../src/log/crc32c.ts";
import { thrownCode } from "../support/error-codes.ts";
import { parseHex } from "../fixtures/record-batch/hex.ts";
import { readFileSync } from "node:fs";

const fixture = (name: string) =>
  parseHex(
    readFileSync(new URL(`../fixtures/producer-snapshot/${name}.hex`, import.meta.url), "utf8"),
  );

const TWO: ProducerSnapshotEntry[] = [
  {
    producerId: 4096,
    epoch: 2,
    lastSeq: 9,
    lastOffset: 1205,
    lastTimestampMs: 1_700_000_000_000,
    batches: [
      { firstSeq: 5, lastSeq: 7, baseOffset: 1100, lastOffset: 1102 },
      { firstSeq: 8, lastSeq: 9, baseOffset: 1204, lastOffset: 1205 },
    ],
  },
  {
    producerId: 7,
    epoch: 0,
    lastSeq: 0,
    lastOffset: 1300,
    lastTimestampMs: 1_700_000_360_000,
    batches: [{ firstSeq: 0, lastSeq: 0, baseOffset: 1300, lastOffset: 1300 }],
  },
];

/** A copy of bytes with the CRC recomputed, so a test reaches the checks after it. */
function resealed(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(2, crc32c(copy, 6));
  return copy;
}

describe("producer snapshot codec", () => {
  it("encodes to the golden bytes and decodes them back", () => {
    expect(encodeProducerSnapshot(TWO)).toEqual(fixture("two-producers"));
    expect(decodeProducerSnapshot(fixture("two-producers"))).toEqual(TWO);
    expect(encodeProducerSnapshot([])).toEqual(fixture("empty"));
    expect(decodeProducerSnapshot(fixture("empty"))).toEqual([]);
  });

  it("refuses any flipped byte (CRC), cut or padded file", () => {
    const good = fixture("two-producers");
    for (let at = 0; at < good.length; at++) {
      const bad = good.slice();
      bad[at] ^= 0x10;
      expect(thrownCode(() => decodeProducerSnapshot(bad)), `byte ${at}`).toBe(
        "KAFKA_STORAGE_ERROR",
      );
    }
    for (const len of [0, 5, 9, good.length - 1]) {
      const cut = len < 6 ? good.slice(0, len) : resealed(good.subarray(0, len));
      expect(thrownCode(() => decodeProducerSnapshot(cut)), `len ${len}`).toBe(
        "KAFKA_STORAGE_ERROR",
      );
    }
    const padded = new Uint8Array(good.length + 1);
    padded.set(good);
    expect(thrownCode(() => decodeProducerSnapshot(resealed(padded)))).toBe("KAFKA_STORAGE_ERROR");
  });

  it("refuses well-sealed files whose content breaks the format", () => {
    const good = fixture("two-producers");
    const version2 = good.slice();
    version2[1] = 2;
    expect(() => decodeProducerSnapshot(resealed(version2))).toThrow(/unknown version 2/);
    const noBatches = good.slice();
    noBatches[10 + 30] = 0; // first producer's batchCount
    expect(() => decodeProducerSnapshot(resealed(noBatches))).toThrow(/0 batches/);
    const hugeCount = good.slice();
    new DataView(hugeCount.buffer).setInt32(6, 1_000_000);
    expect(() => decodeProducerSnapshot(resealed(hugeCount))).toThrow(/producer count/);
    const wrongLast = good.slice();
    new DataView(wrongLast.buffer).setInt32(10 + 10, 8); // lastSequence 8, batch says 9
    expect(() => decodeProducerSnapshot(resealed(wrongLast))).toThrow(/disagree/);
  });

  it("names files by their offset, 20 digits, and parses only such names", () => {
    expect(snapshotFileName(1234)).toBe("00000000000000001234.snapshot");
    expect(parseSnapshotFileName("00000000000000001234.snapshot")).toBe(1234);
    expect(parseSnapshotFileName("00000000000000001234.snapshot.tmp")).toBeNull();
    expect(parseSnapshotFileName("1234.snapshot")).toBeNull();
    expect(parseSnapshotFileName("00000000000000001234.log")).toBeNull();
  });
});
