// Every name derived from a topic name fits NAME_MAX (255 bytes): a topic of the longest legal
// name (249 characters) is created, deleted and created again, on a real disk and on the
// simulated one, and the broker restarts on the same directory. Leftover and unexpected
// directories in the data directory never stop a start.
import { afterEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { SimWorld } from "../../runtime/sim/world.ts";
import { type FileSystem, type Runtime, RuntimeIoError } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import { PARTITIONS_PER_TOPIC_MAX } from "../../src/broker/broker-options.ts";
import {
  deletingDirName,
  partitionDirName,
  writePartitionTopicId,
} from "../../src/broker/partition-dir.ts";
import { TOPIC_NAME_CHARS_MAX } from "../../src/model/topic-name.ts";
import { startBroker } from "../../src/server/start-broker.ts";
import { captureLogs } from "../support/log-capture.ts";
import { batch, readAll } from "./helpers.ts";

const LONGEST = "t".repeat(TOPIC_NAME_CHARS_MAX - 4) + ".a_b"; // 249 characters
const utf8 = new TextEncoder();
const node = createNodeRuntime();
const tempDirs: string[] = [];

afterEach(async () => {
  for (const dir of tempDirs.splice(0)) await node.fs.remove(dir, { recursive: true });
});

async function nodeDataDir(): Promise<string> {
  const dir = await node.fs.makeTempDir("tributary-long-names-");
  tempDirs.push(dir);
  return dir;
}

function brokerOptions(dataDir: string, logger = captureLogs().logger) {
  return { nodeId: 1, dataDir, host: "127.0.0.1", port: 0, logger };
}

/** Create (3 partitions, one record), delete, restart, create again: nothing is left behind. */
async function createDeleteRestart(rt: Runtime, dataDir: string): Promise<void> {
  let broker = await Broker.open(rt, brokerOptions(dataDir));
  await broker.createTopic({ name: LONGEST, partitions: 3 });
  await broker.produce({ topic: LONGEST, partition: 2, batches: batch(["v"]), acks: -1 });
  await broker.deleteTopic(LONGEST);
  const left = (await rt.fs.list(dataDir)).filter((e) => e.name.startsWith("tttt"));
  expect(left).toEqual([]);
  await broker.close();
  broker = await Broker.open(rt, brokerOptions(dataDir));
  expect(broker.listTopics().map((t) => t.name)).toEqual([]);
  await broker.createTopic({ name: LONGEST, partitions: 3 });
  expect(await readAll(broker, LONGEST, 2)).toEqual([]);
  await broker.close();
}

describe("topic names of 249 characters", () => {
  it("every derived directory name fits 255 bytes", () => {
    const id = "0123abcd-0000-4000-8000-00000000beef";
    const hex = id.replaceAll("-", "");
    for (const partition of [0, 9, 99, PARTITIONS_PER_TOPIC_MAX - 1]) {
      expect(utf8.encode(partitionDirName(LONGEST, partition)).length).toBeLessThanOrEqual(255);
      const deleting = deletingDirName(LONGEST, partition, id);
      expect(utf8.encode(deleting).length).toBeLessThanOrEqual(255);
      expect(deleting.endsWith(`-${partition}.${hex}-delete`)).toBe(
        true,
      );
    }
    expect(deletingDirName("orders", 3, id)).toBe(
      `orders-3.${hex}-delete`,
    );
  });

  it("are created, deleted and created again on a real disk, across a restart", async () => {
    await createDeleteRestart(node, await nodeDataDir());
  });

  it("are created, deleted and created again on the simulated disk (NAME_MAX enforced)", async () => {
    const world = new SimWorld({ seed: 3 });
    const rt = world.runtime("b1");
    await world.run(() => createDeleteRestart(rt, "/data"), {
      maxSteps: 100_000,
      maxVirtualMs: 60_000,
    });
  });

  it("DELETE /v1/topics/{topic} answers 204 and the broker restarts on the directory", async () => {
    const dataDir = await nodeDataDir();
    const options = { dataDir, port: 0, httpPort: 0 } as const;
    let running = await startBroker(node, options);
    try {
      await running.broker.createTopic({ name: LONGEST, partitions: 2 });
      const res = await fetch(`${running.httpUrl}/v1/topics/${LONGEST}`, { method: "DELETE" });
      expect(res.status).toBe(204);
    } finally {
      await running.close();
    }
    running = await startBroker(node, options);
    expect(running.broker.listTopics().filter((t) => !t.internal)).toEqual([]);
    await running.close();
  });
});

describe("leftover directories in the data directory", () => {
  async function mkdirWith(fs: FileSystem, dir: string, file: string, text = "x"): Promise<void> {
    await fs.mkdirp(dir);
    const f = await fs.open(`${dir}/${file}`, { create: true, write: true });
    await f.writeAt(utf8.encode(text), 0);
    await f.close();
  }

  it("never stop a start: -delete and orphaned partition dirs go, unknown ones stay, all logged", async () => {
    const dataDir = await nodeDataDir();
    const fs = node.fs;
    // What the old code left when deleting a 249-character topic failed (ENAMETOOLONG): the
    // partition directory of a topic the metadata log no longer has.
    const orphan = `${dataDir}/${partitionDirName(LONGEST, 0)}`;
    await mkdirWith(fs, orphan, "00000000000000000000.log", "");
    await writePartitionTopicId(fs, orphan, "5f8a7c3e-1b2d-4e6f-8a9b-0c1d2e3f4a5b");
    await mkdirWith(fs, `${dataDir}/gone-0.5f8a7c3e1b2d4e6f8a9b0c1d2e3f4a5b-delete`, "x.log");
    await mkdirWith(fs, `${dataDir}/lost+found`, "inode");
    await mkdirWith(fs, `${dataDir}/stray-7`, "notes.txt");
    await mkdirWith(fs, `${dataDir}/broken-0`, "partition.metadata", "garbage");

    const { logger, lines: events } = captureLogs();
    const broker = await Broker.open(node, brokerOptions(dataDir, logger));
    await broker.createTopic({ name: "live" });
    await broker.close();

    const names = (await fs.list(dataDir)).map((e) => e.name).sort();
    expect(names).toEqual(
      ["__cluster_metadata-0", "broken-0", "live-0", "lost+found", "meta.properties", "stray-7"],
    );
    const byEvent = (event: string) =>
      events.filter((e) => e.event === event).map((e) => [e.level, e.dir]);
    expect(byEvent("topic.leftover_dir_removed").sort()).toEqual(
      [
        ["warn", "gone-0.5f8a7c3e1b2d4e6f8a9b0c1d2e3f4a5b-delete"],
        ["warn", partitionDirName(LONGEST, 0)],
      ].sort(),
    );
    expect(byEvent("topic.leftover_dir_kept").sort()).toEqual(
      [["warn", "broken-0"], ["warn", "lost+found"], ["warn", "stray-7"]],
    );
  });

  it("a leftover that cannot be removed is logged and kept; the broker starts", async () => {
    const dataDir = await nodeDataDir();
    const stuck = `${dataDir}/stuck-0.5f8a7c3e1b2d4e6f8a9b0c1d2e3f4a5b-delete`;
    await mkdirWith(node.fs, stuck, "00000000000000000000.log");
    const fs: FileSystem = {
      ...node.fs,
      remove: (path, options) =>
        path === stuck
          ? Promise.reject(new RuntimeIoError("EACCES", `remove ${path}: permission denied`))
          : node.fs.remove(path, options),
    };
    const { logger, lines: events } = captureLogs();
    const broker = await Broker.open({ ...node, fs }, brokerOptions(dataDir, logger));
    await broker.close();
    expect(await node.fs.exists(stuck)).toBe(true);
    const kept = events.find((e) => e.event === "topic.leftover_dir_kept");
    expect(kept).toMatchObject({
      level: "warn",
      dir: stuck.slice(dataDir.length + 1),
      code: "EACCES",
    });
  });
});
