// A segment file missing from the middle of a partition: the gap is found at open, logged, and
// fetches inside it answer OFFSET_OUT_OF_RANGE naming where the data resumes, instead of
// silently jumping over the lost offsets.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { partitionDir } from "../../src/broker/partition-dir.ts";
import { parseSegmentFileName, segmentPath } from "../../src/log/segment-files.ts";
import { captureLogs } from "../support/log-capture.ts";
import { batch, recordsIn, type TestEnv, testEnv } from "./helpers.ts";

let env: TestEnv;
beforeEach(async () => {
  env = await testEnv();
});
afterEach(async () => {
  await env.cleanup();
});

async function segmentBases(topic: string): Promise<number[]> {
  const bases: number[] = [];
  for (const entry of await env.rt.fs.list(partitionDir(env.dataDir, topic, 0))) {
    const parsed = parseSegmentFileName(entry.name);
    if (parsed?.kind === "log") bases.push(parsed.baseOffset);
  }
  return bases.sort((a, b) => a - b);
}

describe("a segment missing from the middle", () => {
  it("is detected at open, logged, and fetches in the gap name the next valid offset", async () => {
    const first = await env.open();
    await first.createTopic({ name: "g", partitions: 1, configs: { "segment.bytes": "2048" } });
    for (let i = 0; i < 80; i++) {
      await first.produce({ topic: "g", partition: 0, batches: batch([`v${i}`]), acks: 1 });
    }
    await first.close();
    env.brokers.length = 0;
    const bases = await segmentBases("g");
    expect(bases.length).toBeGreaterThanOrEqual(3);
    const [from, to] = [bases[1], bases[2]];
    const dir = partitionDir(env.dataDir, "g", 0);
    for (const kind of ["log", "index", "timeindex"] as const) {
      await env.rt.fs.remove(segmentPath(dir, from, kind));
    }

    const { logger, lines } = captureLogs();
    const broker = await env.open({ logger });
    expect(lines.filter((l) => l.event === "log.gap_detected")).toMatchObject([{
      level: "error",
      topic: "g",
      partition: 0,
      fromOffset: from,
      toOffset: to,
      offsetsMissing: to - from,
    }]);
    const fetchAt = async (offset: number) =>
      (await broker.fetch({
        partitions: [{ topic: "g", partition: 0, offset, maxBytes: 1 << 20 }],
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
      }))[0];
    for (const offset of [from, to - 1]) {
      const inGap = await fetchAt(offset);
      expect(inGap).toMatchObject({ error: "OFFSET_OUT_OF_RANGE", nextValidOffset: to });
      expect(inGap.errorMessage).toContain(`next valid offset is ${to}`);
    }
    // Before the gap the data is served up to it; after it, from where it resumes.
    const before = recordsIn((await fetchAt(from - 1)).records).map((r) => r.offset);
    expect(before[before.length - 1]).toBe(from - 1);
    const after = recordsIn((await fetchAt(to)).records).map((r) => r.offset);
    expect(after[0]).toBe(to);
    const appended = await broker.produce({
      topic: "g",
      partition: 0,
      batches: batch(["new"]),
      acks: -1,
    });
    expect(appended.baseOffset).toBe(80);

    // A clean restart finds the gap again (the older segment's real end, not the next base).
    await broker.close();
    env.brokers.length = 0;
    const again = captureLogs();
    const reopened = await env.open({ logger: again.logger });
    expect(again.lines.filter((l) => l.event === "log.gap_detected")).toMatchObject([{
      fromOffset: from,
      toOffset: to,
    }]);
    expect(
      (await reopened.fetch({
        partitions: [{ topic: "g", partition: 0, offset: from, maxBytes: 1 << 20 }],
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
      }))[0].error,
    ).toBe("OFFSET_OUT_OF_RANGE");
  });

  it("logs a lost first segment: the log starts later than its checkpoint says", async () => {
    const first = await env.open();
    await first.createTopic({ name: "g", partitions: 1, configs: { "segment.bytes": "2048" } });
    for (let i = 0; i < 40; i++) {
      await first.produce({ topic: "g", partition: 0, batches: batch([`v${i}`]), acks: 1 });
    }
    await first.close();
    env.brokers.length = 0;
    const bases = await segmentBases("g");
    const dir = partitionDir(env.dataDir, "g", 0);
    for (const kind of ["log", "index", "timeindex"] as const) {
      await env.rt.fs.remove(segmentPath(dir, 0, kind));
    }
    const { logger, lines } = captureLogs();
    const broker = await env.open({ logger });
    expect(lines.filter((l) => l.event === "log.gap_detected")).toMatchObject([{
      fromOffset: 0,
      toOffset: bases[1],
    }]);
    expect(broker.describeTopic("g").partitions[0].logStartOffset).toBe(bases[1]);
  });
});
