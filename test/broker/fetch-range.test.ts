// Which fetch offsets are out of range: below the log start or past the log end. An offset past
// the high watermark but inside the log (a new leader whose HW has not caught up with what its
// consumers read from the old leader) answers no records, not OFFSET_OUT_OF_RANGE, which would
// reset those consumers.
import { describe, expect, it } from "vitest";
import { type FetchContext, readFetch } from "../../src/broker/fetch.ts";
import type { Partition } from "../../src/broker/partition.ts";

function contextWith(p: { logStartOffset: number; highWatermark: number; logEndOffset: number }) {
  const partition = {
    ...p,
    name: "t-0",
    topic: "t",
    partition: 0,
    closed: false,
    offlineReason: null,
    log: { gapAt: () => null },
  } as unknown as Partition;
  const ctx: FetchContext = {
    lookup: () => partition,
    metrics: {} as FetchContext["metrics"],
  };
  return ctx;
}

async function fetchAt(ctx: FetchContext, offset: number) {
  const pass = await readFetch(
    {
      partitions: [{ topic: "t", partition: 0, offset, maxBytes: 1 << 20 }],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
    } as Parameters<typeof readFetch>[0],
    ctx,
  );
  return pass.results[0];
}

describe("fetch offset range", () => {
  it("answers no records between the high watermark and the log end", async () => {
    const ctx = contextWith({ logStartOffset: 2, highWatermark: 5, logEndOffset: 8 });
    for (const offset of [5, 6, 8]) {
      const r = await fetchAt(ctx, offset);
      expect(r.error).toBeUndefined();
      expect(r.records.length).toBe(0);
      expect(r.highWatermark).toBe(5);
    }
  });

  it("refuses offsets below the log start and past the log end", async () => {
    const ctx = contextWith({ logStartOffset: 2, highWatermark: 5, logEndOffset: 8 });
    expect((await fetchAt(ctx, 1)).error).toBe("OFFSET_OUT_OF_RANGE");
    expect((await fetchAt(ctx, 9)).error).toBe("OFFSET_OUT_OF_RANGE");
  });
});
