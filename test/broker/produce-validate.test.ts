// Records inside a produced batch are validated before anything is stored (records-check.ts):
// CRC-valid batches with malformed records are refused with their code, the log end offset does
// not move, and the partition stays readable for the valid batch produced right after.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { BATCH_HEADER_BYTES, compressBatch, encodeBatch } from "../../src/log/record-batch.ts";
import { reseal } from "../fixtures/record-batch/helpers.ts";
import {
  batchOf,
  GZIP_BOMB_BYTES,
  malformedCases,
  T0,
  validBatch,
} from "../support/malformed-batches.ts";
import { codeOf, concat, enc, readAll, type TestEnv, testEnv } from "./helpers.ts";
import type { Broker } from "../../src/broker/broker.ts";

const MAX_MESSAGE_BYTES = 1024 * 1024;

describe("produce validates every record", () => {
  let env: TestEnv;
  let broker: Broker;
  beforeEach(async () => {
    env = await testEnv();
    broker = await env.open();
    expect(MAX_MESSAGE_BYTES).toBeLessThan(GZIP_BOMB_BYTES);
    await broker.createTopic({
      name: "t",
      partitions: 2,
      configs: { "max.message.bytes": String(MAX_MESSAGE_BYTES) },
    });
  });
  afterEach(() => env.cleanup());

  const endOffset = async (partition = 0) =>
    (await broker.listOffsets("t", partition, "latest")).offset;

  it.each(malformedCases.map((c) => [c.name, c]))("refuses %s, stores nothing", async (_, c) => {
    await broker.produce({ topic: "t", partition: 0, batches: validBatch("before"), acks: -1 });
    const before = await endOffset();
    const batches = await c.batch();
    const error = await broker.produce({ topic: "t", partition: 0, batches, acks: -1 }).then(
      () => null,
      (err: unknown) => err as Error & { code: string },
    );
    expect(error?.code).toBe(c.code);
    if (c.code !== "MESSAGE_TOO_LARGE") expect(error?.message).toMatch(/record \d+|batch at/);
    expect(await endOffset()).toBe(before);
    const after = await broker.produce({
      topic: "t",
      partition: 0,
      batches: validBatch("after"),
      acks: -1,
    });
    expect(after.baseOffset).toBe(before);
    const values = (await readAll(broker, "t")).map((r) => r.value);
    expect(values).toEqual([
      "ok-before-0",
      "ok-before-1",
      "ok-before-2",
      "ok-after-0",
      "ok-after-1",
      "ok-after-2",
    ]);
  });

  it("refuses the whole request when one of its batches is malformed", async () => {
    const bad = batchOf(2, () => ({}), { trailing: new Uint8Array([1, 2, 3]) });
    const batches = concat(validBatch("a"), bad, validBatch("b"));
    expect(await codeOf(broker.produce({ topic: "t", partition: 0, batches, acks: -1 }))).toBe(
      "CORRUPT_MESSAGE",
    );
    expect(await endOffset()).toBe(0);
  });

  it("accepts and reads back a gzip batch whose records expand within max.message.bytes", async () => {
    const value = new Uint8Array(MAX_MESSAGE_BYTES / 2);
    const batches = await compressBatch({
      records: [{ key: enc("k"), value, timestamp: T0 }],
    });
    await broker.produce({ topic: "t", partition: 1, batches, acks: -1 });
    expect(await endOffset(1)).toBe(1);
  });

  it("keeps call order when a gzip produce is followed by uncompressed ones", async () => {
    const gz = await compressBatch({
      records: [{ key: enc("k"), value: enc("gzip"), timestamp: T0 }],
    });
    const bomb = await compressBatch({
      records: [{ key: enc("k"), value: new Uint8Array(GZIP_BOMB_BYTES), timestamp: T0 }],
    });
    const produced = [
      broker.produce({ topic: "t", partition: 0, batches: gz, acks: 1 }),
      broker.produce({ topic: "t", partition: 0, batches: validBatch("x", 1), acks: 1 }),
      broker.produce({ topic: "t", partition: 0, batches: bomb, acks: 1 }),
      broker.produce({ topic: "t", partition: 0, batches: validBatch("y", 1), acks: 1 }),
      broker.produce({ topic: "t", partition: 1, batches: validBatch("z", 1), acks: 1 }),
    ];
    const codes = await Promise.all(produced.map((p) => codeOf(p)));
    expect(codes).toEqual(["resolved", "resolved", "MESSAGE_TOO_LARGE", "resolved", "resolved"]);
    const offsets = await Promise.all([produced[0], produced[1], produced[3]]);
    expect(offsets.map((o) => o.baseOffset)).toEqual([0, 1, 2]);
    expect(await endOffset(0)).toBe(3);
  });

  it("a produce that succeeds stays readable, whatever byte of the records was corrupted", async () => {
    const records = fc.array(
      fc.record({
        key: fc.option(fc.uint8Array({ maxLength: 20 }), { nil: null }),
        value: fc.option(fc.uint8Array({ maxLength: 60 }), { nil: null }),
        headers: fc.array(
          fc.record({
            key: fc.string({ maxLength: 6 }),
            value: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: null }),
          }),
          { maxLength: 2 },
        ),
        timestamp: fc.integer({ min: T0, max: T0 + 10_000 }),
      }),
      { minLength: 1, maxLength: 5 },
    );
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(
        records,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (list, at, flip) => {
          const bytes = encodeBatch({ records: list });
          bytes[BATCH_HEADER_BYTES + (at % (bytes.length - BATCH_HEADER_BYTES))] ^= flip;
          reseal(bytes);
          const before = await endOffset();
          const code = await codeOf(
            broker.produce({ topic: "t", partition: 0, batches: bytes, acks: 1 }),
          );
          if (code !== "resolved") {
            expect(["CORRUPT_MESSAGE", "INVALID_RECORD", "INVALID_TIMESTAMP"]).toContain(code);
            expect(await endOffset()).toBe(before);
            return;
          }
          stored++;
          // Fetch + decode of everything stored so far must succeed.
          const read = await readAll(broker, "t", 0, before);
          expect(read.length).toBe((await endOffset()) - before);
        },
      ),
      { numRuns: 150 },
    );
    // Some corruptions (a value byte) are harmless: the property saw both outcomes.
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(150);
  });
});
