import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Compression } from "../../src/log/record-batch.ts";
import type { Broker } from "../../src/broker/broker.ts";
import { batch, codeOf, concat, readAll, recordsIn, type TestEnv, testEnv } from "./helpers.ts";

let env: TestEnv;
let broker: Broker;
beforeEach(async () => {
  env = await testEnv();
  broker = await env.open();
  await broker.createTopic({ name: "t", partitions: 2 });
});
afterEach(async () => {
  await env.cleanup();
});

const fetchOne = (offset: number, maxBytes = 1 << 20, partition = 0, topic = "t") =>
  broker.fetch({
    partitions: [{ topic, partition, offset, maxBytes }],
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
  });

describe("produce and fetch", () => {
  it("round-trips with acks 0, 1 and all", async () => {
    const r1 = await broker.produce({
      topic: "t",
      partition: 0,
      batches: batch(["a", "b"]),
      acks: 1,
    });
    expect(r1).toEqual({ baseOffset: 0, lastOffset: 1, logAppendTimeMs: -1, logStartOffset: 0 });
    const r2 = await broker.produce({ topic: "t", partition: 0, batches: batch(["c"]), acks: -1 });
    expect([r2.baseOffset, r2.lastOffset]).toEqual([2, 2]);
    const r3 = await broker.produce({ topic: "t", partition: 0, batches: batch(["d"]), acks: 0 });
    expect([r3.baseOffset, r3.lastOffset]).toEqual([-1, -1]);
    const all = await readAll(broker, "t");
    expect(all.map((r) => [r.offset, r.value])).toEqual([[0, "a"], [1, "b"], [2, "c"], [3, "d"]]);
    expect(broker.describeTopic("t").partitions[0].highWatermark).toBe(4);
    expect(broker.describeTopic("t").partitions[1].highWatermark).toBe(0);
  });

  it("accepts several batches in one request and returns the whole range", async () => {
    const r = await broker.produce({
      topic: "t",
      partition: 1,
      batches: concat(batch(["a", "b"]), batch(["c"]), batch(["d", "e", "f"])),
      acks: 1,
    });
    expect([r.baseOffset, r.lastOffset]).toEqual([0, 5]);
    expect((await readAll(broker, "t", 1)).map((x) => x.value)).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
      "f",
    ]);
  });

  it("rejects bad batches with their codes and leaves the log intact", async () => {
    await broker.produce({ topic: "t", partition: 0, batches: batch(["ok"]), acks: 1 });
    const flipped = batch(["x"]);
    flipped[flipped.length - 1] ^= 0xff;
    const magic1 = batch(["x"]);
    magic1[16] = 1;
    const cases: Array<[Uint8Array, string]> = [
      [flipped, "CORRUPT_MESSAGE"],
      [magic1, "CORRUPT_MESSAGE"],
      [concat(batch(["x"]), new Uint8Array(5)), "CORRUPT_MESSAGE"],
      [batch(["x"]).subarray(0, 40), "CORRUPT_MESSAGE"],
      [new Uint8Array(0), "CORRUPT_MESSAGE"],
      [batch(["x"], { control: true }), "INVALID_RECORD"],
    ];
    for (const [bytes, code] of cases) {
      expect(await codeOf(broker.produce({ topic: "t", partition: 0, batches: bytes, acks: 1 })))
        .toBe(code);
    }
    // A valid batch followed by a corrupt one: nothing of the request is written.
    expect(
      await codeOf(
        broker.produce({
          topic: "t",
          partition: 0,
          batches: concat(batch(["y"]), flipped),
          acks: 1,
        }),
      ),
    ).toBe("CORRUPT_MESSAGE");
    expect((await readAll(broker, "t")).map((r) => r.value)).toEqual(["ok"]);
    const r = await broker.produce({
      topic: "t",
      partition: 0,
      batches: batch(["after"]),
      acks: 1,
    });
    expect(r.baseOffset).toBe(1);
  });

  it("refuses records not in the batch's codec, and the undefined codecs 5..7", async () => {
    const { crc32c } = await import("../../src/log/crc32c.ts");
    for (const codec of [Compression.snappy, Compression.lz4, Compression.zstd, 5, 7]) {
      const mislabelled = batch(["x"]);
      const view = new DataView(mislabelled.buffer, mislabelled.byteOffset);
      view.setInt16(21, codec);
      // Re-seal the CRC so only the codec is wrong.
      view.setUint32(17, crc32c(mislabelled, 21, mislabelled.length));
      const produced = broker.produce({ topic: "t", partition: 0, batches: mislabelled, acks: 1 });
      expect(await codeOf(produced)).toBe("CORRUPT_MESSAGE");
    }
    expect(await readAll(broker, "t")).toEqual([]);
  });

  it("enforces max.message.bytes per batch", async () => {
    await broker.createTopic({ name: "small", configs: { "max.message.bytes": "200" } });
    const ok = batch(["x".repeat(50)]);
    const big = batch(["x".repeat(300)]);
    expect(ok.length).toBeLessThanOrEqual(200);
    await broker.produce({ topic: "small", partition: 0, batches: ok, acks: 1 });
    expect(await codeOf(broker.produce({ topic: "small", partition: 0, batches: big, acks: 1 })))
      .toBe(
        "MESSAGE_TOO_LARGE",
      );
    expect((await readAll(broker, "small")).length).toBe(1);
  });

  it("checks acks, topic and partition", async () => {
    const b = batch(["x"]);
    expect(await codeOf(broker.produce({ topic: "t", partition: 0, batches: b, acks: 2 as never })))
      .toBe(
        "INVALID_REQUIRED_ACKS",
      );
    expect(await codeOf(broker.produce({ topic: "t", partition: 2, batches: b, acks: 1 }))).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    expect(await codeOf(broker.produce({ topic: "t", partition: -1, batches: b, acks: 1 }))).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    expect(await codeOf(broker.produce({ topic: "nope", partition: 0, batches: b, acks: 1 }))).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
  });

  it("rewrites timestamps on LogAppendTime topics", async () => {
    await broker.createTopic({
      name: "lat",
      configs: { "message.timestamp.type": "LogAppendTime" },
    });
    const before = env.rt.clock.nowMs();
    const r = await broker.produce({
      topic: "lat",
      partition: 0,
      batches: batch(["a", "b"], { timestamp: 5 }),
      acks: 1,
    });
    expect(r.logAppendTimeMs).toBeGreaterThanOrEqual(before);
    const records = await readAll(broker, "lat");
    expect(records.map((x) => x.timestamp)).toEqual([r.logAppendTimeMs, r.logAppendTimeMs]);
  });

  it("applies pipelined produce calls in call order", async () => {
    const calls = Array.from(
      { length: 200 },
      (_, i) =>
        broker.produce({
          topic: "t",
          partition: 0,
          batches: batch([`v${i}`]),
          acks: i % 3 === 0 ? -1 : 1,
        }),
    );
    const results = await Promise.all(calls);
    expect(results.map((r) => r.baseOffset)).toEqual(results.map((_, i) => i));
    const values = (await readAll(broker, "t")).map((r) => r.value);
    expect(values).toEqual(results.map((_, i) => `v${i}`));
  });

  it("answers out-of-range offsets per partition, not for the whole fetch", async () => {
    await broker.produce({ topic: "t", partition: 0, batches: batch(["a", "b"]), acks: 1 });
    const results = await broker.fetch({
      partitions: [
        { topic: "t", partition: 0, offset: 5, maxBytes: 1000 },
        { topic: "t", partition: 0, offset: -1, maxBytes: 1000 },
        { topic: "t", partition: 0, offset: 2 ** 60, maxBytes: 1000 },
        { topic: "t", partition: 9, offset: 0, maxBytes: 1000 },
        { topic: "nope", partition: 0, offset: 0, maxBytes: 1000 },
        { topic: "t", partition: 0, offset: 0, maxBytes: 1000 },
        { topic: "t", partition: 0, offset: 2, maxBytes: 1000 },
      ],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
    });
    expect(results.map((r) => r.error)).toEqual([
      "OFFSET_OUT_OF_RANGE",
      "OFFSET_OUT_OF_RANGE",
      "OFFSET_OUT_OF_RANGE",
      "UNKNOWN_TOPIC_OR_PARTITION",
      "UNKNOWN_TOPIC_OR_PARTITION",
      undefined,
      undefined,
    ]);
    expect(results[0]).toMatchObject({ highWatermark: 2, logStartOffset: 0 });
    expect(recordsIn(results[5].records).map((r) => r.value)).toEqual(["a", "b"]);
    expect(results[6].records.length).toBe(0);
  });

  it("rejects malformed fetch requests as a whole", async () => {
    const base = { partitions: [], maxWaitMs: 0, minBytes: 0, maxBytes: 100 };
    expect(await codeOf(broker.fetch({ ...base, maxBytes: -1 }))).toBe("INVALID_FETCH_SIZE");
    expect(await codeOf(broker.fetch({ ...base, minBytes: -1 }))).toBe("INVALID_REQUEST");
    expect(await codeOf(broker.fetch({ ...base, partitions: "x" as never }))).toBe(
      "INVALID_REQUEST",
    );
    const many = Array.from(
      { length: 1001 },
      () => ({ topic: "t", partition: 0, offset: 0, maxBytes: 1 }),
    );
    expect(await codeOf(broker.fetch({ ...base, partitions: many }))).toBe("INVALID_REQUEST");
  });

  it("bounds the response: the first batch always, then within maxBytes", async () => {
    for (let i = 0; i < 10; i++) {
      await broker.produce({
        topic: "t",
        partition: 0,
        batches: batch([`a${i}`.padEnd(100, ".")]),
        acks: 1,
      });
      await broker.produce({
        topic: "t",
        partition: 1,
        batches: batch([`b${i}`.padEnd(100, ".")]),
        acks: 1,
      });
    }
    const one = batch(["x".repeat(100)]).length;
    const results = await broker.fetch({
      partitions: [
        { topic: "t", partition: 0, offset: 0, maxBytes: 1 },
        { topic: "t", partition: 1, offset: 0, maxBytes: 1 << 20 },
      ],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: one * 3,
    });
    expect(recordsIn(results[0].records)).toHaveLength(1);
    const total = results[0].records.length + results[1].records.length;
    expect(total).toBeLessThanOrEqual(one * 3);
    expect(recordsIn(results[1].records).length).toBeGreaterThanOrEqual(1);
    // Only the first partition with data may exceed the overall limit.
    const tiny = await broker.fetch({
      partitions: [
        { topic: "t", partition: 0, offset: 0, maxBytes: 1 << 20 },
        { topic: "t", partition: 1, offset: 0, maxBytes: 1 << 20 },
      ],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1,
    });
    expect(recordsIn(tiny[0].records)).toHaveLength(1);
    expect(tiny[1].records.length).toBe(0);
    expect((await fetchOne(3, 1))[0].records.length).toBe(one);
  });
});
