import { describe, expect, it } from "vitest";
import {
  estimateRecordBytes,
  type PendingRecord,
  type ProducerBatch,
  RecordAccumulator,
} from "../../src/client/accumulator.ts";
import { BufferPool } from "../../src/client/buffer-pool.ts";

// A manual clock and timer queue: time moves only when the test says so.
function fakeTime() {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  return {
    clock: { monotonicMs: () => now },
    timers: {
      setTimeout(fn: () => void, delayMs: number) {
        const t = { at: now + delayMs, fn, live: true };
        timers.push(t);
        return { cancel: () => void (t.live = false) };
      },
    },
    advance(ms: number) {
      now += ms;
      const due = timers.filter((t) => t.live && t.at <= now);
      timers = timers.filter((t) => !due.includes(t));
      for (const t of due) t.fn();
    },
    pending: () => timers.filter((t) => t.live).length,
  };
}

const record = (n: number): PendingRecord => ({
  key: null,
  value: new Uint8Array(n),
  headers: [],
  timestamp: 0,
});
const noDelivery = { resolve: () => {}, reject: () => {} };

describe("RecordAccumulator", () => {
  it("closes a batch when the next record would exceed batchBytes", () => {
    const time = fakeTime();
    const ready: ProducerBatch[] = [];
    const acc = new RecordAccumulator({
      batchBytes: 400,
      lingerMs: 1000,
      ...time,
      onReady: (b) => ready.push(b),
    });
    for (let i = 0; i < 7; i++) {
      acc.append("t", 0, record(100), estimateRecordBytes(record(100)), noDelivery);
    }
    // 61 + n*126 <= 400 fits two records per batch; the third opens a new one.
    expect(ready.map((b) => b.records.length)).toEqual([2, 2, 2]);
    expect(acc.openBatches).toBe(1);
    expect(ready.every((b) => b.sizeBytes <= 400)).toBe(true);
  });

  it("closes a partly filled batch after lingerMs, per partition", () => {
    const time = fakeTime();
    const ready: ProducerBatch[] = [];
    const acc = new RecordAccumulator({
      batchBytes: 16384,
      lingerMs: 5,
      ...time,
      onReady: (b) => ready.push(b),
    });
    acc.append("t", 0, record(10), 36, noDelivery);
    time.advance(3);
    acc.append("t", 1, record(10), 36, noDelivery);
    acc.append("t", 0, record(10), 36, noDelivery);
    time.advance(2);
    expect(ready.map((b) => [b.partition, b.records.length])).toEqual([[0, 2]]);
    time.advance(3);
    expect(ready.map((b) => [b.partition, b.records.length])).toEqual([[0, 2], [1, 1]]);
    expect(time.pending()).toBe(0);
  });

  it("gives an oversized record a batch of its own and cancels timers of closed batches", () => {
    const time = fakeTime();
    const ready: ProducerBatch[] = [];
    const acc = new RecordAccumulator({
      batchBytes: 100,
      lingerMs: 5,
      ...time,
      onReady: (b) => ready.push(b),
    });
    acc.append("t", 0, record(10), 36, noDelivery);
    acc.append("t", 0, record(500), 526, noDelivery);
    expect(ready.map((b) => b.records.length)).toEqual([1, 1]);
    expect(time.pending()).toBe(0);
    acc.append("t", 0, record(10), 36, noDelivery);
    acc.drainAll();
    expect(ready.map((b) => b.records.length)).toEqual([1, 1, 1]);
    expect(acc.openBatches).toBe(0);
  });
});

describe("BufferPool", () => {
  it("makes reservations wait when full and serves them in order on release", async () => {
    const pool = new BufferPool(100);
    expect(pool.reserve(60)).toBeNull();
    const order: string[] = [];
    const big = pool.reserve(50)?.then(() => order.push("big"));
    // Fits on its own, but must not overtake the waiting reservation.
    const small = pool.reserve(10)?.then(() => order.push("small"));
    expect(big).toBeInstanceOf(Promise);
    expect(small).toBeInstanceOf(Promise);
    expect(pool.waiting).toBe(2);
    pool.release(60);
    await Promise.all([big, small]);
    expect(order).toEqual(["big", "small"]);
    expect(pool.bytesUsed).toBe(60);
  });

  it("rejects a record larger than the pool and fails waiters on close", async () => {
    const pool = new BufferPool(100);
    expect(() => pool.reserve(101)).toThrow(/bufferBytesMax/);
    pool.reserve(100);
    const waiting = pool.reserve(1);
    pool.close(new Error("closed"));
    await expect(waiting).rejects.toThrow("closed");
    expect(() => pool.reserve(1)).toThrow("closed");
  });
});
