import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { batch, codeOf, type TestEnv, testEnv } from "./helpers.ts";

let env: TestEnv;
beforeEach(async () => {
  env = await testEnv();
});
afterEach(async () => {
  await env.cleanup();
});

describe("retention", () => {
  it("runs periodically and moves the log start offset", async () => {
    const broker = await env.open({ retentionCheckIntervalMs: 20 });
    await broker.createTopic({
      name: "r",
      configs: { "segment.bytes": "1024", "retention.bytes": "1024" },
    });
    for (let i = 0; i < 40; i++) {
      await broker.produce({
        topic: "r",
        partition: 0,
        batches: batch(["x".repeat(200)]),
        acks: 1,
      });
    }
    let start = 0;
    for (let i = 0; i < 200 && start === 0; i++) {
      await env.rt.timers.sleep(10);
      start = broker.describeTopic("r").partitions[0].logStartOffset;
    }
    expect(start).toBeGreaterThan(0);
    expect((await broker.listOffsets("r", 0, "earliest")).offset).toBe(start);
    const [r] = await broker.fetch({
      partitions: [{ topic: "r", partition: 0, offset: 0, maxBytes: 1000 }],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1000,
    });
    expect(r.error).toBe("OFFSET_OUT_OF_RANGE");
  });
});

describe("metrics", () => {
  it("counts idempotent retries answered without an append", async () => {
    const metrics = new MetricsRegistry();
    const broker = await env.open({ metrics });
    await broker.createTopic({ name: "d" });
    const { producerId } = await broker.initProducerId();
    const b = batch(["a"], { producerId, producerEpoch: 0, baseSequence: 0 });
    const send = () => broker.produce({ topic: "d", partition: 0, batches: b.slice(), acks: 1 });
    const first = await send();
    expect(metrics.render()).not.toContain("tributary_produce_duplicate_batches_total{");
    expect((await send()).baseOffset).toBe(first.baseOffset);
    expect((await send()).baseOffset).toBe(first.baseOffset);
    expect(metrics.render()).toContain('tributary_produce_duplicate_batches_total{topic="d"} 2');
  });

  it("counts produced and fetched records and bytes, and reports log sizes", async () => {
    const metrics = new MetricsRegistry();
    const broker = await env.open({ metrics });
    await broker.createTopic({ name: "m", partitions: 2 });
    const b = batch(["a", "b", "c"]);
    await broker.produce({ topic: "m", partition: 1, batches: b.slice(), acks: 1 });
    await broker.fetch({
      partitions: [{ topic: "m", partition: 1, offset: 0, maxBytes: 1 << 20 }],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
    });
    const text = metrics.render();
    expect(text).toContain('tributary_produce_records_total{topic="m"} 3');
    expect(text).toContain(`tributary_produce_bytes_total{topic="m"} ${b.length}`);
    expect(text).toContain('tributary_fetch_records_total{topic="m"} 3');
    expect(text).toContain(`tributary_fetch_bytes_total{topic="m"} ${b.length}`);
    expect(text).toContain(`tributary_log_size_bytes{topic="m",partition="1"} ${b.length}`);
    expect(text).toContain('tributary_log_size_bytes{topic="m",partition="0"} 0');
    expect(text).toMatch(/^tributary_log_open_files [1-9]\d*$/m);
    expect(text).toContain(`tributary_log_open_files_max ${broker.openFiles.openFilesMax}`);
    expect(text).toMatch(/^tributary_log_open_file_evictions 0$/m);
    await broker.deleteTopic("m");
    expect(metrics.render()).not.toContain("tributary_log_size_bytes{");
    expect(await codeOf(broker.partitionCount("m"))).toBe("UNKNOWN_TOPIC_OR_PARTITION");
  });
});

describe("metrics of a deleted topic", () => {
  it("are removed with the topic; other topics' series stay", async () => {
    const metrics = new MetricsRegistry();
    const broker = await env.open({ metrics });
    await broker.createTopic({ name: "gone", partitions: 1 });
    await broker.createTopic({ name: "kept", partitions: 1 });
    for (const topic of ["gone", "kept"]) {
      await broker.produce({ topic, partition: 0, batches: batch(["a", "b"]), acks: 1 });
      await broker.fetch({
        partitions: [{ topic, partition: 0, offset: 0, maxBytes: 1 << 20 }],
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
      });
    }
    expect(metrics.render()).toContain('tributary_fetch_records_total{topic="gone"} 2');
    await broker.deleteTopic("gone");
    const text = metrics.render();
    expect(text).not.toContain('topic="gone"');
    expect(text).toContain('tributary_produce_records_total{topic="kept"} 2');
    expect(text).toContain('tributary_fetch_records_total{topic="kept"} 2');
    // A topic created again under the same name starts from zero.
    await broker.createTopic({ name: "gone", partitions: 1 });
    await broker.produce({ topic: "gone", partition: 0, batches: batch(["c"]), acks: 1 });
    expect(metrics.render()).toContain('tributary_produce_records_total{topic="gone"} 1');
  });
});
