import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/args/args.ts";
import { parsePerfArgs } from "../../src/perf/options.ts";

describe("parsePerfArgs", () => {
  it("reads every flag of Kafka's perf tools", () => {
    const o = parsePerfArgs([
      "produce",
      "--bootstrap",
      "10.0.0.1:9999",
      "--topic=bench",
      "--records",
      "5000",
      "--record-size",
      "1024",
      "--partitions",
      "8",
      "--acks",
      "all",
      "--batch-bytes",
      "32768",
      "--linger-ms",
      "2",
      "--connections",
      "4",
      "--rate",
      "1000",
      "--json",
    ]);
    expect(o).toMatchObject({
      mode: "produce",
      bootstrap: "10.0.0.1:9999",
      topic: "bench",
      records: 5000,
      recordSize: 1024,
      partitions: 8,
      acks: "all",
      batchBytes: 32768,
      lingerMs: 2,
      connections: 4,
      rate: 1000,
      json: true,
      httpUrl: null,
    });
  });

  it("has defaults per mode: e2e is durable, paced and unlingered", () => {
    const produce = parsePerfArgs(["produce", "--topic", "t"]);
    expect(produce).toMatchObject({ acks: 1, rate: 0, lingerMs: 5, recordSize: 100, json: false });
    expect(produce.bootstrap).toBe("127.0.0.1:9093");
    const e2e = parsePerfArgs(["e2e", "--topic", "t"]);
    expect(e2e).toMatchObject({ acks: "all", rate: 10_000, lingerMs: 0 });
  });

  it("warms e2e up for three seconds at its rate unless told otherwise", () => {
    expect(parsePerfArgs(["produce", "--topic", "t"]).warmupRecords).toBe(0);
    expect(parsePerfArgs(["e2e", "--topic", "t"]).warmupRecords).toBe(30_000);
    expect(parsePerfArgs(["e2e", "--topic", "t", "--rate", "500"]).warmupRecords).toBe(1500);
    expect(parsePerfArgs(["e2e", "--topic", "t", "--rate", "0"]).warmupRecords).toBe(0);
    const none = parsePerfArgs(["e2e", "--topic", "t", "--warmup-records", "0"]);
    expect(none.warmupRecords).toBe(0);
    expect(() => parsePerfArgs(["e2e", "--topic", "t", "--warmup-records", "-1"])).toThrow(
      /--warmup-records/,
    );
  });

  it("accepts acks 1, 0 and -1", () => {
    expect(parsePerfArgs(["produce", "--topic", "t", "--acks", "1"]).acks).toBe(1);
    expect(parsePerfArgs(["produce", "--topic", "t", "--acks", "0"]).acks).toBe(0);
    expect(parsePerfArgs(["produce", "--topic", "t", "--acks", "-1"]).acks).toBe("all");
  });

  it("takes an HTTP base URL without its trailing slash", () => {
    const o = parsePerfArgs(["produce", "--topic", "t", "--http", "http://127.0.0.1:8080/"]);
    expect(o.httpUrl).toBe("http://127.0.0.1:8080");
    expect(o.httpBatchRecords).toBe(100);
  });

  it.each([
    [[], /mode/],
    [["bench", "--topic", "t"], /mode/],
    [["produce"], /--topic/],
    [["produce", "--topic", "t", "--acks", "2"], /--acks/],
    [["produce", "--topic", "t", "--records", "0"], /--records/],
    [["produce", "--topic", "t", "--connections", "65"], /--connections/],
    [["produce", "--topic", "t", "--rate", "-1"], /--rate/],
    [["produce", "--topic", "t", "--records", "1e3"], /integer/],
    [["produce", "--topic", "t", "--nope"], /unknown flag/],
    [["produce", "--topic", "t", "extra"], /unexpected argument/],
    [["e2e", "--topic", "t", "--record-size", "4"], /--record-size/],
    [["consume", "--topic", "t", "--http", "localhost:8080"], /--http/],
  ])("refuses %j", (argv, message) => {
    expect(() => parsePerfArgs(argv as string[])).toThrow(UsageError);
    expect(() => parsePerfArgs(argv as string[])).toThrow(message);
  });
});
