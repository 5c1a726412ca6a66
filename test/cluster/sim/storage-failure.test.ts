// A partition leader whose fsync fails (found by the cluster simulation, 3 nodes, seed 10): its
// log fails, and the replica manager's ISR timer read the failed log's end, which throws
// KAFKA_STORAGE_ERROR out of the timer callback, a crash of the whole broker process. The
// replica goes offline instead and the node keeps running: its other partitions still serve.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { Admin } from "../../../src/client/admin.ts";
import { Producer } from "../../../src/client/producer.ts";
import { fixedSeedNames, runWatched } from "../../support/sim-seeds.ts";
import { failSyncIn } from "./faults.ts";
import { nodeName, SimCluster } from "./sim-cluster.ts";

const TEST_PATH = "test/cluster/sim/storage-failure.test.ts";
const TITLE = "a leader's failed fsync takes its replica offline, not the broker process";

describe("cluster: storage failure on a partition leader (sim)", () => {
  it(TITLE, async () => {
    const world = new SimWorld({ seed: 7 });
    const lines: string[] = [];
    const cluster = new SimCluster(world, {
      nodeCount: 3,
      minInsyncReplicas: 1,
      replicaLagTimeMaxMs: 10_000,
      log: (line) => void lines.push(line),
    });
    await runWatched(world, fixedSeedNames(TEST_PATH, TITLE), async () => {
      await cluster.startAll();
      const rt = world.runtime("client");
      const admin = new Admin(rt, { bootstrap: cluster.bootstrap });
      for (let i = 0; i < 100 && (await admin.describeCluster()).brokers.length < 3; i++) {
        await rt.timers.sleep(100);
      }
      const created = await admin.createTopic("t", { partitions: 2, replicationFactor: 3 });
      await admin.close();
      const producer = new Producer(rt, {
        bootstrap: cluster.bootstrap,
        acks: "all",
        deliveryTimeoutMs: 5_000,
      });
      await producer.send({ topic: "t", partition: 0, value: "before" });
      const leader = created.partitions[0].leader;
      failSyncIn(world.node(nodeName(leader)).fs, 1);
      // The next acks=all write is fsynced by the leader: that sync fails.
      const failing = producer.send({ topic: "t", partition: 0, value: "fails" }).catch(() => null);
      // Past the ISR check interval (half of replica.lag.time.max.ms): the timer ran over the
      // failed log.
      await rt.timers.sleep(6_000);
      await failing;
      const node = cluster.running(leader)!;
      const topicId = node.membership.committed.image.topic("t")!.topicId;
      expect(node.replicas.roleOf({ topic: "t", topicId, partition: 0 })).toBe("offline");
      const after = await producer.send({ topic: "t", partition: 1, value: "after" });
      expect(after.offset).toBe(0);
      await producer.close();
      expect(lines.some((l) => /partition\.offline/.test(l))).toBe(true);
    }, { maxSteps: 5_000_000, maxVirtualMs: 120_000 });
  });
});
