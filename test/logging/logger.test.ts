import { describe, expect, it } from "vitest";
import { createLogger, type LogLevel } from "../../src/logging/logger.ts";
import { RateLimitedLog } from "../../src/logging/rate-limit.ts";

function capture(level: LogLevel = "info", format: "text" | "json" = "text") {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    format,
    nowMs: () => Date.UTC(2026, 0, 2, 3, 4, 5, 6),
    write: (l) => lines.push(l),
  });
  return { lines, logger };
}

describe("logger", () => {
  it("writes one text line per event with timestamp, level, event, message and fields", () => {
    const { lines, logger } = capture();
    logger.info("topic.created", "created topic orders", { topic: "orders", partitions: 3 });
    expect(lines).toEqual([
      "2026-01-02T03:04:05.006Z INFO  topic.created created topic orders topic=orders partitions=3\n",
    ]);
  });

  it("drops lines below the level and says so through enabled()", () => {
    const { lines, logger } = capture("warn");
    logger.info("a", "no");
    logger.debug("b", "no");
    logger.warn("c", "yes");
    logger.error("d", "yes");
    expect(lines.map((l) => l.split(/ +/)[2])).toEqual(["c", "d"]);
    expect(logger.enabled("info")).toBe(false);
    expect(logger.enabled("error")).toBe(true);
  });

  it("writes JSON lines whose fields cannot overwrite the envelope", () => {
    const { lines, logger } = capture("debug", "json");
    logger.with({ node: 1 }).debug("x.y", "hello", { level: "forged", n: 2, skip: undefined });
    expect(JSON.parse(lines[0])).toEqual({
      ts: "2026-01-02T03:04:05.006Z",
      level: "debug",
      event: "x.y",
      msg: "hello",
      node: 1,
      n: 2,
    });
  });

  it("keeps a client-supplied newline from starting a forged line", () => {
    const { lines, logger } = capture();
    logger.warn("client.error", "bad\n2026 ERROR fake", { peer: "a b\nc" });
    expect(lines).toHaveLength(1);
    expect(lines[0].slice(0, -1)).not.toContain("\n");
    expect(lines[0]).toContain('peer="a b\\nc"');
  });

  it("survives a sink that throws", () => {
    const logger = createLogger({
      nowMs: () => 0,
      write: () => {
        throw new Error("EPIPE");
      },
    });
    expect(() => logger.error("e", "m")).not.toThrow();
  });
});

describe("RateLimitedLog", () => {
  it("lets perIntervalMax lines per key through and reports the suppressed count", () => {
    const { lines, logger } = capture();
    let now = 0;
    const limited = new RateLimitedLog(logger, {
      intervalMs: 1000,
      perIntervalMax: 2,
      monotonicMs: () => now,
    });
    for (let i = 0; i < 10; i++) limited.log("warn", "peer-a", "client.bad_frame", `bad ${i}`);
    limited.log("warn", "peer-b", "client.bad_frame", "other peer");
    expect(lines.map((l) => l.split(/ +/).slice(3).join(" ").trim())).toEqual([
      "bad 0",
      "bad 1",
      "other peer",
    ]);
    now = 1000;
    limited.log("warn", "peer-a", "client.bad_frame", "again");
    expect(lines[3]).toContain("suppressed=8");
  });

  it("forgets the oldest key beyond keysMax", () => {
    const { lines, logger } = capture();
    const limited = new RateLimitedLog(logger, {
      intervalMs: 1000,
      perIntervalMax: 1,
      monotonicMs: () => 0,
      keysMax: 2,
    });
    limited.log("warn", "a", "e", "1");
    limited.log("warn", "b", "e", "2");
    limited.log("warn", "c", "e", "3");
    limited.log("warn", "a", "e", "4"); // a was evicted, so it gets a fresh window
    limited.log("warn", "c", "e", "5"); // c is still limited
    expect(lines).toHaveLength(4);
  });
});
