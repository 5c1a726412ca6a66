// A full disk under a running broker (simulated: SimFileSystem's capacity, with short writes;
// a real process cannot be made to hit ENOSPC portably, so this is a sim test): reads keep
// serving, health and metrics say which partition is degraded, the failed write leaves the log
// on a batch boundary, and once space is freed the next append succeeds without a restart.
// Nothing acknowledged is lost, across a restart either.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import { Broker } from "../../src/broker/broker.ts";
import { partitionDir } from "../../src/broker/partition-dir.ts";
import { createHttpApp } from "../../src/http/app.ts";
import { checkLogDir } from "../../src/log/log-check.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { segmentPath } from "../../src/log/segment-files.ts";
import { call } from "../http/helpers.ts";
import { captureLogs } from "../support/log-capture.ts";
import { batch, codeOf, readAll } from "./helpers.ts";

const bounds = { maxSteps: 500_000, maxVirtualMs: 120_000 };
const options = { nodeId: 1, dataDir: "/data", host: "127.0.0.1", port: 0 };

describe("a full disk", () => {
  it("degrades writes only; reads serve; writes resume when space is freed", async () => {
    const world = new SimWorld({ seed: 7 });
    const rt = world.runtime("b1");
    const disk = world.node("b1").fs;
    await world.run(async () => {
      const metrics = new MetricsRegistry();
      const { logger, lines } = captureLogs();
      const broker = await Broker.open(rt, { ...options, metrics, logger });
      const app = createHttpApp(broker, {
        runtimeName: "sim",
        version: "test",
        nodeId: 1,
        metrics,
        random: rt.random,
        clock: rt.clock,
      });
      await broker.createTopic({ name: "t", partitions: 1 });
      await broker.createTopic({ name: "u", partitions: 1 });
      const acked: string[] = [];
      for (let i = 0; i < 20; i++) {
        await broker.produce({ topic: "t", partition: 0, batches: batch([`v${i}`]), acks: -1 });
        acked.push(`v${i}`);
      }
      await broker.produce({ topic: "u", partition: 0, batches: batch(["u0"]), acks: -1 });

      disk.faults.capacityBytes = disk.usedBytes() + 40;
      disk.faults.partialWrites = true;
      const big = batch([`big-${"x".repeat(400)}`]);
      for (let attempt = 0; attempt < 3; attempt++) {
        const err = await broker.produce({ topic: "t", partition: 0, batches: big, acks: -1 })
          .then(() => null, (e: unknown) => e);
        expect(err).toMatchObject({ code: "KAFKA_STORAGE_ERROR" });
        expect((err as Error).message).toMatch(/no space left.*disk full/);
      }
      // The short writes were cut: the file ends on the last whole batch.
      const segment = segmentPath(partitionDir("/data", "t", 0), 0, "log");
      expect((await disk.readFile(segment)).length).toBe(
        broker.describeTopic("t").partitions[0].sizeBytes,
      );
      expect((await readAll(broker, "t")).map((r) => r.value)).toEqual(acked);
      expect((await readAll(broker, "u")).map((r) => r.value)).toEqual(["u0"]);
      expect(await broker.listOffsets("t", 0, "latest")).toMatchObject({ offset: 20 });

      const degraded = await call(app, "GET", "/v1/health");
      expect(degraded.status).toBe(200);
      expect(degraded.body).toMatchObject({
        status: "degraded",
        logDirs: [{ path: "/data", status: "degraded", partitionsDegraded: 1 }],
        offlinePartitions: [],
        writeDegradedPartitions: [{ topic: "t", partition: 0 }],
      });
      expect(degraded.body.writeDegradedPartitions[0].reason).toMatch(/disk full/);
      let scrape = metrics.render();
      expect(scrape).toContain('tributary_partition_write_degraded{topic="t",partition="0"} 1');
      expect(scrape).toContain('tributary_partition_write_degraded{topic="u",partition="0"} 0');
      expect(scrape).toContain('tributary_log_dir_degraded{dir="/data"} 1');
      expect(scrape).toContain('tributary_partition_offline{topic="t",partition="0"} 0');

      disk.faults.capacityBytes = undefined;
      const resumed = await broker.produce({ topic: "t", partition: 0, batches: big, acks: -1 });
      expect(resumed.baseOffset).toBe(20);
      acked.push(`big-${"x".repeat(400)}`);
      expect((await call(app, "GET", "/v1/health")).body).toMatchObject({
        status: "ok",
        writeDegradedPartitions: [],
      });
      scrape = metrics.render();
      expect(scrape).toContain('tributary_partition_write_degraded{topic="t",partition="0"} 0');
      expect(scrape).toContain('tributary_log_dir_degraded{dir="/data"} 0');
      expect((await readAll(broker, "t")).map((r) => r.value)).toEqual(acked);
      const events = lines.filter((l) => l.event.startsWith("partition."));
      expect(events).toMatchObject([
        { event: "partition.write_degraded", level: "warn", topic: "t", partition: 0 },
        { event: "partition.write_resumed", level: "info", topic: "t", partition: 0 },
      ]);
      await broker.close();

      const reopened = await Broker.open(rt, options);
      expect((await readAll(reopened, "t")).map((r) => r.value)).toEqual(acked);
      expect(
        await codeOf(reopened.produce({
          topic: "t",
          partition: 0,
          batches: batch(["after restart"]),
          acks: -1,
        })),
      ).toBe("resolved");
      await reopened.close();
      expect((await checkLogDir(disk, partitionDir("/data", "t", 0))).problems).toEqual([]);
    }, bounds);
  });

  it("reports healthy again by itself once space is freed, with no append", async () => {
    const world = new SimWorld({ seed: 8 });
    const rt = world.runtime("b1");
    const disk = world.node("b1").fs;
    await world.run(async () => {
      const broker = await Broker.open(rt, options);
      await broker.createTopic({ name: "t", partitions: 1 });
      await broker.produce({ topic: "t", partition: 0, batches: batch(["a"]), acks: -1 });
      disk.faults.capacityBytes = disk.usedBytes();
      expect(
        await codeOf(broker.produce({ topic: "t", partition: 0, batches: batch(["b"]), acks: 1 })),
      ).toBe("KAFKA_STORAGE_ERROR");
      expect(broker.health().status).toBe("degraded");
      // Still full for a while: the probe keeps failing and backing off.
      await rt.timers.sleep(1_000);
      expect(broker.health().status).toBe("degraded");
      disk.faults.capacityBytes = undefined;
      // The probe retries at most 30 s apart: within that the broker reports ok by itself.
      const deadlineMs = rt.clock.nowMs() + 31_000;
      while (broker.health().status !== "ok" && rt.clock.nowMs() < deadlineMs) {
        await rt.timers.sleep(100);
      }
      expect(broker.health().status).toBe("ok");
      expect(
        await codeOf(broker.produce({
          topic: "t",
          partition: 0,
          batches: batch(["c"]),
          acks: -1,
        })),
      ).toBe("resolved");
      expect((await readAll(broker, "t")).map((r) => r.value)).toEqual(["a", "c"]);
      await broker.close();
    }, bounds);
  });
});
