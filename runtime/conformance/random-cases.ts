// Randomness: ranges and coverage (not statistical quality, which the host's source owns).
import type { Runtime } from "../types.ts";
import type { ConformanceCase } from "./case.ts";
import { check, checkEqual } from "./check.ts";

const randomRanges: ConformanceCase = {
  name: "random: values stay in their ranges and cover them",
  run: (rt) => Promise.resolve(rt).then(checkRandomRanges),
};

function checkRandomRanges(rt: Runtime): void {
  const draws = 4_000;
  let floatSum = 0;
  const sevens = new Set<number>();
  for (let i = 0; i < draws; i++) {
    const u = rt.random.u32();
    check(Number.isInteger(u) && u >= 0 && u < 2 ** 32, `u32() = ${u}`);
    const f = rt.random.float();
    check(f >= 0 && f < 1, `float() = ${f}`);
    floatSum += f;
    const k = rt.random.int(7);
    check(Number.isInteger(k) && k >= 0 && k < 7, `int(7) = ${k}`);
    sevens.add(k);
    checkEqual(rt.random.int(1), 0, "int(1)");
    const big = rt.random.int(2 ** 40);
    check(Number.isInteger(big) && big >= 0 && big < 2 ** 40, `int(2^40) = ${big}`);
  }
  checkEqual(sevens.size, 7, "int(7) covers 0..6");
  const mean = floatSum / draws;
  check(mean > 0.4 && mean < 0.6, `mean of float() is ${mean}`);
  checkEqual(rt.random.bytes(0).length, 0, "bytes(0)");
  const many = rt.random.bytes(200_000);
  checkEqual(many.length, 200_000, "bytes(200000) length");
  let zeros = 0;
  for (const b of many.subarray(150_000)) if (b === 0) zeros++;
  check(zeros < 1_000, `${zeros} zero bytes among the last 50000 random bytes`);
}

export const randomCases: readonly ConformanceCase[] = [randomRanges];
