// Compacted topics through the broker: keyless records refused at produce, the cleaner task
// compacting cleanup.policy compact topics only, and the compaction topic configs.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Broker } from "../../src/broker/broker.ts";
import { normalizeTopicConfigs } from "../../src/broker/topic-config.ts";
import {
  batchesIn,
  compressBatch,
  decodeRecordsAsync,
  encodeBatch,
  lastOffsetOf,
} from "../../src/log/record-batch.ts";
import { codeOf, dec, enc, type TestEnv, testEnv } from "./helpers.ts";
import { captureLogs } from "../support/log-capture.ts";
import { eventually } from "../support/eventually.ts";

const T0 = 1_700_000_000_000;

interface KeyedRecord {
  offset: number;
  key: string | null;
  value: string | null;
}

function keyed(entries: Array<[string | null, string | null]>): Uint8Array {
  return encodeBatch({
    records: entries.map(([key, value], i) => ({
      key: key === null ? null : enc(key),
      value: value === null ? null : enc(value),
      timestamp: T0 + i,
    })),
  });
}

/** The partition up to its high watermark, stepping over compacted-away offsets. */
async function readKeyed(broker: Broker, topic: string): Promise<KeyedRecord[]> {
  const out: KeyedRecord[] = [];
  let offset = 0;
  for (let round = 0; round < 10_000; round++) {
    const [r] = await broker.fetch({
      partitions: [{ topic, partition: 0, offset, maxBytes: 1 << 20 }],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
    });
    expect(r.error).toBeUndefined();
    if (offset >= r.highWatermark) return out;
    for (const { position, header } of batchesIn(r.records)) {
      for (const rec of await decodeRecordsAsync(r.records, position)) {
        if (rec.offset >= offset) {
          out.push({ offset: rec.offset, key: dec(rec.key), value: dec(rec.value) });
        }
      }
      offset = Math.max(offset, lastOffsetOf(header) + 1);
    }
  }
  throw new Error(`reading ${topic} did not finish`);
}

/** 1 KiB segments (the topic minimum) fill up after about a dozen of these. */
async function produceRounds(broker: Broker, topic: string, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const value = `${i}:${"x".repeat(60)}`;
    const batch = keyed([["a", value], ["b", value], [`c${i % 3}`, value]]);
    await broker.produce({ topic, partition: 0, batches: batch, acks: -1 });
  }
}

