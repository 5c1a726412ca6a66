import { describe, expect, it } from "vitest";
import { roundRobinAssignor } from "../../../src/group/mod.ts";
import { member, run } from "./helpers.ts";

describe("round-robin assignor", () => {
  it("deals all partitions in order (Kafka's example)", () => {
    const members = [member("c0", ["t0", "t1"]), member("c1", ["t0", "t1"])];
    expect(run(roundRobinAssignor, members, { t0: 3, t1: 3 })).toEqual({
      c0: ["t0-0", "t0-2", "t1-1"],
      c1: ["t0-1", "t1-0", "t1-2"],
    });
  });

  it("skips members not subscribed to a partition's topic (Kafka's example)", () => {
    const members = [
      member("c2", ["t0", "t1", "t2"]),
      member("c0", ["t0"]),
      member("c1", ["t0", "t1"]),
    ];
    expect(run(roundRobinAssignor, members, { t0: 1, t1: 2, t2: 3 })).toEqual({
      c0: ["t0-0"],
      c1: ["t1-0"],
      c2: ["t1-1", "t2-0", "t2-1", "t2-2"],
    });
  });

  it("ignores the current assignment (it is not sticky)", () => {
    const current = [{ topic: "t", partitions: [0, 1] }];
    const members = [member("a", ["t"]), member("b", ["t"], current)];
    expect(run(roundRobinAssignor, members, { t: 2 })).toEqual({ a: ["t-0"], b: ["t-1"] });
  });
});
