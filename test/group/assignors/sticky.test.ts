import { describe, expect, it } from "vitest";
import { stickyAssignor } from "../../../src/group/mod.ts";
import { member, run } from "./helpers.ts";

const t = (partitions: number[]) => [{ topic: "t", partitions }];

describe("sticky assignor", () => {
  it("deals a fresh group evenly", () => {
    const members = [member("a", ["t"]), member("b", ["t"]), member("c", ["t"])];
    expect(run(stickyAssignor, members, { t: 6 })).toEqual({
      a: ["t-0", "t-3"],
      b: ["t-1", "t-4"],
      c: ["t-2", "t-5"],
    });
  });

  it("moves one partition when a fourth member joins three with two each", () => {
    const members = [
      member("a", ["t"], t([0, 3])),
      member("b", ["t"], t([1, 4])),
      member("c", ["t"], t([2, 5])),
      member("d", ["t"]),
    ];
    expect(run(stickyAssignor, members, { t: 6 })).toEqual({
      a: ["t-0"],
      b: ["t-1", "t-4"],
      c: ["t-2", "t-5"],
      d: ["t-3"],
    });
  });

  it("hands only the leaver's partitions to the others", () => {
    const members = [member("a", ["t"], t([0, 3])), member("c", ["t"], t([2, 5]))];
    expect(run(stickyAssignor, members, { t: 6 })).toEqual({
      a: ["t-0", "t-1", "t-3"],
      c: ["t-2", "t-4", "t-5"],
    });
  });

  it("drops partitions that no longer exist or are no longer subscribed", () => {
    const members = [
      member("a", ["u"], t([0, 1])),
      member("b", ["t"], t([2, 3, 4])),
    ];
    expect(run(stickyAssignor, members, { t: 3, u: 1 })).toEqual({
      a: ["u-0"],
      b: ["t-0", "t-1", "t-2"],
    });
  });

  it("gives a partition claimed by two members to the first in member order", () => {
    const members = [member("b", ["t"], t([0, 1])), member("a", ["t"], t([0]))];
    expect(run(stickyAssignor, members, { t: 2 })).toEqual({ a: ["t-0"], b: ["t-1"] });
  });

  it("balances members with different subscriptions as far as subscriptions allow", () => {
    const members = [member("a", ["x"]), member("b", ["x", "y"])];
    const result = run(stickyAssignor, members, { x: 10, y: 2 });
    expect(result.a.length).toBe(6);
    expect(result.b.filter((p) => p.startsWith("y-"))).toEqual(["y-0", "y-1"]);
    expect(result.b.length).toBe(6);
  });
});
