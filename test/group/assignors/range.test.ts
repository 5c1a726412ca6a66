import { describe, expect, it } from "vitest";
import { rangeAssignor } from "../../../src/group/mod.ts";
import { member, run } from "./helpers.ts";

describe("range assignor", () => {
  it("splits each topic in contiguous ranges, first members get the extra (Kafka's example)", () => {
    const members = [member("c1", ["t0", "t1"]), member("c0", ["t0", "t1"])];
    expect(run(rangeAssignor, members, { t0: 3, t1: 3 })).toEqual({
      c0: ["t0-0", "t0-1", "t1-0", "t1-1"],
      c1: ["t0-2", "t1-2"],
    });
  });

  it("gives each member its range of every topic it subscribes to", () => {
    const members = [member("a", ["x"]), member("b", ["x", "y"]), member("c", ["y"])];
    expect(run(rangeAssignor, members, { x: 5, y: 2 })).toEqual({
      a: ["x-0", "x-1", "x-2"],
      b: ["x-3", "x-4", "y-0"],
      c: ["y-1"],
    });
  });

  it("orders static members by instance id first, so ranges survive a restart", () => {
    const members = [
      member("z", ["t"], [], "i1"),
      member("a", ["t"]),
      member("y", ["t"], [], "i0"),
    ];
    expect(run(rangeAssignor, members, { t: 3 })).toEqual({ y: ["t-0"], z: ["t-1"], a: ["t-2"] });
  });

  it("leaves members without existing topics empty and ignores missing topics", () => {
    const members = [member("a", ["t", "missing"]), member("b", ["missing"])];
    expect(run(rangeAssignor, members, { t: 2 })).toEqual({ a: ["t-0", "t-1"], b: [] });
  });
});
