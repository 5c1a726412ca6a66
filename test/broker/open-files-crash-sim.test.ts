// Durable produce under simulated power cuts with a tiny open-file budget: 12 partitions of
// 1 KiB segments through 16 descriptors, so segment files are closed and reopened all the time,
// dirty ones fsynced on the way out. Every batch acknowledged with acks=all before the crash is
// there after reopening the broker on the same disk.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import type { Runtime } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import { runWatchedSeed, simSeeds } from "../support/sim-seeds.ts";
import { batch, readAll } from "./helpers.ts";

const PARTITIONS = 12;
const BATCHES = 120;
const IN_FLIGHT_MAX = 8;
const SEEDS = simSeeds(6).seeds;
const names = {
  simulation: "open-files crash simulation",
  testPath: "test/broker/open-files-crash-sim.test.ts",
};
const bounds = { maxSteps: 400_000, maxVirtualMs: 300_000 };
const options = {
  nodeId: 1,
  dataDir: "/data",
  host: "127.0.0.1",
  port: 0,
  openFilesMax: 16,
  defaultTopicConfigs: { "segment.bytes": "1024" },
};

interface Acked {
  partition: number;
  offset: number;
  value: string;
}

async function produceUntilCrash(world: SimWorld, rt: Runtime): Promise<Acked[]> {
  const broker = await Broker.open(rt, options);
  await broker.createTopic({ name: "t", partitions: PARTITIONS });
  const crashAfterAcks = 20 + world.random.int(BATCHES - 40);
  const acked: Acked[] = [];
  let crashed = false;
  let onCrash!: () => void;
  const crash = new Promise<void>((resolve) => (onCrash = resolve));
  for (let from = 0; from < BATCHES && !crashed; from += IN_FLIGHT_MAX) {
    const group: Promise<void>[] = [];
    for (let i = from; i < from + IN_FLIGHT_MAX; i++) {
      const partition = world.random.int(PARTITIONS);
      const value = `v${i}-`.padEnd(300, "x");
      const produced = broker.produce({ topic: "t", partition, batches: batch([value]), acks: -1 });
      group.push(produced.then(({ baseOffset }) => {
        if (crashed) return;
        acked.push({ partition, offset: baseOffset, value });
        if (acked.length >= crashAfterAcks) {
          expect(broker.openFiles.evictions).toBeGreaterThan(0);
          crashed = true;
          world.crash("b1");
          onCrash();
        }
      }));
    }
    await Promise.race([Promise.all(group), crash]);
  }
  expect(crashed).toBe(true);
  return acked;
}

async function reopenAndCheck(rt: Runtime, acked: Acked[]): Promise<void> {
  const broker = await Broker.open(rt, options);
  for (let p = 0; p < PARTITIONS; p++) {
    const records = await readAll(broker, "t", p);
    for (const a of acked.filter((x) => x.partition === p)) {
      expect(records.find((r) => r.offset === a.offset)?.value, `p${p} @${a.offset}`).toBe(
        a.value,
      );
    }
  }
  await broker.close();
}

describe("durable produce across simulated crashes with evicted file handles", () => {
  for (const seed of SEEDS) {
    it(`keeps every acknowledged record (seed ${seed})`, async () => {
      const world = new SimWorld({ seed });
      const rt = world.runtime("b1");
      await runWatchedSeed(seed, names, async () => {
        const acked = await world.run(() => produceUntilCrash(world, rt), bounds);
        await world.run(() => reopenAndCheck(rt, acked), bounds);
      });
    });
  }
});
