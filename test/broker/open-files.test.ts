// A broker with far more segment files than the process may hold open: 2,000 partitions of three
// segments each (18,000 files) under a limit of 200 descriptors. Before the open-file budget
// every partition kept its three files per segment open and topic creation failed with EMFILE
// after about 60 partitions.
import { describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { SimFileSystem } from "../../runtime/sim/fs.ts";
import type { Runtime } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import {
  defaultOpenFilesMax,
  parseOpenFilesLimit,
  readOpenFilesLimit,
  reportDescriptors,
} from "../../src/broker/open-files.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { LimitedFileSystem } from "../support/limited-fs.ts";
import { batch, readAll } from "./helpers.ts";

const TOPICS = 20;
const PARTITIONS_PER_TOPIC = 100;
const BATCHES_PER_PARTITION = 3;
const DESCRIPTOR_LIMIT = 200;
const OPEN_FILES_MAX = 150;

function limitedRuntime(): { rt: Runtime; fs: LimitedFileSystem } {
  const fs = new LimitedFileSystem(new SimFileSystem({ dirtyOpsMax: 0 }), DESCRIPTOR_LIMIT);
  return { rt: { ...createNodeRuntime(), fs }, fs };
}

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ write: (l) => lines.push(l), nowMs: () => 0 }) };
}

/** One value per batch, ~500 bytes so that each batch fills a 1 KiB segment on its own. */
const valueOf = (t: number, p: number, b: number) => `t${t}p${p}b${b}-`.padEnd(500, "x");

describe("more segment files than the descriptor limit", () => {
  it(
    "opens 2,000 partitions, serves produce and fetch on all of them, closes and reopens",
    async () => {
      const { rt, fs } = limitedRuntime();
      const options = {
        nodeId: 1,
        dataDir: "/data",
        host: "127.0.0.1",
        port: 0,
        openFilesMax: OPEN_FILES_MAX,
        defaultTopicConfigs: { "segment.bytes": "1024" },
      };
      const first = capture();
      const broker = await Broker.open(rt, { ...options, logger: first.logger });
      for (let t = 0; t < TOPICS; t++) {
        await broker.createTopic({ name: `t${t}`, partitions: PARTITIONS_PER_TOPIC });
      }
      for (let b = 0; b < BATCHES_PER_PARTITION; b++) {
        const produced: Promise<unknown>[] = [];
        for (let t = 0; t < TOPICS; t++) {
          for (let p = 0; p < PARTITIONS_PER_TOPIC; p++) {
            const batches = batch([valueOf(t, p, b)]);
            produced.push(broker.produce({ topic: `t${t}`, partition: p, batches, acks: -1 }));
          }
        }
        await Promise.all(produced);
      }
      await expectAllRecords(broker);
      await broker.close();
      expect(fs.refused).toBe(0);
      expect(fs.peak).toBeLessThanOrEqual(OPEN_FILES_MAX);
      expect(fs.held).toBe(0);
      expect(fs.closedUnderOperation).toBe(0);

      const second = capture();
      const reopened = await Broker.open(rt, { ...options, logger: second.logger });
      await expectAllRecords(reopened);
      await reopened.close();
      expect(fs.refused).toBe(0);
      expect(fs.held).toBe(0);
      const report = second.lines.find((l) => l.includes("datadir.descriptors"));
      expect(report).toContain(`partitions=${TOPICS * PARTITIONS_PER_TOPIC}`);
      expect(report).toContain(`segmentFiles=${TOPICS * PARTITIONS_PER_TOPIC * 3 * 3}`);
      expect(report).toContain(`openFilesMax=${OPEN_FILES_MAX}`);
    },
    120_000,
  );
});

async function expectAllRecords(broker: Broker): Promise<void> {
  for (let t = 0; t < TOPICS; t++) {
    for (let p = 0; p < PARTITIONS_PER_TOPIC; p++) {
      const records = await readAll(broker, `t${t}`, p);
      const expected = Array.from({ length: BATCHES_PER_PARTITION }, (_, b) => valueOf(t, p, b));
      if (records.map((r) => r.value).join() !== expected.join()) {
        expect(records.map((r) => r.value), `t${t}/${p}`).toEqual(expected);
      }
    }
  }
}

describe("the descriptor report", () => {
  const limits =
    "Limit                     Soft Limit           Hard Limit           Units     \n" +
    "Max cpu time              unlimited            unlimited            seconds   \n" +
    "Max open files            1024                 524288               files     \n";

  it("reads the soft limit from /proc/self/limits, and says unknown without it", async () => {
    expect(parseOpenFilesLimit(limits)).toBe(1024);
    expect(parseOpenFilesLimit(limits.replace("1024 ", "unlimited "))).toBeNull();
    expect(parseOpenFilesLimit("")).toBeNull();
    const disk = new SimFileSystem({ dirtyOpsMax: 0 });
    expect(await readOpenFilesLimit(disk)).toBeNull();
    await disk.mkdirp("/proc/self");
    const file = await disk.open("/proc/self/limits", { create: true, write: true });
    await file.writeAt(new TextEncoder().encode(limits), 0);
    await file.close();
    expect(await readOpenFilesLimit(disk)).toBe(1024);
    expect(defaultOpenFilesMax(1024)).toBe(512);
    expect(defaultOpenFilesMax(null)).toBe(512);
    expect(defaultOpenFilesMax(20)).toBe(16);
  });

  it("warns when the budget leaves too few descriptors of the limit", () => {
    const report = { partitions: 5000, segmentFiles: 15000, processLimit: 1024 };
    const ok = capture();
    reportDescriptors(ok.logger, { ...report, openFilesMax: 512 });
    expect(ok.lines.map((l) => /^\S+ (\w+)\s+(\S+)/.exec(l)?.slice(1))).toEqual([
      ["INFO", "datadir.descriptors"],
    ]);
    expect(ok.lines[0]).toContain("processLimit=1024");
    const over = capture();
    reportDescriptors(over.logger, { ...report, openFilesMax: 1000 });
    expect(over.lines[1]).toMatch(/WARN\s+datadir\.descriptors_over_limit .*leaves 24 /);
    const unknown = capture();
    reportDescriptors(unknown.logger, { ...report, processLimit: null, openFilesMax: 512 });
    expect(unknown.lines).toHaveLength(1);
    expect(unknown.lines[0]).toContain("processLimit=unknown");
  });
});
