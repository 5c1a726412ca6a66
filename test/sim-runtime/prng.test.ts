import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../runtime/sim/prng.ts";

function draw(random: SeededRandom, n: number): number[] {
  return Array.from({ length: n }, () => random.u32());
}

describe("SeededRandom", () => {
  it("repeats a stream for a seed and differs across seeds", () => {
    expect(draw(new SeededRandom(7), 50)).toEqual(draw(new SeededRandom(7), 50));
    expect(draw(new SeededRandom(7), 50)).not.toEqual(draw(new SeededRandom(8), 50));
    expect(draw(new SeededRandom(0), 4).every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32))
      .toBe(true);
  });

  it("forks independent streams without drawing from the parent", () => {
    const a = new SeededRandom(99);
    const b = new SeededRandom(99);
    const forkA = a.fork("disk");
    expect(draw(a, 20)).toEqual(draw(b, 20));
    expect(draw(forkA, 20)).toEqual(draw(new SeededRandom(99).fork("disk"), 20));
    expect(draw(new SeededRandom(99).fork("disk"), 20)).not.toEqual(
      draw(new SeededRandom(99).fork("net"), 20),
    );
    expect(draw(new SeededRandom(99).fork("disk"), 20)).not.toEqual(draw(new SeededRandom(99), 20));
  });

  it("draws floats in [0, 1) and unbiased-looking ints in [0, n)", () => {
    const random = new SeededRandom(3);
    const counts = new Array(6).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < 60_000; i++) {
      const f = random.float();
      if (!(f >= 0 && f < 1)) outOfRange++;
      counts[random.int(6)]++;
    }
    expect(outOfRange).toBe(0);
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    expect(random.int(1)).toBe(0);
    const big = random.int(2 ** 40);
    expect(big >= 0 && big < 2 ** 40 && Number.isInteger(big)).toBe(true);
    expect(() => random.int(0)).toThrow(RangeError);
    expect(() => random.int(2.5)).toThrow(RangeError);
  });

  it("fills byte arrays of any length deterministically", () => {
    const bytes = new SeededRandom(5).bytes(13);
    expect(bytes.length).toBe(13);
    expect(bytes).toEqual(new SeededRandom(5).bytes(13));
    expect(new Set(new SeededRandom(5).bytes(4096)).size).toBeGreaterThan(200);
  });
});
