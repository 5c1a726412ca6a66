import { describe, expect, it } from "vitest";
import {
  expectPositionals,
  intFlag,
  parseArgs,
  parseKeyValues,
  stringFlag,
  stringList,
  UsageError,
} from "../../src/args/args.ts";

const specs = {
  partitions: { type: "integer" },
  config: { type: "string", multiple: true },
  "from-beginning": { type: "boolean" },
  bootstrap: { type: "string" },
} as const;

describe("parseArgs", () => {
  it("separates positionals from flags in both --k v and --k=v forms", () => {
    const args = parseArgs(
      [
        "create",
        "orders",
        "--partitions",
        "3",
        "--config=retention.ms=1000",
        "--config",
        "a=b",
        "--from-beginning",
      ],
      specs,
    );
    expect(args.positionals).toEqual(["create", "orders"]);
    expect(intFlag(args, "partitions")).toBe(3);
    expect(stringList(args, "config")).toEqual(["retention.ms=1000", "a=b"]);
    expect(args.flags["from-beginning"]).toBe(true);
  });

  it("treats everything after -- as positional, including a lone dash", () => {
    const args = parseArgs(["-", "--", "--partitions", "x"], specs);
    expect(args.positionals).toEqual(["-", "--partitions", "x"]);
    expect(args.flags).toEqual({});
  });

  it("rejects unknown flags, missing values, bad integers and repeats", () => {
    expect(() => parseArgs(["--nope"], specs)).toThrow(UsageError);
    expect(() => parseArgs(["--partitions"], specs)).toThrow(/needs a value/);
    for (const bad of ["1.5", "1e3", "0x10", "", " 7", "99999999999999999"]) {
      expect(() => parseArgs(["--partitions", bad], specs)).toThrow(UsageError);
    }
    expect(() => parseArgs(["--bootstrap", "a", "--bootstrap", "b"], specs)).toThrow(
      /more than once/,
    );
    expect(() => parseArgs(["--from-beginning=yes"], specs)).toThrow(UsageError);
  });

  it("accepts negative integers and explicit boolean values", () => {
    const args = parseArgs(["--partitions=-1", "--from-beginning=false"], specs);
    expect(intFlag(args, "partitions")).toBe(-1);
    expect(args.flags["from-beginning"]).toBe(false);
    expect(stringFlag(args, "bootstrap")).toBeUndefined();
  });
});

describe("parseKeyValues", () => {
  it("splits at the first '=' and rejects pairs without a key", () => {
    expect(parseKeyValues(["a=1", "b=x=y"], "--config")).toEqual({ a: "1", b: "x=y" });
    expect(() => parseKeyValues(["=1"], "--config")).toThrow(UsageError);
    expect(() => parseKeyValues(["novalue"], "--config")).toThrow(UsageError);
  });
});

describe("expectPositionals", () => {
  it("names the missing or extra argument", () => {
    const args = parseArgs(["x", "y"], {});
    expect(expectPositionals(args, ["A", "B"], "u")).toEqual(["x", "y"]);
    expect(() => expectPositionals(args, ["A", "B", "C"], "u")).toThrow(/missing C/);
    expect(() => expectPositionals(args, ["A"], "u")).toThrow(/unexpected argument "y"/);
  });
});
