// Many requests in flight on one connection: responses complete out of order and are matched by
// correlation id, produce order per partition is preserved, and in-flight bounds hold.
import { afterEach, describe, expect, it } from "vitest";
import { encodeRequestFrame } from "../../../src/protocol/cbor/envelope.ts";
import { Op } from "../../../src/protocol/cbor/op-codes.ts";
import type { ProduceRequest } from "../../../src/broker/types.ts";
import { batchOf, eventually, type Harness, startHarness } from "./support/harness.ts";

describe("pipelining", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("keeps produce order per partition while answers complete out of order", async () => {
    let seed = 99;
    const delayMs = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % 20;
    };
    h = await startHarness({
      produceDelay: () => new Promise((resolve) => setTimeout(resolve, delayMs())),
    });
    await h.broker.createTopic({ name: "p", partitions: 2 });
    const client = await h.client({ inFlightMax: 64 });
    const count = 300;
    const completion: number[] = [];
    const sends = Array.from({ length: count }, (_, i) =>
      client.request("Produce", {
        acks: 1,
        timeoutMs: 1000,
        partitions: [{ topic: "p", partition: i % 2, records: batchOf([`r${i}`, `s${i}`]) }],
      }).then((r) => {
        completion.push(i);
        return r.partitions[0];
      }));
    const results = await Promise.all(sends);
    // Request i is the (i >> 1)-th on its partition, with two records each.
    expect(results.map((r) => r.baseOffset)).toEqual(results.map((_, i) => (i >> 1) * 2));
    expect(results.every((r) => r.error === null && r.lastOffset === r.baseOffset + 1)).toBe(true);
    // The broker saw them in send order...
    expect(h.broker.produceCalls.map((c) => c.partition)).toEqual(results.map((_, i) => i % 2));
    // ...while the answers arrived in another order.
    expect(completion).not.toEqual([...completion].sort((a, b) => a - b));
  });

  it("matches responses to requests when a fast one overtakes a parked fetch", async () => {
    h = await startHarness();
    await h.broker.createTopic({ name: "f", partitions: 1 });
    const client = await h.client();
    const parked = client.request("Fetch", {
      maxWaitMs: 10_000,
      minBytes: 1,
      maxBytes: 1000,
      partitions: [{ topic: "f", partition: 0, offset: 0, maxBytes: 1000 }],
    });
    const listed = await client.request("ListTopics", {});
    expect(listed.topics.map((t) => t.name)).toEqual(["f"]);
    expect(client.inFlight).toBe(1);
    await client.request("Produce", {
      acks: 1,
      timeoutMs: 1000,
      partitions: [{ topic: "f", partition: 0, records: batchOf(["x"]) }],
    });
    expect((await parked).partitions[0].highWatermark).toBe(1);
  });

  it("the server handles at most inFlightMax requests per connection and stops reading beyond", async () => {
    const gates: Array<() => void> = [];
    let outstandingMax = 0;
    h = await startHarness(
      {
        produceDelay: (_req: ProduceRequest) =>
          new Promise<void>((resolve) => {
            gates.push(resolve);
            outstandingMax = Math.max(outstandingMax, gates.length);
          }),
      },
      { inFlightMax: 2 },
    );
    await h.broker.createTopic({ name: "g", partitions: 1 });
    const raw = await h.raw();
    for (let id = 1; id <= 5; id++) {
      await raw.send(encodeRequestFrame(Op.Produce, 1, id, {
        acks: 1,
        timeoutMs: 1000,
        partitions: [{ topic: "g", partition: 0, records: batchOf([`v${id}`]) }],
      }));
    }
    await eventually(() => h!.broker.produceCalls.length === 2);
    const answered: number[] = [];
    for (let round = 0; round < 5; round++) {
      await eventually(() => gates.length > 0);
      gates.shift()?.();
      const response = await raw.next();
      answered.push(response?.correlationId ?? -1);
    }
    expect(answered).toEqual([1, 2, 3, 4, 5]);
    expect(h.broker.produceCalls.map((c) => c.baseOffset)).toEqual([0, 1, 2, 3, 4]);
    // Never more than inFlightMax requests in the broker at once, over the whole run.
    expect(outstandingMax).toBe(2);
  });

  it("the client waits for a slot beyond its own inFlightMax", async () => {
    const gates: Array<() => void> = [];
    let outstandingMax = 0;
    let clientInFlightMax = 0;
    let client: Awaited<ReturnType<Harness["client"]>> | undefined;
    h = await startHarness({
      produceDelay: () =>
        new Promise<void>((resolve) => {
          gates.push(resolve);
          outstandingMax = Math.max(outstandingMax, gates.length);
          clientInFlightMax = Math.max(clientInFlightMax, client?.inFlight ?? 0);
        }),
    });
    await h.broker.createTopic({ name: "c", partitions: 1 });
    client = await h.client({ inFlightMax: 3 });
    const all = Array.from(
      { length: 6 },
      (_, i) =>
        client.request("Produce", {
          acks: 1,
          timeoutMs: 1000,
          partitions: [{ topic: "c", partition: 0, records: batchOf([`${i}`]) }],
        }),
    );
    await eventually(() => gates.length === 3);
    expect(client.inFlight).toBe(3);
    for (let i = 0; i < 6; i++) {
      await eventually(() => gates.length > 0);
      gates.shift()?.();
    }
    const offsets = (await Promise.all(all)).map((r) => r.partitions[0].baseOffset);
    expect(offsets).toEqual([0, 1, 2, 3, 4, 5]);
    // The client held the other three back: never more than its inFlightMax sent at once.
    expect(outstandingMax).toBe(3);
    expect(clientInFlightMax).toBe(3);
  });
});
