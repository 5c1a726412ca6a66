// The three-node clusters of the cluster benchmarks: `tributary serve` processes on 127.0.0.1,
// each broker and controller (a 3-voter quorum), under one host runtime, on free ports and
// temporary data directories. Every wait is bounded.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Admin } from "../src/client/admin.ts";
import type { PartitionDescription } from "../src/model/descriptions.ts";
import { freePort, type Server, sleep, startServer } from "./proc.ts";
import { type Host, serveCommand } from "./tributary.ts";

const START_TIMEOUT_MS = 60_000;
export const WAIT_MS_MAX = 60_000;

export interface Node {
  id: number;
  port: number;
  httpPort: number;
  controllerPort: number;
  dataDir: string;
  server: Server | null;
}

export interface BenchCluster {
  nodes: Node[];
  quorum: string;
  bootstrap: string;
  host: Host;
}

export async function newCluster(host: Host, dataDirIn?: string): Promise<BenchCluster> {
  const nodes: Node[] = [];
  for (let id = 1; id <= 3; id++) {
    nodes.push({
      id,
      port: await freePort(),
      httpPort: await freePort(),
      controllerPort: await freePort(),
      dataDir: mkdtempSync(join(dataDirIn ?? tmpdir(), `tributary-bench-cluster-${id}-`)),
      server: null,
    });
  }
  return {
    nodes,
    quorum: nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(","),
    bootstrap: nodes.map((n) => `127.0.0.1:${n.port}`).join(","),
    host,
  };
}

export async function startNode(c: BenchCluster, node: Node, extraArgs: string[] = []) {
  const [cmd, ...args] = serveCommand(c.host);
  // BENCH_NODE_FLAGS (node only), e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" with BENCH_SIGTERM=1.
  if (c.host === "node" && process.env.BENCH_NODE_FLAGS) {
    args.unshift(...process.env.BENCH_NODE_FLAGS.split(" "));
  }
  node.server = await startServer(
    cmd,
    [
      ...args,
      "serve",
      "--data-dir",
      node.dataDir,
      "--host",
      "127.0.0.1",
      "--port",
      String(node.port),
      "--http-port",
      String(node.httpPort),
      "--node-id",
      String(node.id),
      "--process-roles",
      "broker,controller",
      "--controller-quorum",
      c.quorum,
      "--controller-port",
      String(node.controllerPort),
      ...extraArgs,
    ],
    /bootstrap=(\S+) http=(\S+)/,
    { timeoutMs: START_TIMEOUT_MS, what: `cluster node ${node.id} under ${c.host}` },
  );
}

/** Sends signal and resolves with the exit code once the process is gone. */
export async function stopNode(
  node: Node,
  signal: "SIGKILL" | "SIGTERM",
): Promise<number | null> {
  const child = node.server?.child;
  node.server = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    return child?.exitCode ?? null;
  }
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill(signal);
  return await exited;
}

export function kill9(node: Node): Promise<number | null> {
  return stopNode(node, "SIGKILL");
}

/**
 * Stops every node and removes their data directories. BENCH_SIGTERM=1 stops them with SIGTERM
 * (so `NODE_OPTIONS=--cpu-prof` writes each node's profile).
 */
export async function removeCluster(c: BenchCluster): Promise<void> {
  const signal = process.env.BENCH_SIGTERM === "1" ? "SIGTERM" : "SIGKILL";
  await Promise.all(c.nodes.map((n) => stopNode(n, signal)));
  for (const n of c.nodes) rmSync(n.dataDir, { recursive: true, force: true });
}

export async function waitForBrokers(admin: Admin, count: number): Promise<void> {
  const deadline = Date.now() + WAIT_MS_MAX;
  while ((await admin.describeCluster().catch(() => null))?.brokers.length !== count) {
    if (Date.now() > deadline) throw new Error(`${count} brokers not registered`);
    await sleep(100);
  }
}

/** Polls the partition (every 100 ms, bounded) until ok holds. */
export async function waitFor(
  admin: Admin,
  topic: string,
  ok: (p: PartitionDescription) => boolean,
  partition = 0,
): Promise<PartitionDescription> {
  const deadline = Date.now() + WAIT_MS_MAX;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const p = (await admin.describeTopic(topic)).partitions[partition];
      if (p !== undefined && ok(p)) return p;
      last = p;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`${topic}: state not reached in ${WAIT_MS_MAX} ms: ${JSON.stringify(last)}`);
}

export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
