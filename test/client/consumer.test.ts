import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { Admin } from "../../src/client/admin.ts";
import { Consumer, type ConsumerRecord } from "../../src/client/consumer.ts";
import { Producer } from "../../src/client/producer.ts";
import { type RunningBroker, startBroker } from "../../src/server/start-broker.ts";

const rt = createNodeRuntime();
const decode = (r: ConsumerRecord) => new TextDecoder().decode(r.value ?? undefined);

describe("Consumer against an embedded broker", () => {
  let broker: RunningBroker;
  const tp = { topic: "events", partition: 0 };

  beforeAll(async () => {
    broker = await startBroker(rt, { storage: "memory", port: 0, httpPort: null });
    const admin = new Admin(rt, { bootstrap: broker.bootstrap });
    await admin.createTopic("events", { partitions: 1 });
    await admin.close();
    const producer = new Producer(rt, {
      bootstrap: broker.bootstrap,
      batchBytes: 200,
      lingerMs: 1,
    });
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => producer.send({ topic: "events", value: `e${i}` })),
    );
    await producer.close();
  });
  afterAll(async () => {
    await broker?.close();
  });

  async function take(consumer: Consumer, n: number): Promise<ConsumerRecord[]> {
    const out: ConsumerRecord[] = [];
    for (let i = 0; i < 40 && out.length < n; i++) {
      out.push(...(await consumer.poll({ timeoutMs: 250, maxRecords: n - out.length })));
    }
    return out;
  }

  it("seeks to an offset, to the beginning and to the end", async () => {
    const consumer = new Consumer(rt, { bootstrap: broker.bootstrap, maxPollRecords: 10 });
    consumer.assign([tp]);
    consumer.seek(tp, 42);
    expect((await take(consumer, 3)).map(decode)).toEqual(["e42", "e43", "e44"]);
    expect(await consumer.position(tp)).toBe(45);
    consumer.seekToBeginning();
    expect((await take(consumer, 2)).map((r) => r.offset)).toEqual([0, 1]);
    consumer.seekToEnd([tp]);
    expect(await consumer.position(tp)).toBe(100);
    expect(await consumer.poll({ timeoutMs: 200 })).toEqual([]);
    await consumer.close();
  });

  it("defaults to latest and iterates new records with for await until closed", async () => {
    const consumer = new Consumer(rt, { bootstrap: broker.bootstrap, fetchMaxWaitMs: 100 });
    consumer.assign([tp]);
    expect(await consumer.position(tp)).toBe(100);
    const producer = new Producer(rt, { bootstrap: broker.bootstrap, lingerMs: 0 });
    await Promise.all(["n0", "n1", "n2"].map((value) => producer.send({ topic: "events", value })));
    await producer.close();
    const got: string[] = [];
    for await (const record of consumer) {
      got.push(decode(record));
      if (got.length === 3) void consumer.close();
    }
    expect(got).toEqual(["n0", "n1", "n2"]);
    expect(consumer.closed).toBe(true);
  });

  it("resets an out-of-range position by autoOffsetReset, or reports it with none", async () => {
    const earliest = new Consumer(rt, { bootstrap: broker.bootstrap, autoOffsetReset: "earliest" });
    earliest.assign([tp]);
    earliest.seek(tp, 1_000_000);
    expect((await take(earliest, 1)).map((r) => r.offset)).toEqual([0]);
    await earliest.close();

    const none = new Consumer(rt, {
      bootstrap: broker.bootstrap,
      autoOffsetReset: "none",
      retryBackoffMs: 10,
    });
    none.assign([tp]);
    none.seek(tp, 1_000_000);
    await expect(none.poll({ timeoutMs: 2000 })).rejects.toMatchObject({
      code: "OFFSET_OUT_OF_RANGE",
    });
    await none.close();
  });

  it("refuses a group without topics, and unassigned partitions always", async () => {
    expect(() => new Consumer(rt, { bootstrap: broker.bootstrap, groupId: "g" })).toThrow(
      /needs a groupId and topics/,
    );
    const consumer = new Consumer(rt, { bootstrap: broker.bootstrap });
    expect(() => consumer.seek({ topic: "events", partition: 3 }, 0)).toThrow(/not assigned/);
    await consumer.close();
  });
});
