import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Broker } from "../../src/broker/broker.ts";
import { batch, codeOf, recordsIn, type TestEnv, testEnv } from "./helpers.ts";

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

const waitingFetch = (maxWaitMs: number, signal?: AbortSignal, minBytes = 1) =>
  broker.fetch({
    partitions: [
      { topic: "t", partition: 0, offset: 0, maxBytes: 1 << 20 },
      { topic: "t", partition: 1, offset: 0, maxBytes: 1 << 20 },
    ],
    maxWaitMs,
    minBytes,
    maxBytes: 1 << 20,
    signal,
  });

describe("waiting fetch", () => {
  it("is woken by an append well before maxWaitMs", async () => {
    const { clock } = env.rt;
    const started = clock.monotonicMs();
    const pending = waitingFetch(10_000);
    await env.rt.timers.sleep(50);
    await broker.produce({ topic: "t", partition: 1, batches: batch(["hello"]), acks: 1 });
    const results = await pending;
    const elapsedMs = clock.monotonicMs() - started;
    expect(elapsedMs).toBeLessThan(2_000);
    expect(recordsIn(results[1].records).map((r) => r.value)).toEqual(["hello"]);
    expect(results[0].records.length).toBe(0);
  });

  it("waits for minBytes to accumulate", async () => {
    const pending = waitingFetch(10_000, undefined, 400);
    let settled = false;
    pending.then(() => (settled = true));
    await broker.produce({ topic: "t", partition: 0, batches: batch(["x".repeat(100)]), acks: 1 });
    await env.rt.timers.sleep(20);
    expect(settled).toBe(false);
    for (let i = 0; i < 4; i++) {
      await broker.produce({
        topic: "t",
        partition: 0,
        batches: batch(["x".repeat(100)]),
        acks: 1,
      });
    }
    const results = await pending;
    expect(recordsIn(results[0].records).length).toBeGreaterThanOrEqual(3);
  });

  it("times out with an empty answer after maxWaitMs", async () => {
    const started = env.rt.clock.monotonicMs();
    const results = await waitingFetch(150);
    const elapsedMs = env.rt.clock.monotonicMs() - started;
    expect(elapsedMs).toBeGreaterThanOrEqual(140);
    expect(elapsedMs).toBeLessThan(3_000);
    expect(results.map((r) => r.records.length)).toEqual([0, 0]);
  });

  it("caps the wait at fetchWaitMsMax", async () => {
    await broker.close();
    broker = await env.open({ fetchWaitMsMax: 50 });
    const started = env.rt.clock.monotonicMs();
    await waitingFetch(60_000);
    expect(env.rt.clock.monotonicMs() - started).toBeLessThan(3_000);
  });

  it("answers at once when its signal aborts", async () => {
    const controller = new AbortController();
    const pending = waitingFetch(60_000, controller.signal);
    await env.rt.timers.sleep(10);
    controller.abort();
    const results = await pending;
    expect(results).toHaveLength(2);
  });

  it("answers when the topic is deleted and when the broker closes", async () => {
    const onDelete = waitingFetch(60_000);
    await env.rt.timers.sleep(10);
    await broker.deleteTopic("t");
    expect((await onDelete).map((r) => r.error)).toEqual([
      "UNKNOWN_TOPIC_OR_PARTITION",
      "UNKNOWN_TOPIC_OR_PARTITION",
    ]);
    await broker.createTopic({ name: "t", partitions: 2 });
    const onClose = waitingFetch(60_000);
    await env.rt.timers.sleep(10);
    const started = env.rt.clock.monotonicMs();
    await broker.close();
    expect((await onClose).map((r) => r.records.length)).toEqual([0, 0]);
    expect(env.rt.clock.monotonicMs() - started).toBeLessThan(5_000);
    expect(await codeOf(waitingFetch(10))).toBe("BROKER_SHUTTING_DOWN");
  });

  it("bounds the number of parked fetches", async () => {
    await broker.close();
    broker = await env.open({ parkedFetchesMax: 2 });
    const started = env.rt.clock.monotonicMs();
    const waiting = [waitingFetch(60_000), waitingFetch(60_000)];
    await waitingFetch(60_000); // the third answers at once
    expect(env.rt.clock.monotonicMs() - started).toBeLessThan(3_000);
    await broker.produce({ topic: "t", partition: 0, batches: batch(["wake"]), acks: 1 });
    await Promise.all(waiting);
  });
});
