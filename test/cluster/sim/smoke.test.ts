// Three real cluster nodes (controller + broker each) in one seeded simulation: the quorum
// forms, brokers register, an RF 3 topic is created and served with acks=all.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../../runtime/sim/world.ts";
import {
  type RunningClusterNode,
  startClusterNode,
} from "../../../src/server/start-cluster-node.ts";
import { Admin } from "../../../src/client/admin.ts";
import { Producer } from "../../../src/client/producer.ts";
import { Consumer } from "../../../src/client/consumer.ts";
import { createLogger } from "../../../src/logging/logger.ts";
import type { ClusterServeOptions } from "../../../src/server/cluster-options.ts";

const bounds = { maxSteps: 5_000_000, maxVirtualMs: 120_000 };

function clusterOptions(nodeId: number): ClusterServeOptions {
  return {
    nodeId,
    processRoles: ["broker", "controller"],
    voters: [1, 2, 3].map((id) => ({ id, host: `n${id}`, port: 9193 })),
    controllerPort: 9193,
    rack: null,
    advertisedHost: `n${nodeId}`,
    brokerSessionTimeoutMs: 1500,
    brokerHeartbeatIntervalMs: 250,
    replicaLagTimeMaxMs: 10_000,
    minInsyncReplicas: 1,
    defaultReplicationFactor: 1,
    offsetsTopicReplicationFactor: 3,
    uncleanLeaderElectionEnable: false,
    autoLeaderRebalanceEnable: true,
    controlledShutdownEnable: true,
  };
}

describe("cluster smoke (sim)", () => {
  it("forms, registers three brokers and serves an RF 3 topic with acks=all", async () => {
    const world = new SimWorld({ seed: Number(process.env.SIM_SEED ?? 1) });
    const lines: string[] = [];
    const nodes: RunningClusterNode[] = [];
    await world.run(async () => {
      const started = await Promise.all([1, 2, 3].map((id) => {
        const rt = world.runtime(`n${id}`);
        const logger = createLogger({
          write: (line) => void lines.push(line),
          level: "info",
          format: "text",
          nowMs: () => rt.clock.nowMs(),
        });
        return startClusterNode(rt, {
          dataDir: "/data",
          host: `n${id}`,
          port: 9093,
          httpPort: null,
          cluster: clusterOptions(id),
          logger,
        });
      }));
      nodes.push(...started);
      const crt = world.runtime("client");
      const bootstrap = "n1:9093,n2:9093,n3:9093";
      const admin = new Admin(crt, { bootstrap });
      // Registration completes shortly after start.
      for (let i = 0; i < 100; i++) {
        const md = await admin.describeCluster();
        if (md.brokers.length === 3) break;
        await crt.timers.sleep(100);
      }
      const created = await admin.createTopic("t", { partitions: 3, replicationFactor: 3 });
      expect(created.partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);
      const producer = new Producer(crt, { bootstrap, acks: "all" });
      const sent = await Promise.all(
        Array.from({ length: 30 }, (_, i) => producer.send({ topic: "t", value: `v${i}` })),
      );
      expect(sent.length).toBe(30);
      await producer.close();
      const consumer = new Consumer(crt, { bootstrap, autoOffsetReset: "earliest" });
      consumer.assign([0, 1, 2].map((partition) => ({ topic: "t", partition })));
      const seen = new Set<string>();
      for await (const r of consumer) {
        seen.add(new TextDecoder().decode(r.value ?? new Uint8Array()));
        if (seen.size === 30) break;
      }
      await consumer.close();
      // Admin changes go through any broker to the active controller.
      const grown = await admin.createPartitions("t", 5);
      expect(grown.partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3, 3, 3]);
      const elected = await admin.electLeaders([{ topic: "t" }]);
      expect(elected.map((r) => r.outcome)).toEqual(Array(5).fill("already-preferred"));
      // Every node reports the quorum and replication gauges; exactly one controller is active.
      const rendered = nodes.map((n) => n.metrics.render());
      for (const text of rendered) {
        expect(text).toMatch(/^tributary_raft_term [1-9]/m);
        expect(text).toMatch(/^tributary_broker_fenced 0$/m);
        expect(text).toMatch(/^tributary_under_replicated_partitions 0$/m);
      }
      expect(rendered.filter((t) => /^tributary_controller_active 1$/m.test(t)).length).toBe(1);
      const led = rendered.map((t) => Number(/^tributary_leader_partitions (\d+)$/m.exec(t)?.[1]));
      expect(led.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3);
      await admin.close();
      for (const n of nodes) await n.close();
      const warns = lines.filter((l) => / (WARN|ERROR) /.test(l));
      if (process.env.SHOW_WARN) console.log(warns.join("\n"));
    }, bounds).catch((err) => {
      console.log(lines.slice(-80).join("\n"));
      throw err;
    });
  });
});
