import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Broker } from "../../src/broker/broker.ts";
import { batch, codeOf, readAll, type TestEnv, testEnv } from "./helpers.ts";

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

const send = (b: Uint8Array, acks: 0 | 1 | -1 = 1) =>
  broker.produce({ topic: "t", partition: 0, batches: b, acks });

describe("idempotent producers", () => {
  it("hands out distinct producer ids, also across restarts", async () => {
    const first = await Promise.all(Array.from({ length: 5 }, () => broker.initProducerId()));
    expect(new Set(first.map((p) => p.producerId)).size).toBe(5);
    expect(first.every((p) => p.producerEpoch === 0)).toBe(true);
    await broker.close();
    broker = await env.open();
    const after = await broker.initProducerId();
    expect(Math.min(...first.map((p) => p.producerId))).toBeLessThan(after.producerId);
    expect(first.map((p) => p.producerId)).not.toContain(after.producerId);
  });

  it("returns the original offsets for a retried batch and writes it once", async () => {
    const { producerId, producerEpoch } = await broker.initProducerId();
    const b0 = batch(["a", "b"], { producerId, producerEpoch, baseSequence: 0 });
    const b1 = batch(["c"], { producerId, producerEpoch, baseSequence: 2 });
    const r0 = await send(b0.slice());
    await send(batch(["other"]));
    const r1 = await send(b1.slice(), -1);
    const retry0 = await send(b0.slice());
    const retry1 = await send(b1.slice());
    expect([retry0.baseOffset, retry0.lastOffset]).toEqual([r0.baseOffset, r0.lastOffset]);
    expect([retry1.baseOffset, retry1.lastOffset]).toEqual([r1.baseOffset, r1.lastOffset]);
    expect((await readAll(broker, "t")).map((r) => r.value)).toEqual(["a", "b", "other", "c"]);
  });

  it("deduplicates retries of in-flight batches", async () => {
    const { producerId } = await broker.initProducerId();
    const b0 = batch(["a"], { producerId, producerEpoch: 0, baseSequence: 0 });
    const [r, dup] = await Promise.all([send(b0.slice(), -1), send(b0.slice())]);
    expect(dup.baseOffset).toBe(r.baseOffset);
    expect((await readAll(broker, "t")).length).toBe(1);
  });

  it("still deduplicates after a restart", async () => {
    const { producerId } = await broker.initProducerId();
    const batches = Array.from(
      { length: 3 },
      (_, i) => batch([`v${i}`], { producerId, producerEpoch: 0, baseSequence: i }),
    );
    const offsets = [];
    for (const b of batches) offsets.push((await send(b.slice(), -1)).baseOffset);
    await broker.close();
    broker = await env.open();
    const retried = await send(batches[2].slice());
    expect(retried.baseOffset).toBe(offsets[2]);
    const next = await send(batch(["v3"], { producerId, producerEpoch: 0, baseSequence: 3 }));
    expect(next.baseOffset).toBe(3);
    expect(await codeOf(send(batch(["gap"], { producerId, producerEpoch: 0, baseSequence: 9 }))))
      .toBe(
        "OUT_OF_ORDER_SEQUENCE_NUMBER",
      );
    expect((await readAll(broker, "t")).map((r) => r.value)).toEqual(["v0", "v1", "v2", "v3"]);
  });

  it("accepts a producer it does not know at any sequence (Kafka, KIP-360)", async () => {
    const { producerId } = await broker.initProducerId();
    const first = await send(batch(["a"], { producerId, producerEpoch: 0, baseSequence: 17 }));
    const dup = await send(batch(["a"], { producerId, producerEpoch: 0, baseSequence: 17 }));
    expect(dup.baseOffset).toBe(first.baseOffset);
    expect(await codeOf(send(batch(["x"], { producerId, producerEpoch: 0, baseSequence: 19 }))))
      .toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    await send(batch(["b"], { producerId, producerEpoch: 0, baseSequence: 18 }));
    expect((await readAll(broker, "t")).map((r) => r.value)).toEqual(["a", "b"]);
  });

  it("rejects sequence gaps and fences older epochs", async () => {
    const { producerId } = await broker.initProducerId();
    await send(batch(["a"], { producerId, producerEpoch: 0, baseSequence: 0 }));
    expect(await codeOf(send(batch(["x"], { producerId, producerEpoch: 0, baseSequence: 5 }))))
      .toBe(
        "OUT_OF_ORDER_SEQUENCE_NUMBER",
      );
    await send(batch(["b"], { producerId, producerEpoch: 1, baseSequence: 0 }));
    expect(await codeOf(send(batch(["x"], { producerId, producerEpoch: 0, baseSequence: 1 }))))
      .toBe(
        "INVALID_PRODUCER_EPOCH",
      );
    expect((await readAll(broker, "t")).map((r) => r.value)).toEqual(["a", "b"]);
  });
});

describe("idempotent producers, mixed requests", () => {
  it("answers a request holding a retried batch and a new one with the whole range", async () => {
    const { producerId } = await broker.initProducerId();
    const b0 = batch(["a"], { producerId, producerEpoch: 0, baseSequence: 0 });
    const b1 = batch(["b", "c"], { producerId, producerEpoch: 0, baseSequence: 1 });
    await send(batch(["before"]));
    const r0 = await send(b0.slice());
    const both = new Uint8Array(b0.length + b1.length);
    both.set(b0);
    both.set(b1, b0.length);
    const r = await send(both);
    expect([r.baseOffset, r.lastOffset]).toEqual([r0.baseOffset, 3]);
    expect((await readAll(broker, "t")).map((x) => x.value)).toEqual(["before", "a", "b", "c"]);
  });

  it("writes nothing of a request whose second batch is out of sequence", async () => {
    const { producerId } = await broker.initProducerId();
    const b0 = batch(["a"], { producerId, producerEpoch: 0, baseSequence: 0 });
    const bad = batch(["z"], { producerId, producerEpoch: 0, baseSequence: 7 });
    const both = new Uint8Array(b0.length + bad.length);
    both.set(b0);
    both.set(bad, b0.length);
    expect(await codeOf(send(both))).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    // The first batch's reservation was undone: it is accepted as new.
    expect((await send(b0.slice())).baseOffset).toBe(0);
    expect((await readAll(broker, "t")).map((x) => x.value)).toEqual(["a"]);
  });
});
