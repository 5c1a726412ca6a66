import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { VERSION } from "../../src/version.ts";

describe("VERSION", () => {
  it("equals package.json's version", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
