import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Broker } from "../../src/broker/broker.ts";
import { batch, codeOf, type TestEnv, testEnv } from "./helpers.ts";

let env: TestEnv;
let broker: Broker;
beforeEach(async () => {
  env = await testEnv();
  broker = await env.open();
  await broker.createTopic({ name: "t" });
});
afterEach(async () => {
  await env.cleanup();
});

describe("listOffsets", () => {
  it("finds earliest, latest and the first offset at or after a timestamp", async () => {
    expect(await broker.listOffsets("t", 0, "earliest")).toEqual({ offset: 0, timestampMs: -1 });
    expect(await broker.listOffsets("t", 0, "latest")).toEqual({ offset: 0, timestampMs: -1 });
    expect((await broker.listOffsets("t", 0, { timestampMs: 0 })).offset).toBe(-1);
    // Offsets 0..2 at 1000..1002, 3..4 at 5000..5001.
    await broker.produce({
      topic: "t",
      partition: 0,
      batches: batch(["a", "b", "c"], { timestamp: 1000 }),
      acks: 1,
    });
    await broker.produce({
      topic: "t",
      partition: 0,
      batches: batch(["d", "e"], { timestamp: 5000 }),
      acks: 1,
    });
    expect(await broker.listOffsets("t", 0, "latest")).toEqual({ offset: 5, timestampMs: -1 });
    expect(await broker.listOffsets("t", 0, { timestampMs: 0 })).toEqual({
      offset: 0,
      timestampMs: 1000,
    });
    expect(await broker.listOffsets("t", 0, { timestampMs: 1001 })).toEqual({
      offset: 1,
      timestampMs: 1001,
    });
    expect(await broker.listOffsets("t", 0, { timestampMs: 1003 })).toEqual({
      offset: 3,
      timestampMs: 5000,
    });
    expect(await broker.listOffsets("t", 0, { timestampMs: 9000 })).toEqual({
      offset: -1,
      timestampMs: -1,
    });
    expect((await broker.listOffsets("t", 0, { timestampMs: -1 })).offset).toBe(5);
    expect((await broker.listOffsets("t", 0, { timestampMs: -2 })).offset).toBe(0);
  });

  it("rejects unknown partitions and bad specs", async () => {
    expect(await codeOf(broker.listOffsets("t", 1, "latest"))).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(await codeOf(broker.listOffsets("nope", 0, "latest"))).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    expect(await codeOf(broker.listOffsets("t", 0, { timestampMs: -7 }))).toBe("INVALID_REQUEST");
    expect(await codeOf(broker.listOffsets("t", 0, "soon" as never))).toBe("INVALID_REQUEST");
  });
});