describe("compacted topics in the broker", () => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await testEnv();
  });
  afterEach(async () => {
    await env.cleanup();
  });

  it("refuses records without a key in compacted topics only", async () => {
    const broker = await env.open();
    const keyless = keyed([["k", "v"], [null, "no key"]]);
    for (const policy of ["compact", "compact,delete", "delete"]) {
      const topic = `t-${policy.replace(",", "-")}`;
      await broker.createTopic({ name: topic, configs: { "cleanup.policy": policy } });
      const produced = broker.produce({ topic, partition: 0, batches: keyless, acks: 1 });
      expect(await codeOf(produced)).toBe(policy === "delete" ? "resolved" : "INVALID_RECORD");
      const ok = broker.produce({ topic, partition: 0, batches: keyed([["k", "v"]]), acks: 1 });
      expect(await codeOf(ok)).toBe("resolved");
    }
    // A gzip batch is decompressed and checked at produce too.
    const gzipped = await compressBatch({
      records: [{ key: null, value: enc("x"), timestamp: T0 }, {
        key: enc("k"),
        value: enc("y"),
        timestamp: T0,
      }],
    });
    expect(
      await codeOf(broker.produce({ topic: "t-compact", partition: 0, batches: gzipped, acks: 1 })),
    ).toBe("INVALID_RECORD");
  });

  it("compacts compact topics on cleanLogs() and leaves delete topics alone", async () => {
    const broker = await env.open();
    const configs = { "segment.bytes": "1024", "min.cleanable.dirty.ratio": "0.01" };
    await broker.createTopic({
      name: "kept",
      configs: { ...configs, "cleanup.policy": "compact" },
    });
    await broker.createTopic({ name: "plain", configs });
    await produceRounds(broker, "kept", 40);
    await produceRounds(broker, "plain", 40);
    const before = await readKeyed(broker, "kept");

    const results = await broker.cleanLogs();
    expect([...results.keys()]).toEqual(["kept-0"]);
    const result = results.get("kept-0");
    expect(result?.outcome).toBe("cleaned");
    expect(result?.recordsRemoved).toBeGreaterThan(50);

    const after = await readKeyed(broker, "kept");
    expect(after.length).toBeLessThan(before.length - 50);
    const latest = (records: KeyedRecord[]) =>
      Object.fromEntries(records.map((r) => [r.key, `${r.offset}=${r.value}`]));
    expect(latest(after)).toEqual(latest(before));
    const cleaned = after.filter((r) => r.offset < (result?.cleanedUpTo ?? 0)).map((r) => r.key);
    expect(new Set(cleaned).size).toBe(cleaned.length);
    expect(await readKeyed(broker, "plain")).toHaveLength(120);
    // The compacted log survives a restart as it is.
    await broker.close();
    const reopened = await env.open();
    expect(await readKeyed(reopened, "kept")).toEqual(after);
  });

  it("drops tombstones after delete.retention.ms, run by the periodic task", async () => {
    const { logger, lines } = captureLogs();
    const broker = await env.open({ cleanerIntervalMs: 20, logger });
    await broker.createTopic({
      name: "gone",
      configs: {
        "cleanup.policy": "compact",
        "segment.bytes": "1024",
        "min.cleanable.dirty.ratio": "0",
        "delete.retention.ms": "0",
      },
    });
    await broker.produce({ topic: "gone", partition: 0, batches: keyed([["t", "1"]]), acks: -1 });
    await broker.produce({ topic: "gone", partition: 0, batches: keyed([["t", null]]), acks: -1 });
    await produceRounds(broker, "gone", 30);
    // The first pass stamps the tombstone's delete horizon; a later one drops it.
    const hasT = async () => (await readKeyed(broker, "gone")).some((r) => r.key === "t");
    const passes = () => lines.filter((l) => l.event === "log.cleaned" && l.partition === "gone-0");
    const cleaned = () => passes().filter((l) => l.outcome === "cleaned");
    await eventually(async () => cleaned().length >= 2 && !(await hasT()), 10_000);
    // Nobody called cleanLogs(): the periodic task's passes did it, and logged each one.
    expect(cleaned()[0].level).toBe("info");
    expect((await readKeyed(broker, "gone")).some((r) => r.key === "b")).toBe(true);
  });

  it("validates and shows the compaction configs", async () => {
    expect(normalizeTopicConfigs({
      "delete.retention.ms": 5,
      "min.compaction.lag.ms": "60000",
      "min.cleanable.dirty.ratio": " .25 ",
    })).toEqual({
      "delete.retention.ms": "5",
      "min.compaction.lag.ms": "60000",
      "min.cleanable.dirty.ratio": "0.25",
    });
    for (
      const bad of [
        { "min.cleanable.dirty.ratio": "1.5" },
        { "min.cleanable.dirty.ratio": "half" },
        { "delete.retention.ms": "-1" },
      ]
    ) {
      expect(await codeOf(() => normalizeTopicConfigs(bad))).toBe("INVALID_CONFIG");
    }
    const broker = await env.open();
    await broker.createTopic({
      name: "c",
      configs: { "cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.1" },
    });
    expect(broker.describeTopic("c").configs).toMatchObject({
      "cleanup.policy": "compact",
      "min.cleanable.dirty.ratio": "0.1",
      "delete.retention.ms": "86400000",
      "min.compaction.lag.ms": "0",
    });
  });
});
