// A partition whose files are damaged while the broker was down must not keep the broker from
// starting: the damaged partition is recovered (active segment) or taken offline (older
// segment), every other partition serves, and the loss is logged.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeCleanShutdownMarker } from "../../src/log/checkpoint.ts";
import { batchesIn } from "../../src/log/record-batch.ts";
import { segmentPath } from "../../src/log/segment-files.ts";
import { partitionDir } from "../../src/broker/partition-dir.ts";
import { createHttpApp } from "../../src/http/app.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { captureLogs } from "../support/log-capture.ts";
import { call } from "../http/helpers.ts";
import { batch, codeOf, readAll, type TestEnv, testEnv } from "./helpers.ts";

let env: TestEnv;
beforeEach(async () => {
  env = await testEnv();
});
afterEach(async () => {
  await env.cleanup();
});

async function fill(topic: string, batches: number, segmentBytes?: number) {
  const broker = env.brokers[env.brokers.length - 1];
  const configs: Record<string, string> = segmentBytes === undefined
    ? {}
    : { "segment.bytes": String(segmentBytes) };
  await broker.createTopic({ name: topic, partitions: 1, configs });
  for (let i = 0; i < batches; i++) {
    await broker.produce({ topic, partition: 0, batches: batch([`${topic}${i}`]), acks: 1 });
  }
}

/** Overwrites the batchLength field of the nth batch of a segment file with a negative value. */
async function corruptBatchLength(topic: string, base: number, nth: number): Promise<number> {
  const path = segmentPath(partitionDir(env.dataDir, topic, 0), base, "log");
  const bytes = await env.rt.fs.readFile(path);
  const positions = [...batchesIn(bytes)].map((b) => b.position);
  const at = positions[nth];
  const file = await env.rt.fs.open(path, { write: true });
  const bad = new Uint8Array(4);
  new DataView(bad.buffer).setInt32(0, -760);
  await file.writeAt(bad, at + 8);
  await file.close();
  return at;
}

