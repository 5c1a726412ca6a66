// Retention and segment.ms on the virtual clock, through the Broker: an idle topic loses its
// data once retention.ms passed (the active segment included) while its log end stays, and a
// segment rolls by segment.ms on the next append.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import { Broker } from "../../src/broker/broker.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { fixedSeedNames, runWatched } from "../support/sim-seeds.ts";
import { batch, codeOf, readAll } from "./helpers.ts";

const bounds = { maxSteps: 500_000, maxVirtualMs: 600_000 };

const FILE = "test/broker/retention-idle-sim.test.ts";
const DELETES =
  "deletes expired data of an idle topic, keeps the log end, and appends continue there";
const ROLLS = "rolls the active segment by segment.ms on the next append";

describe("retention of idle topics (sim)", () => {
  it(DELETES, async () => {
    const world = new SimWorld({ seed: 5 });
    const rt = world.runtime("b1");
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({
      write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>),
      level: "debug",
      format: "json",
      nowMs: () => rt.clock.nowMs(),
    });
    await runWatched(world, fixedSeedNames(FILE, DELETES), async () => {
      const broker = await Broker.open(rt, {
        nodeId: 1,
        dataDir: "/data",
        host: "127.0.0.1",
        port: 0,
        retentionCheckIntervalMs: 1_000,
        logger,
      });
      await broker.createTopic({ name: "idle", configs: { "retention.ms": "60000" } });
      const produce = () =>
        broker.produce({
          topic: "idle",
          partition: 0,
          batches: batch(["a", "b"], { timestamp: rt.clock.nowMs() }),
          acks: -1,
        });
      for (let i = 0; i < 3; i++) await produce();
      const describe = () => broker.describeTopic("idle").partitions[0];
      expect([describe().logStartOffset, describe().highWatermark]).toEqual([0, 6]);
      await rt.timers.sleep(59_000);
      expect(describe().logStartOffset).toBe(0);
      // Bounded wait on the event itself: the retention task runs every second.
      for (let i = 0; i < 10 && describe().logStartOffset === 0; i++) await rt.timers.sleep(1_000);
      expect([describe().logStartOffset, describe().highWatermark, describe().sizeBytes])
        .toEqual([6, 6, 0]);
      const [old] = await broker.fetch({
        partitions: [{ topic: "idle", partition: 0, offset: 0, maxBytes: 1 << 20 }],
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
      });
      expect(old.error).toBe("OFFSET_OUT_OF_RANGE");
      expect((await produce()).baseOffset).toBe(6);
      expect((await readAll(broker, "idle", 0, 6)).map((r) => r.value)).toEqual(["a", "b"]);
      const deleted = lines.find((l) => l.event === "retention.deleted");
      expect(deleted).toMatchObject({
        partition: "idle-0",
        logStartOffsetBefore: 0,
        logStartOffset: 6,
        logEndOffset: 6,
      });
      expect(deleted?.bytes).toBeGreaterThan(0);
      expect(lines.some((l) => l.event === "log.rolled" && l.reason === "retention")).toBe(true);
      await broker.close();
    }, bounds);
  });

  it(ROLLS, async () => {
    const world = new SimWorld({ seed: 6 });
    const rt = world.runtime("b1");
    await runWatched(world, fixedSeedNames(FILE, ROLLS), async () => {
      const broker = await Broker.open(rt, {
        nodeId: 1,
        dataDir: "/data",
        host: "127.0.0.1",
        port: 0,
      });
      await broker.createTopic({ name: "s", configs: { "segment.ms": "10000" } });
      const produce = () =>
        broker.produce({
          topic: "s",
          partition: 0,
          batches: batch(["x"], { timestamp: rt.clock.nowMs() }),
          acks: 1,
        });
      const segments = async () =>
        (await rt.fs.list("/data/s-0")).filter((e) => e.name.endsWith(".log")).map((e) => e.name)
          .sort();
      await produce();
      await rt.timers.sleep(10_000);
      await produce();
      expect(await segments()).toEqual(["00000000000000000000.log"]);
      await rt.timers.sleep(1_000);
      await produce();
      expect(await segments()).toEqual(["00000000000000000000.log", "00000000000000000002.log"]);
      expect(await codeOf(produce())).toBe("resolved");
      await broker.close();
    }, bounds);
  });
});
