// Split roles (issue 11 §1: `--process-roles` broker, controller or both): three
// controller-only voters and two broker-only nodes form one cluster; the brokers register with
// the active controller, serve an RF 2 topic, and the controllers claim their data directories
// for the cluster id the quorum agreed on.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import { Admin } from "../../../src/client/admin.ts";
import { Consumer } from "../../../src/client/consumer.ts";
import { Producer } from "../../../src/client/producer.ts";
import { readMetaProperties } from "../../../src/broker/meta-properties.ts";
import {
  type RunningClusterNode,
  type RunningControllerNode,
  startClusterNode,
  startControllerNode,
} from "../../../src/server/start-cluster-node.ts";
import { clusterOptions } from "./support.ts";

const bounds = { maxSteps: 5_000_000, maxVirtualMs: 120_000 };

describe("split roles (sim)", () => {
  it("three controller-only voters and two broker-only nodes serve an RF 2 topic", async () => {
    const world = new SimWorld({ seed: 7 });
    await world.run(async () => {
      const voters = [1, 2, 3];
      const base = (id: number) => ({ ...clusterOptions(id, 3), advertisedHost: `n${id}` });
      const controllers: RunningControllerNode[] = await Promise.all(
        voters.map((id) =>
          startControllerNode(world.runtime(`n${id}`), {
            dataDir: "/data",
            host: `n${id}`,
            cluster: { ...base(id), processRoles: ["controller"] },
          })
        ),
      );
      const brokers: RunningClusterNode[] = await Promise.all(
        [4, 5].map((id) =>
          startClusterNode(world.runtime(`n${id}`), {
            dataDir: "/data",
            host: `n${id}`,
            port: 9093,
            httpPort: null,
            cluster: { ...base(id), processRoles: ["broker"], controllerPort: null },
          })
        ),
      );
      const crt = world.runtime("client");
      const bootstrap = "n4:9093,n5:9093";
      const admin = new Admin(crt, { bootstrap });
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => b.id)).toEqual([4, 5]);
      expect(voters).toContain(cluster.controllerId);
      await admin.createTopic("t", { partitions: 2, replicationFactor: 2 });
      const producer = new Producer(crt, { bootstrap, acks: "all" });
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => producer.send({ topic: "t", value: `v${i}` })),
      );
      await producer.close();
      const consumer = new Consumer(crt, { bootstrap, autoOffsetReset: "earliest" });
      consumer.assign([0, 1].map((partition) => ({ topic: "t", partition })));
      let read = 0;
      for await (const _ of consumer) if (++read === 10) break;
      await consumer.close();
      await admin.close();
      // Every controller holds the quorum's cluster id in its meta.properties.
      const ids = await Promise.all(
        voters.map((id) =>
          readMetaProperties(world.runtime(`n${id}`).fs, "/data").then((m) => m?.clusterId)
        ),
      );
      expect(new Set(ids)).toEqual(new Set([controllers[0].controller.clusterId]));
      for (const b of brokers) await b.close();
      for (const c of controllers) await c.close();
    }, bounds);
  }, 60_000);
});
