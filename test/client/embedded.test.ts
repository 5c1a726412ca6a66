// Embedded mode, used the way a team would in its own test suite: the package entry's
// startBroker in memory on free ports, then the package's Producer, Consumer and Admin.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin, Consumer, Producer, type RunningBroker, startBroker } from "../../src/index.ts";
import { eventually } from "../support/eventually.ts";

describe("embedded broker (storage: memory)", () => {
  let broker: RunningBroker;

  beforeAll(async () => {
    broker = await startBroker({ storage: "memory", port: 0, httpPort: 0 });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it("reports the addresses it bound", () => {
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.httpPort).toBeGreaterThan(0);
    expect(broker.bootstrap).toBe(`127.0.0.1:${broker.port}`);
    expect(broker.httpUrl).toBe(`http://127.0.0.1:${broker.httpPort}`);
  });

  it("round-trips keyed records with headers through Producer and Consumer", async () => {
    const admin = new Admin({ bootstrap: broker.bootstrap });
    await admin.createTopic("orders", { partitions: 3 });
    const producer = new Producer({ bootstrap: broker.bootstrap, lingerMs: 2 });
    const sent = await Promise.all(
      Array.from(
        { length: 60 },
        (_, i) =>
          producer.send({
            topic: "orders",
            key: `customer-${i % 7}`,
            value: `order ${i}`,
            headers: { seq: String(i) },
          }),
      ),
    );
    await producer.close();
    // Same key, same partition; offsets within a partition follow send order.
    const byKey = new Map<string, number>();
    sent.forEach((m, i) => {
      const key = `customer-${i % 7}`;
      expect(byKey.get(key) ?? m.partition).toBe(m.partition);
      byKey.set(key, m.partition);
    });

    const consumer = new Consumer({ bootstrap: broker.bootstrap, autoOffsetReset: "earliest" });
    consumer.assign([0, 1, 2].map((partition) => ({ topic: "orders", partition })));
    const seen = new Map<string, { partition: number; offset: number; key: string; seq: string }>();
    const decoder = new TextDecoder();
    for await (const record of consumer) {
      const value = decoder.decode(record.value ?? new Uint8Array());
      seen.set(value, {
        partition: record.partition,
        offset: record.offset,
        key: decoder.decode(record.key ?? new Uint8Array()),
        seq: decoder.decode(record.headers[0]?.value ?? new Uint8Array()),
      });
      if (seen.size === 60) break;
    }
    await consumer.close();
    sent.forEach((m, i) => {
      expect(seen.get(`order ${i}`)).toEqual({
        partition: m.partition,
        offset: m.offset,
        key: `customer-${i % 7}`,
        seq: String(i),
      });
    });
    const description = await admin.describeTopic("orders");
    const total = description.partitions.reduce((n, p) => n + p.highWatermark, 0);
    expect(total).toBe(60);
    await admin.close();
  });

  it("serves the same data over HTTP", async () => {
    const response = await fetch(`${broker.httpUrl}/v1/topics/orders`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { name: string; partitions: unknown[] };
    expect(body.name).toBe("orders");
    expect(body.partitions).toHaveLength(3);
  });
});

describe("embedded broker close()", () => {
  it("ends open SSE streams and long polls instead of waiting out the grace period", async () => {
    const broker = await startBroker({
      storage: "memory",
      port: 0,
      httpPort: 0,
      autoCreateTopics: false,
    });
    const admin = new Admin({ bootstrap: broker.bootstrap });
    await admin.createTopic("tail", { partitions: 1 });
    await admin.close();
    const stream = await fetch(`${broker.httpUrl}/v1/topics/tail/partitions/0/stream?offset=0`);
    expect(stream.status).toBe(200);
    const longPoll = fetch(
      `${broker.httpUrl}/v1/topics/tail/partitions/0/records?offset=0&timeoutMs=30000`,
    );
    // Both wait in the broker: the long poll and the SSE stream's own fetch.
    await eventually(() => broker.broker.waitingFetchCount === 2);
    const started = performance.now();
    await broker.close();
    expect(performance.now() - started).toBeLessThan(3000);
    // Shutdown answers the long poll with what it has (nothing) and ends the stream.
    const answered = await longPoll;
    expect(answered.status).toBe(200);
    expect(await answered.json()).toMatchObject({ records: [] });
    const reader = stream.body!.getReader();
    for (let i = 0; i < 10; i++) {
      const { done } = await reader.read();
      if (done) return;
    }
    throw new Error("the SSE stream did not end after close()");
  });
});
