// The listener's resource limits: response bytes held per connection and in all, connections in
// all and per address, idle connections.
import { afterEach, describe, expect, it } from "vitest";
import type { FetchPartitionResult, FetchRequest } from "../../../src/broker/types.ts";
import { encodeRequestFrame } from "../../../src/protocol/cbor/envelope.ts";
import { Op } from "../../../src/protocol/cbor/op-codes.ts";
import { batchOf, eventually, type Harness, startHarness } from "./support/harness.ts";
import { FakeBroker } from "./support/fake-broker.ts";

class CountingBroker extends FakeBroker {
  fetchCalls = 0;
  override fetch(request: FetchRequest): Promise<FetchPartitionResult[]> {
    this.fetchCalls++;
    return super.fetch(request);
  }
}

const kib = 1024;

/**
 * Waits (bounded) until the broker's fetch count stops moving for quietMs: the kernel's socket
 * buffers are full and the server stopped reading. Returns the count it settled at.
 */
async function settledFetchCalls(broker: CountingBroker, quietMs = 250): Promise<number> {
  const giveUpAt = Date.now() + 10_000;
  let last = -1;
  let since = Date.now();
  while (Date.now() < giveUpAt) {
    if (broker.fetchCalls !== last) {
      last = broker.fetchCalls;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return last;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`fetches did not stop within 10 s (at ${broker.fetchCalls})`);
}
const recordBytes = 200 * kib;

function fetchFrame(correlationId: number, topic: string, maxBytes: number): Uint8Array {
  return encodeRequestFrame(Op.Fetch, 1, correlationId, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    partitions: [{ topic, partition: 0, offset: 0, maxBytes }],
  });
}

/** Four records of 200 KiB; the harness's own FakeBroker is not the one serving here. */
async function withBigRecords(h: Harness, broker: FakeBroker, topic: string): Promise<void> {
  await broker.createTopic({ name: topic, partitions: 1 });
  const client = await h.client();
  for (let i = 0; i < 4; i++) {
    await client.request("Produce", {
      acks: 1,
      timeoutMs: 1000,
      partitions: [{ topic, partition: 0, records: batchOf(["x".repeat(recordBytes)]) }],
    });
  }
}

describe("response bytes", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("a connection that does not read stops being read once its responses pass the bound", async () => {
    const broker = new CountingBroker();
    const connectionBytesMax = 1024 * kib;
    h = await startHarness({}, { connectionResponseBytesMax: connectionBytesMax }, broker);
    await withBigRecords(h, broker, "big");
    const raw = await h.raw(); // never read until the end: the kernel's buffers fill up
    const requests = 300;
    const frames = Array.from({ length: requests }, (_, i) => fetchFrame(i + 1, "big", 256 * kib));
    for (const f of frames) void raw.send(f);
    // Held responses reach the bound, and then reading stops: the fetch count stays put.
    const stalledAt = await settledFetchCalls(broker);
    expect(h.server.responseBytes()).toBeGreaterThanOrEqual(connectionBytesMax - 256 * kib);
    // 128 slots would let 128 responses pile up; the bytes bound stops far earlier.
    expect(stalledAt).toBeLessThan(100);
    expect(h.server.responseBytes()).toBeLessThanOrEqual(connectionBytesMax + 256 * kib);
    expect(h.metrics.render()).toMatch(/^tributary_response_bytes_held [1-9]\d*$/m);
    // Nothing is dropped: once the client reads, every request is answered, in order.
    const ids: number[] = [];
    for (let i = 0; i < requests; i++) {
      const response = await raw.next(10_000);
      expect(response?.error).toBeNull();
      ids.push(response?.correlationId ?? -1);
    }
    expect(ids).toEqual(frames.map((_, i) => i + 1));
    expect(broker.fetchCalls).toBe(requests);
    await eventually(() => h!.server.responseBytes() === 0);
  });

  it("the listener's budget holds other connections back until a slow one drains", async () => {
    const broker = new CountingBroker();
    h = await startHarness({}, {
      connectionResponseBytesMax: 4096 * kib,
      responseBytesMax: 1024 * kib,
    }, broker);
    await withBigRecords(h, broker, "big");
    const slow = await h.raw();
    const requests = 100;
    for (let i = 0; i < requests; i++) void slow.send(fetchFrame(i + 1, "big", 256 * kib));
    const stalledAt = await settledFetchCalls(broker);
    expect(h.server.responseBytes()).toBeGreaterThanOrEqual(768 * kib);
    expect(stalledAt).toBeLessThan(requests);
    // A second connection's request waits for room instead of failing or growing memory.
    const other = await h.raw();
    await other.send(fetchFrame(7, "big", 256 * kib));
    expect(await settledFetchCalls(broker)).toBe(stalledAt);
    // The slow client reads: bytes drain, and the other request is answered.
    for (let i = 0; i < requests; i++) expect((await slow.next(10_000))?.error).toBeNull();
    const answer = await other.next(10_000);
    expect(answer?.correlationId).toBe(7);
    expect(answer?.error).toBeNull();
  });
});

