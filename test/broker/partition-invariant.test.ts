// An invariant that fails inside one partition's work takes that partition offline, and only it:
// `invariant.violated` and `partition.offline` are logged, every later produce and fetch to it
// gets KAFKA_STORAGE_ERROR, health lists it offline, and the other partitions keep serving.
// Nothing is escalated to the process. The violations are injected through hooks the test sets
// on one partition's in-memory objects (its producer state, its log's read), at the broker's
// partition boundary (produce.ts, fetch.ts) where the Broker calls in.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import type { Runtime } from "../../runtime/types.ts";
import { BrokerMetrics, type StorageSamples } from "../../src/broker/broker-metrics.ts";
import { readFetch } from "../../src/broker/fetch.ts";
import { brokerHealth } from "../../src/broker/partition-health.ts";
import { producePartition } from "../../src/broker/produce.ts";
import { LocalMetadataWriter } from "../../src/broker/local-metadata-writer.ts";
import { PartitionCatalog } from "../../src/broker/partition-catalog.ts";
import type { FetchRequest } from "../../src/broker/types.ts";
import { assert } from "../../src/model/errors.ts";
import { onFatalInvariant } from "../../src/model/invariant.ts";
import { captureLogs, type LoggedLine } from "../support/log-capture.ts";
import { batch, dec } from "./helpers.ts";
import { decodeRecords } from "../../src/log/record-batch.ts";

const bounds = { maxSteps: 200_000, maxVirtualMs: 60_000 };
const fatal: string[] = [];
const offFatal = onFatalInvariant((v) => void fatal.push(v.invariant));

afterEach(() => {
  fatal.length = 0;
});
afterAll(offFatal);

async function openStore(rt: Runtime, logger: ReturnType<typeof captureLogs>["logger"]) {
  const writer = await LocalMetadataWriter.open(rt, {
    dataDir: "/data",
    nodeId: 1,
    defaultPartitions: 1,
  });
  const catalog = await PartitionCatalog.open(rt, writer.committed, {
    dataDir: "/data",
    nodeId: 1,
    replicasOnly: false,
    defaultTopicConfigs: {},
    onReadable: () => undefined,
    logger,
  });
  const { offset } = await writer.createTopic({ name: "t", partitions: 3 });
  await catalog.waitForOffset(offset);
  return {
    partition: (t: string, p: number) => catalog.partition(t, p),
    allPartitions: () => catalog.allPartitions(),
    close: async () => {
      await catalog.close();
      await writer.close();
    },
  };
}

function contexts(rt: Runtime, store: Awaited<ReturnType<typeof openStore>>) {
  // No registry: nothing is sampled, so no storage samplers are needed.
  const metrics = new BrokerMetrics(undefined, {} as StorageSamples);
  const produce = { nowMs: () => rt.clock.nowMs(), timers: rt.timers, metrics };
  const fetch = { lookup: (t: string, p: number) => store.partition(t, p), metrics };
  return { produce, fetch };
}

function fetchOf(...partitions: number[]): FetchRequest {
  return {
    partitions: partitions.map((p) => ({ topic: "t", partition: p, offset: 0, maxBytes: 1 << 20 })),
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
  };
}

/** The code run throws or rejects with ("ok" when it resolves); producePartition may throw. */
const codeOf = (run: () => Promise<unknown>) =>
  new Promise((resolve) => resolve(run())).then(
    () => "ok",
    (err: unknown) => (err as { code?: string }).code ?? String(err),
  );

function violations(lines: LoggedLine[]) {
  return lines.filter((l) => l.event === "invariant.violated");
}

describe("an invariant violation inside one partition", () => {
  it("on produce: takes only that partition offline, logged; the others keep serving", async () => {
    const world = new SimWorld({ seed: 1 });
    const rt = world.runtime("b1");
    const { logger, lines } = captureLogs();
    await world.run(async () => {
      const store = await openStore(rt, logger);
      const ctx = contexts(rt, store);
      const request = (partition: number, value: string) => ({
        topic: "t",
        partition,
        batches: batch([value]),
        acks: -1 as const,
      });
      await producePartition(store.partition("t", 0)!, request(0, "before"), ctx.produce);
      // The hook: partition 0's producer state breaks an invariant on its next decision.
      const broken = store.partition("t", 0)!;
      broken.producers.begin = () => {
        assert(false, "test hook: producer state of t-0 is corrupt");
      };

      expect(await codeOf(() => producePartition(broken, request(0, "boom"), ctx.produce)))
        .toBe("KAFKA_STORAGE_ERROR");
      expect(await codeOf(() => producePartition(broken, request(0, "again"), ctx.produce)))
        .toBe("KAFKA_STORAGE_ERROR");
      expect(violations(lines)).toEqual([
        expect.objectContaining({
          level: "error",
          topic: "t",
          partition: 0,
          invariant: "test hook: producer state of t-0 is corrupt",
        }),
      ]);
      expect(lines.filter((l) => l.event === "partition.offline")).toEqual([
        expect.objectContaining({ topic: "t", partition: 0 }),
      ]);

      const [down, up] = (await readFetch(fetchOf(0, 1), ctx.fetch)).results;
      expect(down.error).toBe("KAFKA_STORAGE_ERROR");
      expect(up.error).toBeUndefined();
      expect(
        await codeOf(() =>
          producePartition(store.partition("t", 1)!, request(1, "fine"), ctx.produce)
        ),
      )
        .toBe("ok");
      const [after] = (await readFetch(fetchOf(1), ctx.fetch)).results;
      expect([...decodeRecords(after.records)].map((r) => dec(r.value))).toEqual(["fine"]);

      const health = brokerHealth(store.allPartitions(), "/data");
      expect(health.offlinePartitions.map((p) => p.partition)).toEqual([0]);
      expect(health.offlinePartitions[0].reason).toContain("producer state of t-0 is corrupt");
      expect(fatal).toEqual([]);
      await store.close();
    }, bounds);
  });

  it("on fetch: that partition answers KAFKA_STORAGE_ERROR, the others in the fetch serve", async () => {
    const world = new SimWorld({ seed: 2 });
    const rt = world.runtime("b1");
    const { logger, lines } = captureLogs();
    await world.run(async () => {
      const store = await openStore(rt, logger);
      const ctx = contexts(rt, store);
      for (const p of [1, 2]) {
        const request = { topic: "t", partition: p, batches: batch([`v${p}`]), acks: -1 as const };
        await producePartition(store.partition("t", p)!, request, ctx.produce);
      }
      // The hook: partition 1's log breaks an invariant on its next read.
      const log = store.partition("t", 1)!.log;
      log.read = () => {
        assert(false, "test hook: t-1 read past its end");
      };

      const [broken, fine] = (await readFetch(fetchOf(1, 2), ctx.fetch)).results;
      expect(broken.error).toBe("KAFKA_STORAGE_ERROR");
      expect([...decodeRecords(fine.records)].map((r) => dec(r.value))).toEqual(["v2"]);
      expect(violations(lines)).toEqual([
        expect.objectContaining({
          topic: "t",
          partition: 1,
          invariant: "test hook: t-1 read past its end",
        }),
      ]);
      const late = { topic: "t", partition: 1, batches: batch(["late"]), acks: -1 as const };
      expect(await codeOf(() => producePartition(store.partition("t", 1)!, late, ctx.produce)))
        .toBe("KAFKA_STORAGE_ERROR");
      expect(fatal).toEqual([]);
      await store.close();
    }, bounds);
  });
});
