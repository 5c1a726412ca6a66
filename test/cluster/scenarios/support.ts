// Three (or five) real cluster nodes in one SimWorld for the named failure scenarios: every
// node broker + controller on host n<id>, a client host, and helpers to find leaders.
import type { SimWorld } from "../../../runtime/sim/world.ts";
import { Admin } from "../../../src/client/admin.ts";
import { createLogger } from "../../../src/logging/logger.ts";
import type { ClusterServeOptions } from "../../../src/server/cluster-options.ts";
import {
  type RunningClusterNode,
  startClusterNode,
} from "../../../src/server/start-cluster-node.ts";

export function clusterOptions(nodeId: number, voters: number): ClusterServeOptions {
  return {
    nodeId,
    processRoles: ["broker", "controller"],
    voters: Array.from(
      { length: voters },
      (_, i) => ({ id: i + 1, host: `n${i + 1}`, port: 9193 }),
    ),
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
    autoLeaderRebalanceEnable: false,
    controlledShutdownEnable: true,
  };
}

export interface SimCluster {
  nodes: Map<number, RunningClusterNode>;
  lines: string[];
  bootstrap: string;
  start(id: number): Promise<RunningClusterNode>;
  admin(): Admin;
}

export async function startSimCluster(world: SimWorld, voters = 3): Promise<SimCluster> {
  const lines: string[] = [];
  const nodes = new Map<number, RunningClusterNode>();
  const start = async (id: number) => {
    const rt = world.runtime(`n${id}`);
    const logger = createLogger({
      write: (line) => void lines.push(line),
      level: "info",
      format: "text",
      nowMs: () => rt.clock.nowMs(),
    });
    const node = await startClusterNode(rt, {
      dataDir: "/data",
      host: `n${id}`,
      port: 9093,
      httpPort: null,
      cluster: clusterOptions(id, voters),
      logger,
    });
    nodes.set(id, node);
    return node;
  };
  await Promise.all(Array.from({ length: voters }, (_, i) => start(i + 1)));
  const bootstrap = Array.from({ length: voters }, (_, i) => `n${i + 1}:9093`).join(",");
  const crt = world.runtime("client");
  return { nodes, lines, bootstrap, start, admin: () => new Admin(crt, { bootstrap }) };
}

/** The partition's leader as node `id` sees it in its committed image. */
export function leaderSeenBy(
  cluster: SimCluster,
  id: number,
  topic: string,
  partition: number,
): number | undefined {
  return cluster.nodes.get(id)?.membership.committed.image.topic(topic)?.partitions[partition]
    ?.leader;
}

/** Waits (virtual time, bounded) until test holds. */
export async function until(
  world: SimWorld,
  test: () => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const rt = world.runtime("client");
  const deadline = rt.clock.nowMs() + timeoutMs;
  while (!test()) {
    if (rt.clock.nowMs() > deadline) throw new Error(`timed out waiting for ${what}`);
    await rt.timers.sleep(20);
  }
}
