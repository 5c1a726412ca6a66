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

/** Appends in order, assigning offsets like a log would. */
function accept(table: ProducerStateTable, h: BatchHeader, base: number): void {
  const d = table.begin(h);
  expect(d.kind).toBe("append");
  if (d.kind === "append") table.complete(d.batch, base, base + h.lastOffsetDelta);
}

describe("ProducerStateTable", () => {
  it("ignores non-idempotent batches", () => {
    expect(new ProducerStateTable().begin(header(-1, -1, -1)).kind).toBe("plain");
  });

  it("accepts consecutive sequences and detects retries among the last five", async () => {
    const table = new ProducerStateTable();
    for (let i = 0; i < 7; i++) accept(table, header(7, 0, i * 2, 2), 100 + i * 2);
    // batch 6 (seq 12..13) and batch 2 (seq 4..5) are within the last five
    for (const [seq, base] of [[12, 112], [4, 104]]) {
      const d = table.begin(header(7, 0, seq, 2));
      expect(d.kind).toBe("duplicate");
      if (d.kind === "duplicate") {
        await d.batch.settled;
        expect([d.batch.baseOffset, d.batch.lastOffset]).toEqual([base, base + 1]);
      }
    }
    // batch 0 fell out of the window: neither a duplicate nor the next sequence
    expect(thrownCode(() => table.begin(header(7, 0, 0, 2)))).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    expect(table.begin(header(7, 0, 14, 1)).kind).toBe("append");
  });

  it("rejects gaps, unknown producers mid-sequence, and fences older epochs", () => {
    const table = new ProducerStateTable();
    expect(thrownCode(() => table.begin(header(1, 0, 5)))).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    accept(table, header(1, 0, 0), 0);
    expect(thrownCode(() => table.begin(header(1, 0, 2)))).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    // a new epoch must restart at 0
    expect(thrownCode(() => table.begin(header(1, 1, 1)))).toBe("OUT_OF_ORDER_SEQUENCE_NUMBER");
    accept(table, header(1, 1, 0), 1);
    expect(thrownCode(() => table.begin(header(1, 0, 1)))).toBe("INVALID_PRODUCER_EPOCH");
    expect(thrownCode(() => table.begin(header(1, 0, -1)))).toBe("INVALID_RECORD");
  });

  it("sees pipelined reservations before their appends complete", async () => {
    const table = new ProducerStateTable();
    const first = table.begin(header(3, 0, 0));
    const second = table.begin(header(3, 0, 1));
    expect([first.kind, second.kind]).toEqual(["append", "append"]);
    const retry = table.begin(header(3, 0, 0));
    expect(retry.kind).toBe("duplicate");
    if (first.kind === "append") table.complete(first.batch, 40, 40);
    if (retry.kind === "duplicate") {
      await retry.batch.settled;
      expect(retry.batch.baseOffset).toBe(40);
    }
  });

  it("undo and fail forget a reservation so the same sequence can be retried", async () => {
    const table = new ProducerStateTable();
    const d = table.begin(header(4, 0, 0));
    if (d.kind === "append") d.undo();
    expect(table.producerCount).toBe(0);
    accept(table, header(4, 0, 0), 0);
    const e = table.begin(header(4, 0, 1));
    if (e.kind === "append") table.fail(4, e.batch, new Error("disk"));
    if (e.kind === "append") await expect(e.batch.settled).rejects.toThrow("disk");
    expect(table.begin(header(4, 0, 1)).kind).toBe("append");
  });

  it("wraps sequences after 2^31-1", () => {
    expect(lastSequenceOf(header(1, 0, SEQUENCE_MAX, 2))).toBe(0);
    const table = new ProducerStateTable();
    table.replay({ ...header(9, 0, SEQUENCE_MAX - 1, 2), baseOffset: 10 });
    expect(table.begin(header(9, 0, 0)).kind).toBe("append");
  });

  it("replays log batches so retries after a restart are still duplicates", async () => {
    const table = new ProducerStateTable();
    table.replay({ ...header(5, 2, 0, 3), baseOffset: 50 });
    table.replay({ ...header(5, 2, 3, 1), baseOffset: 53 });
    const d = table.begin(header(5, 2, 0, 3));
    expect(d.kind).toBe("duplicate");
    if (d.kind === "duplicate") {
      await d.batch.settled;
      expect([d.batch.baseOffset, d.batch.lastOffset]).toEqual([50, 52]);
    }
    expect(thrownCode(() => table.begin(header(5, 1, 4)))).toBe("INVALID_PRODUCER_EPOCH");
  });

  it("bounds the number of producers tracked", () => {
    const table = new ProducerStateTable({ producersMax: 3 });
    for (let pid = 0; pid < 10; pid++) accept(table, header(pid, 0, 0), pid);
    expect(table.producerCount).toBe(3);
  });
});
