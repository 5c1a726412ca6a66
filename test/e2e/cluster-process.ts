// A cluster of real `tributary serve` processes on 127.0.0.1 for the end-to-end suites: every
// node both broker and controller, under the hosts given (one per node, so a mixed cluster is
// ["node", "deno", "bun"]). Ports are picked free up front, because every node must be told the
// quorum's addresses before any of them starts. Every wait is bounded and stopAll() leaves no
// process or directory behind.
import { createServer } from "node:net";
import {
  type BrokerProcess,
  type HostName,
  makeTempDir,
  requireHost,
  startBrokerProcess,
} from "./broker-process.ts";

export interface ClusterNode {
  readonly nodeId: number;
  readonly host: HostName;
  readonly dataDir: string;
  readonly port: number;
  readonly httpPort: number;
  readonly controllerPort: number;
  /** The Kafka listener's port, when the cluster was started with `kafka: true`. */
  readonly kafkaPort: number | null;
  process: BrokerProcess | null;
}

export interface ClusterBrokerView {
  id: number;
  host: string;
  port: number;
  httpPort?: number;
  rack: string | null;
  state: string;
}

export interface ClusterView {
  clusterId: string;
  controllerId: number | null;
  brokers: ClusterBrokerView[];
}

export interface ProcessCluster {
  readonly nodes: ClusterNode[];
  /** Every node's CBOR address, comma-separated: what a client bootstraps from. */
  readonly bootstrap: string;
  node(nodeId: number): ClusterNode;
  /** GET /v1/cluster from the first node that answers. */
  describe(): Promise<ClusterView>;
  /** Waits until `count` brokers are registered and active. */
  waitForActiveBrokers(count: number, timeoutMs?: number): Promise<ClusterView>;
  kill9(nodeId: number): Promise<void>;
  /** SIGTERM (controlled shutdown), waiting for the exit. */
  stop(nodeId: number): Promise<number | null>;
  /** Starts the node again on its data directory and ports. */
  restart(nodeId: number): Promise<void>;
  signal(nodeId: number, signal: "SIGSTOP" | "SIGCONT"): void;
  stopAll(): Promise<void>;
  /** The end of every running node's stderr, for a failure message. */
  logTails(chars?: number): string;
}

export interface ProcessClusterOptions {
  /** One host per node. */
  hosts: HostName[];
  /** More `serve` flags for every node. */
  extraArgs?: string[];
  startTimeoutMs?: number;
  /**
   * The port node `fromId` is told for voter `to`'s controller listener (default its real one):
   * a test returns a FaultProxy's port here to sit between two nodes' controller traffic.
   */
  quorumPort?: (fromId: number, to: ClusterNode) => Promise<number>;
  /** Gives every node a Kafka listener on a free port (off otherwise). */
  kafka?: boolean;
}

export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export async function startProcessCluster(options: ProcessClusterOptions): Promise<ProcessCluster> {
  for (const host of new Set(options.hosts)) requireHost(host);
  const ports = await freePorts(options.hosts.length * 3);
  const kafkaPorts = options.kafka ? await freePorts(options.hosts.length) : [];
  const dirs = options.hosts.map(() => makeTempDir("tributary-cluster-"));
  const nodes: ClusterNode[] = options.hosts.map((host, i) => ({
    nodeId: i + 1,
    host,
    dataDir: dirs[i].path,
    port: ports[3 * i],
    httpPort: ports[3 * i + 1],
    controllerPort: ports[3 * i + 2],
    kafkaPort: kafkaPorts[i] ?? null,
    process: null,
  }));
  const quorums = new Map<number, string>();
  for (const from of nodes) {
    const entries: string[] = [];
    for (const to of nodes) {
      const port = to === from || options.quorumPort === undefined
        ? to.controllerPort
        : await options.quorumPort(from.nodeId, to);
      entries.push(`${to.nodeId}@127.0.0.1:${port}`);
    }
    quorums.set(from.nodeId, entries.join(","));
  }
  // Each node's latest process, kept after it stopped, for logTails().
  const latest = new Map<number, BrokerProcess>();
  const start = async (node: ClusterNode) => {
    node.process = await startBrokerProcess(node.host, {
      dataDir: node.dataDir,
      port: node.port,
      httpPort: node.httpPort,
      ...(node.kafkaPort !== null ? { kafkaPort: node.kafkaPort } : {}),
      startTimeoutMs: options.startTimeoutMs ?? 30_000,
      extraArgs: [
        "--node-id",
        String(node.nodeId),
        "--process-roles",
        "broker,controller",
        "--controller-quorum",
        quorums.get(node.nodeId) ?? "",
        "--controller-port",
        String(node.controllerPort),
        ...(options.extraArgs ?? []),
      ],
    });
    latest.set(node.nodeId, node.process);
  };
  const byId = (id: number) => {
    const node = nodes.find((n) => n.nodeId === id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  };
  const cluster: ProcessCluster = {
    nodes,
    bootstrap: nodes.map((n) => `127.0.0.1:${n.port}`).join(","),
    node: byId,
    async describe() {
      let last: unknown = null;
      for (const n of nodes) {
        if (n.process === null) continue;
        try {
          const res = await fetch(`http://127.0.0.1:${n.httpPort}/v1/cluster`, {
            signal: AbortSignal.timeout(2_000),
          });
          if (res.ok) return (await res.json()) as ClusterView;
          last = new Error(`node ${n.nodeId}: HTTP ${res.status} ${await res.text()}`);
        } catch (err) {
          last = err;
        }
      }
      throw new Error(`no node answered /v1/cluster: ${String(last)}`);
    },
    async waitForActiveBrokers(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let view: ClusterView | null = null;
      let last: unknown = null;
      while (Date.now() < deadline) {
        try {
          view = await cluster.describe();
          if (view.brokers.filter((b) => b.state === "running").length >= count) return view;
        } catch (err) {
          last = err;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `${count} active brokers not reached in ${timeoutMs} ms: ${JSON.stringify(view)} ` +
          `${String(last)}\n${nodes.map((n) => n.process?.stderr().slice(-1500)).join("\n")}`,
      );
    },
    async kill9(id) {
      const node = byId(id);
      await node.process?.kill9();
      node.process = null;
    },
    async stop(id) {
      const node = byId(id);
      const code = (await node.process?.stop()) ?? null;
      node.process = null;
      return code;
    },
    async restart(id) {
      const node = byId(id);
      if (node.process !== null) throw new Error(`node ${id} is running`);
      await start(node);
    },
    signal(id, signal) {
      byId(id).process?.child.kill(signal);
    },
    logTails(chars = 3000) {
      return nodes.map((n) =>
        `--- node ${n.nodeId} (${n.host}):\n${latest.get(n.nodeId)?.stderr().slice(-chars) ?? ""}`
      ).join("\n");
    },
    async stopAll() {
      for (const n of nodes) n.process?.child.kill("SIGCONT");
      await Promise.allSettled(nodes.map((n) => n.process?.kill9()));
      for (const n of nodes) n.process = null;
      for (const d of dirs) d.remove();
    },
  };
  try {
    // All at once: a node waits for the quorum, which needs the others.
    await Promise.all(nodes.map(start));
  } catch (err) {
    await cluster.stopAll();
    throw err;
  }
  return cluster;
}
