import { describe, expect, it } from "vitest";
import {
  choosePartition,
  murmur2,
  partitionForKey,
  StickyPartitioner,
} from "../../src/model/partitioner.ts";
import { SeededRandom } from "../../runtime/sim/prng.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("murmur2", () => {
  // Expected values from Apache Kafka's UtilsTest.testMurmur2 (the Java client's hash).
  const vectors: Array<[Uint8Array, number]> = [
    [utf8("21"), -973932308],
    [utf8("foobar"), -790332482],
    [new Uint8Array([12, 42, 56, 24, 109, 111]), 274204207],
    [utf8("a-little-bit-long-string"), -985981536],
    [utf8("a-little-bit-longer-string"), -1486304829],
    [utf8("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971],
    [utf8("abc"), 479470107],
  ];

  it("matches Kafka's test vectors", () => {
    for (const [key, hash] of vectors) expect(murmur2(key)).toBe(hash);
  });

  it("places keys as Kafka's default partitioner (toPositive, then modulo)", () => {
    expect(partitionForKey(utf8("foobar"), 10)).toBe((-790332482 & 0x7fffffff) % 10);
    expect(partitionForKey(utf8("21"), 7)).toBe(1173551340 % 7);
    for (let n = 1; n <= 64; n++) {
      const p = partitionForKey(utf8("abc"), n);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(n);
    }
  });
});

describe("StickyPartitioner", () => {
  function scriptedRandom(values: number[]) {
    let i = 0;
    return { int: (n: number) => values[i++ % values.length] % n };
  }

  it("keeps one partition until its batch completes, then moves to a different one", () => {
    const sticky = new StickyPartitioner(scriptedRandom([2, 2, 0]));
    expect(sticky.partition("t", 4)).toBe(2);
    expect(sticky.partition("t", 4)).toBe(2);
    sticky.onBatchComplete("t", 4, 2);
    // random pick 2 among the 3 others skips the completed partition 2 -> 3
    expect(sticky.partition("t", 4)).toBe(3);
    sticky.onBatchComplete("t", 4, 1); // not the current one: no change
    expect(sticky.partition("t", 4)).toBe(3);
  });

  it("spreads over all partitions as batches complete", () => {
    const sticky = new StickyPartitioner(new SeededRandom(7));
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const p = choosePartition(sticky, "t", null, 5);
      seen.add(p);
      sticky.onBatchComplete("t", 5, p);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(choosePartition(sticky, "t", utf8("foobar"), 10)).toBe(6);
  });
});