describe("corrupt data found at start", () => {
  it("recovers a corrupt active segment after a clean shutdown; the rest of the broker serves", async () => {
    await env.open();
    await fill("a", 200);
    await fill("b", 5);
    await env.brokers[0].close();
    env.brokers.length = 0;
    const at = await corruptBatchLength("a", 0, 120);
    const { logger, lines } = captureLogs();
    const broker = await env.open({ logger });
    expect((await readAll(broker, "b")).map((r) => r.value)).toEqual([
      "b0",
      "b1",
      "b2",
      "b3",
      "b4",
    ]);
    const a = await readAll(broker, "a");
    expect(a.map((r) => r.offset)).toEqual([...Array(120).keys()]);
    const truncated = lines.filter((l) => l.event === "log.truncated");
    expect(truncated).toHaveLength(1);
    expect(truncated[0]).toMatchObject({
      level: "warn",
      topic: "a",
      partition: 0,
      fromOffset: 120,
      toOffset: 200,
      offsetsDropped: 80,
      bytePosition: at,
    });
    expect(truncated[0].bytesDropped).toBeGreaterThan(0);
    // The partition takes writes again, right after the good data.
    const r = await broker.produce({ topic: "a", partition: 0, batches: batch(["new"]), acks: -1 });
    expect(r.baseOffset).toBe(120);
  });

  it("takes a partition with a damaged older segment offline, untouched; the rest serves", async () => {
    await env.open();
    await fill("a", 60, 2048);
    await fill("b", 3);
    await env.brokers[0].close();
    env.brokers.length = 0;
    await corruptBatchLength("a", 0, 3);
    const dir = partitionDir(env.dataDir, "a", 0);
    const before = await env.rt.fs.readFile(segmentPath(dir, 0, "log"));
    const { logger, lines } = captureLogs();
    const broker = await env.open({ logger });
    expect((await readAll(broker, "b")).map((r) => r.value)).toEqual(["b0", "b1", "b2"]);
    const [fetched] = await broker.fetch({
      partitions: [{ topic: "a", partition: 0, offset: 0, maxBytes: 1 << 20 }],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
    });
    expect(fetched.error).toBe("KAFKA_STORAGE_ERROR");
    expect(fetched.errorMessage).toMatch(/segment 0 .* is damaged at byte/);
    expect(
      await codeOf(broker.produce({ topic: "a", partition: 0, batches: batch(["x"]), acks: 1 })),
    ).toBe("KAFKA_STORAGE_ERROR");
    expect(await codeOf(broker.listOffsets("a", 0, "earliest"))).toBe("KAFKA_STORAGE_ERROR");
    expect(broker.describeTopic("a").partitions[0].offlineReason).toMatch(/damaged/);
    const offline = lines.filter((l) => l.event === "partition.offline");
    expect(offline).toMatchObject([{ level: "error", topic: "a", partition: 0 }]);
    expect(lines.filter((l) => l.event === "log.truncated")).toEqual([]);
    // Nothing was cut: the operator can still restore or inspect the segment.
    expect(await env.rt.fs.readFile(segmentPath(dir, 0, "log"))).toEqual(before);
    const app = createHttpApp(broker, {
      runtimeName: "node",
      version: "test",
      nodeId: 1,
      metrics: new MetricsRegistry(),
      random: env.rt.random,
      clock: env.rt.clock,
    });
    const health = await call(app, "GET", "/v1/health");
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: "degraded",
      logDirs: [{ path: env.dataDir, status: "degraded", partitionsDegraded: 1 }],
      offlinePartitions: [{ topic: "a", partition: 0 }],
      writeDegradedPartitions: [],
    });
    expect(health.body.offlinePartitions[0].reason).toMatch(/damaged at byte/);
  });

  it("logs the cut of a torn tail after a crash", async () => {
    await env.open();
    await fill("a", 10);
    await env.brokers[0].close();
    env.brokers.length = 0;
    const dir = partitionDir(env.dataDir, "a", 0);
    // A crash: no clean-shutdown marker, half a batch after the last whole one.
    await removeCleanShutdownMarker(env.rt.fs, dir);
    const path = segmentPath(dir, 0, "log");
    const bytes = await env.rt.fs.readFile(path);
    const file = await env.rt.fs.open(path, { write: true });
    await file.writeAt(bytes.subarray(0, 30), bytes.length);
    await file.close();
    const { logger, lines } = captureLogs();
    const broker = await env.open({ logger });
    expect((await readAll(broker, "a")).length).toBe(10);
    expect(lines.filter((l) => l.event === "log.truncated")).toMatchObject([{
      topic: "a",
      partition: 0,
      fromOffset: 10,
      bytePosition: bytes.length,
      toOffset: -1,
      offsetsDropped: -1,
      bytesDropped: 30,
      afterCleanShutdown: false,
    }]);
  });

  it("takes a partition offline on any load error (a garbled checkpoint) and starts", async () => {
    await env.open();
    await fill("a", 2);
    await fill("b", 2);
    await env.brokers[0].close();
    env.brokers.length = 0;
    const dir = partitionDir(env.dataDir, "a", 0);
    const checkpoint = await env.rt.fs.open(`${dir}/log.checkpoint`, {
      write: true,
      truncate: true,
    });
    await checkpoint.writeAt(new TextEncoder().encode("garbage"), 0);
    await checkpoint.close();
    const { logger, lines } = captureLogs();
    const broker = await env.open({ logger });
    expect((await readAll(broker, "b")).map((r) => r.value)).toEqual(["b0", "b1"]);
    expect(await codeOf(readAll(broker, "a"))).toBe("KAFKA_STORAGE_ERROR");
    expect(broker.partitionOffsets("a", 0)).toBeUndefined();
    expect(broker.partitionOffsets("b", 0)).toEqual({ logStartOffset: 0, highWatermark: 2 });
    expect(broker.health()).toMatchObject({
      status: "degraded",
      offlinePartitions: [{ topic: "a", partition: 0 }],
    });
    expect(lines.filter((l) => l.event === "partition.offline")).toHaveLength(1);
    // Closing skips it; the next open finds it the same way.
    await broker.close();
    env.brokers.length = 0;
    expect((await env.open()).health().offlinePartitions).toHaveLength(1);
  });
});