describe("response bytes and long polls", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("parked fetches hold no listener budget: other requests are not held back by them", async () => {
    h = await startHarness({}, { responseBytesMax: 1024 * kib });
    await h.broker.createTopic({ name: "quiet", partitions: 1 });
    const parked = [];
    for (let i = 0; i < 8; i++) {
      const raw = await h.raw();
      await raw.send(encodeRequestFrame(Op.Fetch, 1, 1, {
        maxWaitMs: 5_000,
        minBytes: 1,
        maxBytes: 512 * kib,
        partitions: [{ topic: "quiet", partition: 0, offset: 0, maxBytes: 512 * kib }],
      }));
      parked.push(raw);
    }
    await eventually(() => h!.broker.parkedFetches === 8);
    // 8 × 512 KiB of estimates would be four times the listener's budget.
    const client = await h.client();
    const started = Date.now();
    expect((await client.request("ListTopics", {})).topics.map((t) => t.name)).toEqual(["quiet"]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("connection limits", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  async function expectRefused(harness: Harness, setting: string): Promise<void> {
    const refused = await harness.raw();
    const answer = await refused.next();
    expect(answer?.correlationId).toBe(0);
    expect(answer?.error?.code).toBe("NETWORK_EXCEPTION");
    expect(answer?.error?.message).toContain(setting);
    expect(await refused.closedByServer()).toBe(true);
  }

  it("refuses connections beyond max.connections with a connection-level error", async () => {
    h = await startHarness({}, { connectionsMax: 2 });
    const first = await h.client();
    await h.client();
    await eventually(() => h!.server.openConnections() === 2);
    await expectRefused(h, "max.connections=2");
    // The TypeScript client says why, instead of a bare "connection closed".
    await expect(h.client()).rejects.toThrow(/max\.connections=2/);
    expect(h.metrics.render()).toContain(
      'tributary_connections_refused_total{reason="max.connections"} 2',
    );
    // The ones admitted keep working, and a freed place is taken again.
    expect((await first.request("ListTopics", {})).topics).toEqual([]);
    await first.close();
    await eventually(() => h!.server.openConnections() === 1);
    const again = await h.client();
    expect((await again.request("ListTopics", {})).topics).toEqual([]);
  });

  it("refuses connections beyond max.connections.per.ip from one address", async () => {
    h = await startHarness({}, { connectionsPerIpMax: 1 });
    const only = await h.client();
    await expectRefused(h, "max.connections.per.ip=1");
    expect(h.metrics.render()).toContain(
      'tributary_connections_refused_total{reason="max.connections.per.ip"} 1',
    );
    expect((await only.request("ListTopics", {})).topics).toEqual([]);
    await only.close();
    await eventually(() => h!.server.openConnections() === 0);
    await h.client();
  });

  it("closes a connection idle for connections.max.idle.ms, but not one with a request in flight", async () => {
    const idleMsMax = 150;
    h = await startHarness({}, { idleMsMax });
    await h.broker.createTopic({ name: "t", partitions: 1 });
    // Taken before connecting: the server's idle clock starts later, at accept.
    const started = Date.now();
    const idle = await h.raw();
    const busy = await h.raw();
    // A parked fetch that outlasts the idle time: in flight, so its connection stays.
    await busy.send(encodeRequestFrame(Op.Fetch, 1, 1, {
      maxWaitMs: 600,
      minBytes: 1,
      maxBytes: 1000,
      partitions: [{ topic: "t", partition: 0, offset: 0, maxBytes: 1000 }],
    }));
    const sentAt = Date.now();
    expect(await idle.closedByServer(3_000)).toBe(true);
    const idleFor = Date.now() - started;
    expect(idleFor).toBeGreaterThanOrEqual(idleMsMax - 5); // timers may round down a little
    expect(idleFor).toBeLessThan(idleMsMax + 1_000);
    const answer = await busy.next(3_000);
    expect(answer?.correlationId).toBe(1);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(550);
    // Then it is idle too, and closed.
    expect(await busy.closedByServer(3_000)).toBe(true);
    expect(h.metrics.render()).toContain("tributary_connections_idle_closed_total 2");
  });
});
