import { describe, expect, it } from "vitest";
import {
  lastSequenceOf,
  ProducerStateTable,
  SEQUENCE_MAX,
} from "../../src/broker/producer-state.ts";
import type { BatchHeader } from "../../src/log/record-batch.ts";
import { thrownCode } from "../support/error-codes.ts";

function header(producerId: number, epoch: number, baseSequence: number, records = 1): BatchHeader {
  return {
    baseOffset: 0,
    batchLength: 100,
    partitionLeaderEpoch: -1,
    magic: 2,
    crc: 0,
    attributes: 0,
    lastOffsetDelta: records - 1,
    baseTimestamp: 0,
    maxTimestamp: 0,
    producerId,
    producerEpoch: epoch,
    baseSequence,
    recordCount: records,
  };
}

const NOW = 1_800_000_000_000;

/** Appends in order, assigning offsets like a log would. */
function accept(table: ProducerStateTable, h: BatchHeader, base: number): void {
  const d = table.begin(h, NOW);
  expect(d.kind).toBe("append");
  if (d.kind === "append") table.complete(d.batch, base, base + h.lastOffsetDelta);
}

describe("ProducerStateTable", () => {
  it("ignores non-idempotent batches", () => {
    expect(new ProducerStateTable().begin(header(-1, -1, -1), NOW).kind).toBe("plain");
  });

  it("accepts consecutive sequences and detects retries among the last five", async () => {
    const table = new ProducerStateTable();
    for (let i = 0; i < 7; i++) accept(table, header(7, 0, i * 2, 2), 100 + i * 2);
    // batch 6 (seq 12..13) and batch 2 (seq 4..5) are within the last five
    for (const [seq, base] of [[12, 112], [4, 104]]) {
      const d = table.begin(header(7, 0, seq, 2), NOW);
      expect(d.kind).toBe("duplicate");
      if (d.kind === "duplicate") {
        await d.batch.settled;
        expect([d.batch.baseOffset, d.batch.lastOffset]).toEqual([base, base + 1]);
      }
    }
    // batch 0 fell out of the window: neither a duplicate nor the next sequence
    expect(thrownCode(() => table.begin(header(7, 0, 0, 2), NOW))).toBe(
      "OUT_OF_ORDER_SEQUENCE_NUMBER",
    );
    expect(table.begin(header(7, 0, 14, 1), NOW).kind).toBe("append");
  });

  it("rejects gaps of known producers and fences older epochs", () => {
    const table = new ProducerStateTable();
    accept(table, header(1, 0, 0), 0);
    expect(thrownCode(() => table.begin(header(1, 0, 2), NOW))).toBe(
      "OUT_OF_ORDER_SEQUENCE_NUMBER",
    );
    // a new epoch must restart at 0
    expect(thrownCode(() => table.begin(header(1, 1, 1), NOW))).toBe(
      "OUT_OF_ORDER_SEQUENCE_NUMBER",
    );
    accept(table, header(1, 1, 0), 1);
    expect(thrownCode(() => table.begin(header(1, 0, 1), NOW))).toBe("INVALID_PRODUCER_EPOCH");
    expect(thrownCode(() => table.begin(header(1, 0, -1), NOW))).toBe("INVALID_RECORD");
  });

  it("sees pipelined reservations before their appends complete", async () => {
    const table = new ProducerStateTable();
    const first = table.begin(header(3, 0, 0), NOW);
    const second = table.begin(header(3, 0, 1), NOW);
    expect([first.kind, second.kind]).toEqual(["append", "append"]);
    const retry = table.begin(header(3, 0, 0), NOW);
    expect(retry.kind).toBe("duplicate");
    if (first.kind === "append") table.complete(first.batch, 40, 40);
    if (retry.kind === "duplicate") {
      await retry.batch.settled;
      expect(retry.batch.baseOffset).toBe(40);
    }
  });

  it("undo and fail forget a reservation so the same sequence can be retried", async () => {
    const table = new ProducerStateTable();
    const d = table.begin(header(4, 0, 0), NOW);
    if (d.kind === "append") d.undo();
    expect(table.producerCount).toBe(0);
    accept(table, header(4, 0, 0), 0);
    const e = table.begin(header(4, 0, 1), NOW);
    if (e.kind === "append") table.fail(4, e.batch, new Error("disk"));
    if (e.kind === "append") await expect(e.batch.settled).rejects.toThrow("disk");
    expect(table.begin(header(4, 0, 1), NOW).kind).toBe("append");
  });

  it("wraps sequences after 2^31-1", () => {
    expect(lastSequenceOf(header(1, 0, SEQUENCE_MAX, 2))).toBe(0);
    const table = new ProducerStateTable();
    table.replay({ ...header(9, 0, SEQUENCE_MAX - 1, 2), baseOffset: 10 }, NOW);
    expect(table.begin(header(9, 0, 0), NOW).kind).toBe("append");
  });

  it("replays log batches so retries after a restart are still duplicates", async () => {
    const table = new ProducerStateTable();
    table.replay({ ...header(5, 2, 0, 3), baseOffset: 50 }, NOW);
    table.replay({ ...header(5, 2, 3, 1), baseOffset: 53 }, NOW);
    const d = table.begin(header(5, 2, 0, 3), NOW);
    expect(d.kind).toBe("duplicate");
    if (d.kind === "duplicate") {
      await d.batch.settled;
      expect([d.batch.baseOffset, d.batch.lastOffset]).toEqual([50, 52]);
    }
    expect(thrownCode(() => table.begin(header(5, 1, 4), NOW))).toBe("INVALID_PRODUCER_EPOCH");
  });

  it("accepts a producer it does not know at any sequence, then holds it to its sequence", () => {
    const table = new ProducerStateTable();
    accept(table, header(11, 3, 17, 2), 500);
    expect(table.begin(header(11, 3, 17, 2), NOW).kind).toBe("duplicate");
    expect(thrownCode(() => table.begin(header(11, 3, 18), NOW))).toBe(
      "OUT_OF_ORDER_SEQUENCE_NUMBER",
    );
    expect(table.begin(header(11, 3, 19), NOW).kind).toBe("append");
  });

  it("keeps 10,001 producers without evicting the first", () => {
    const table = new ProducerStateTable();
    for (let pid = 0; pid <= 10_000; pid++) accept(table, header(pid, 0, 0), pid);
    expect(table.producerCount).toBe(10_001);
    expect(table.begin(header(0, 0, 0), NOW).kind).toBe("duplicate");
    expect(thrownCode(() => table.begin(header(0, 0, 5), NOW))).toBe(
      "OUT_OF_ORDER_SEQUENCE_NUMBER",
    );
    expect(table.begin(header(0, 0, 1), NOW).kind).toBe("append");
  });

  it("refuses a new producer with a retriable error when full, never evicting a live one", () => {
    const table = new ProducerStateTable({ producersMax: 3, expirationMs: 1000 });
    for (let pid = 0; pid < 3; pid++) accept(table, header(pid, 0, 0), pid);
    expect(thrownCode(() => table.begin(header(3, 0, 0), NOW + 999))).toBe(
      "THROTTLING_QUOTA_EXCEEDED",
    );
    expect(table.producerCount).toBe(3);
    expect(table.begin(header(0, 0, 0), NOW + 999).kind).toBe("duplicate");
    // Once the others are idle for producer.id.expiration.ms, the newcomer takes a free slot.
    expect(table.begin(header(3, 0, 0), NOW + 1000).kind).toBe("append");
    expect(table.producerCount).toBe(1);
  });

  it("expires producers idle for expirationMs by the clock, keeping active ones", () => {
    const table = new ProducerStateTable({ expirationMs: 60_000 });
    accept(table, header(1, 0, 0), 0);
    const late = table.begin(header(2, 0, 0), NOW + 30_000);
    if (late.kind === "append") table.complete(late.batch, 1, 1);
    expect(table.expire(NOW + 59_999)).toBe(0);
    expect(table.expire(NOW + 60_000)).toBe(1);
    expect(table.producerCount).toBe(1);
    // Producer 1 is unknown now: any sequence is accepted again.
    expect(table.begin(header(1, 0, 9), NOW + 60_000).kind).toBe("append");
    expect(table.begin(header(2, 0, 0), NOW + 60_000).kind).toBe("duplicate");
  });

  it("never expires a producer whose batch is still being appended", () => {
    const table = new ProducerStateTable({ expirationMs: 10 });
    table.begin(header(1, 0, 0), NOW);
    expect(table.expire(NOW + 1000)).toBe(0);
  });

  it("snapshots only batches wholly below the offset and restores them", () => {
    const table = new ProducerStateTable({ expirationMs: 60_000 });
    accept(table, header(1, 0, 0, 2), 10);
    accept(table, header(1, 0, 2, 1), 20);
    accept(table, header(2, 4, 0), 15);
    table.begin(header(2, 4, 1), NOW); // in flight: not in a snapshot
    const entries = table.snapshotEntries(20);
    expect(entries).toEqual([
      {
        producerId: 1,
        epoch: 0,
        lastSeq: 1,
        lastOffset: 11,
        lastTimestampMs: NOW,
        batches: [{ firstSeq: 0, lastSeq: 1, baseOffset: 10, lastOffset: 11 }],
      },
      {
        producerId: 2,
        epoch: 4,
        lastSeq: 0,
        lastOffset: 15,
        lastTimestampMs: NOW,
        batches: [{ firstSeq: 0, lastSeq: 0, baseOffset: 15, lastOffset: 15 }],
      },
    ]);
    const restored = new ProducerStateTable({ expirationMs: 60_000 });
    restored.restore([...entries, { ...entries[0], producerId: 3, lastTimestampMs: 0 }], NOW);
    expect(restored.producerCount).toBe(2);
    expect(restored.begin(header(1, 0, 0, 2), NOW).kind).toBe("duplicate");
    expect(restored.begin(header(1, 0, 2), NOW).kind).toBe("append");
    expect(thrownCode(() => restored.begin(header(2, 3, 0), NOW))).toBe("INVALID_PRODUCER_EPOCH");
  });
});
