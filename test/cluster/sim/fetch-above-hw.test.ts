// A consumer fetch at an offset between a leader's high watermark and its log end (found by the
// cluster simulation, 3 nodes, seed 35). A new leader's HW can lag the old leader's until its
// ISR fetched again, so a consumer that read up to the old HW asks the new leader for offsets
// above the new HW. The broker answered OFFSET_OUT_OF_RANGE and the consumer reset by its
// policy: re-reading the partition from "earliest" or skipping to "latest". As in Kafka, only an
// offset past the log end is out of range; between HW and log end the answer is empty.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { Admin } from "../../../src/client/admin.ts";
import { Producer } from "../../../src/client/producer.ts";
import { fixedSeedNames, runWatched } from "../../support/sim-seeds.ts";
import { nodeName, SimCluster } from "./sim-cluster.ts";

const TEST_PATH = "test/cluster/sim/fetch-above-hw.test.ts";
const TITLE = "a fetch between the high watermark and the log end is empty, not out of range";

describe("cluster: consumer fetch above the high watermark (sim)", () => {
  it(TITLE, async () => {
    const world = new SimWorld({ seed: 3 });
    const cluster = new SimCluster(world, {
      nodeCount: 3,
      minInsyncReplicas: 1,
      replicaLagTimeMaxMs: 30_000,
      log: () => {},
    });
    await runWatched(world, fixedSeedNames(TEST_PATH, TITLE), async () => {
      await cluster.startAll();
      const rt = world.runtime("client");
      const admin = new Admin(rt, { bootstrap: cluster.bootstrap });
      for (let i = 0; i < 100 && (await admin.describeCluster()).brokers.length < 3; i++) {
        await rt.timers.sleep(100);
      }
      const created = await admin.createTopic("t", { partitions: 1, replicationFactor: 3 });
      await admin.close();
      const leaderId = created.partitions[0].leader;
      const producer = new Producer(rt, { bootstrap: cluster.bootstrap, acks: 1 });
      await producer.send({ topic: "t", partition: 0, value: "a" });
      // Followers cut off (well inside replica.lag.time.max.ms, so the ISR keeps them): acks=1
      // writes land on the leader alone and its HW stays behind its log end.
      for (const id of cluster.ids) {
        if (id !== leaderId) world.net.partition(nodeName(leaderId), nodeName(id));
      }
      await producer.send({ topic: "t", partition: 0, value: "b" });
      const last = await producer.send({ topic: "t", partition: 0, value: "c" });
      const leader = cluster.running(leaderId)!;
      const hw = leader.broker.partitionOffsets("t", 0)!.highWatermark;
      expect(hw).toBeLessThan(last.offset);
      const fetch = (offset: number) =>
        leader.broker.fetch({
          partitions: [{ topic: "t", partition: 0, offset, maxBytes: 1 << 20 }],
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 1 << 20,
        });
      const [above] = await fetch(last.offset);
      expect(above.error).toBeUndefined();
      expect(above.records.length).toBe(0);
      expect(above.highWatermark).toBe(hw);
      // Past the log end is out of range still.
      const [past] = await fetch(last.offset + 2);
      expect(past.errorMessage).toMatch(/outside \[0, 3\]/);
      expect(past.error).toBe("OFFSET_OUT_OF_RANGE");
      world.net.healAll();
      await producer.close();
    }, { maxSteps: 5_000_000, maxVirtualMs: 120_000 });
  });
});
