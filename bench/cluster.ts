// Cluster benchmarks (issue 11 §6): three `tributary serve` processes on this machine, each broker
// and controller, under one host runtime. (1) Produce throughput with acks=all to an RF 3 topic
// (min.insync.replicas 2) and to an RF 1 topic, through `tributary perf produce`; (2) failover
// time: SIGKILL of a partition's leader to the first acks=all produce acknowledged after it,
// FAILOVERS times, the killed node restarted and back in the ISR before the next kill.
//
//   npm run build && node dist/bench/cluster.js [records] [failovers] [host]
//
// Defaults: 300,000 records of 100 B, 20 failovers, node. Prints a JSON summary last.

import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createNodeRuntime } from "../runtime/node/mod.ts";
import { Admin } from "../src/client/admin.ts";
import { Producer } from "../src/client/producer.ts";
import type { PartitionDescription } from "../src/model/descriptions.ts";
import { freePort, killAll, type Server, sleep, startServer } from "./proc.ts";
import { type Host, HOSTS, perf, serveCommand } from "./tributary.ts";

const RECORDS = Number(process.argv[2] ?? 300_000);
const FAILOVERS = Number(process.argv[3] ?? 20);
const HOST = (process.argv[4] ?? "node") as Host;
const RECORD_BYTES = 100;
const PARTITIONS = 3;
const START_TIMEOUT_MS = 60_000;
const WAIT_MS_MAX = 60_000;
const rt = createNodeRuntime();

interface Node {
  id: number;
  port: number;
  httpPort: number;
  controllerPort: number;
  dataDir: string;
  server: Server | null;
}

async function startNode(node: Node, quorum: string): Promise<void> {
  const [cmd, ...args] = serveCommand(HOST);
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
      quorum,
      "--controller-port",
      String(node.controllerPort),
    ],
    /bootstrap=(\S+) http=(\S+)/,
    { timeoutMs: START_TIMEOUT_MS, what: `cluster node ${node.id} under ${HOST}` },
  );
}

async function kill9(node: Node): Promise<void> {
  const child = node.server?.child;
  node.server = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

/** Polls the partition (every 100 ms, bounded) until ok holds. */
async function waitFor(
  admin: Admin,
  topic: string,
  ok: (p: PartitionDescription) => boolean,
): Promise<PartitionDescription> {
  const deadline = Date.now() + WAIT_MS_MAX;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const p = (await admin.describeTopic(topic)).partitions[0];
      if (p !== undefined && ok(p)) return p;
      last = p;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`${topic}: state not reached in ${WAIT_MS_MAX} ms: ${JSON.stringify(last)}`);
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  if (!(HOSTS as readonly string[]).includes(HOST)) throw new Error(`unknown host ${HOST}`);
  const nodes: Node[] = [];
  for (let id = 1; id <= 3; id++) {
    nodes.push({
      id,
      port: await freePort(),
      httpPort: await freePort(),
      controllerPort: await freePort(),
      dataDir: mkdtempSync(join(tmpdir(), `tributary-bench-cluster-${id}-`)),
      server: null,
    });
  }
  const quorum = nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(",");
  const bootstrap = nodes.map((n) => `127.0.0.1:${n.port}`).join(",");
  try {
    await Promise.all(nodes.map((n) => startNode(n, quorum)));
    const admin = new Admin(rt, { bootstrap, requestTimeoutMs: 3_000 });
    const deadline = Date.now() + WAIT_MS_MAX;
    while ((await admin.describeCluster().catch(() => null))?.brokers.length !== 3) {
      if (Date.now() > deadline) throw new Error("3 brokers not registered");
      await sleep(100);
    }
    const mib = { "min.insync.replicas": "2" };
    await admin.createTopic("rf3", { partitions: PARTITIONS, replicationFactor: 3, configs: mib });
    await admin.createTopic("rf1", { partitions: PARTITIONS, replicationFactor: 1 });
    await admin.createTopic("failover", { partitions: 1, replicationFactor: 3, configs: mib });
    const throughput: Record<string, number> = {};
    for (const topic of ["rf1", "rf3", "rf1", "rf3"]) {
      const s = await perf("produce", {
        bootstrap,
        topic,
        records: RECORDS,
        "record-size": RECORD_BYTES,
        acks: "all",
      }, 10 * 60_000);
      console.log(`${topic} acks=all: ${s.recordsPerSec} records/s, p99 ${s.p99Ms} ms`);
      // Best of two runs each: other jobs share the machine.
      throughput[topic] = Math.max(throughput[topic] ?? 0, s.recordsPerSec);
    }

    const producer = new Producer(rt, {
      bootstrap,
      acks: "all",
      idempotent: true,
      lingerMs: 0,
      requestTimeoutMs: 3_000,
      retryBackoffMs: 50,
      retryBackoffMsMax: 250,
    });
    const failoverMs: number[] = [];
    for (let i = 0; i < FAILOVERS; i++) {
      const p = await waitFor(admin, "failover", (x) => x.leader > 0 && x.isr.length === 3);
      await producer.send({ topic: "failover", partition: 0, value: `before-${i}` });
      const victim = nodes.find((n) => n.id === p.leader);
      if (victim === undefined) throw new Error(`leader ${p.leader} is no node`);
      const killedAt = performance.now();
      await kill9(victim);
      await producer.send({ topic: "failover", partition: 0, value: `after-${i}` });
      failoverMs.push(Math.round(performance.now() - killedAt));
      console.log(`failover ${i + 1}: leader ${victim.id} killed, ${failoverMs.at(-1)} ms`);
      await startNode(victim, quorum);
    }
    await producer.close();
    await admin.close();
    const sorted = [...failoverMs].sort((a, b) => a - b);
    console.log(JSON.stringify({
      host: HOST,
      records: RECORDS,
      recordBytes: RECORD_BYTES,
      partitions: PARTITIONS,
      rf1RecordsPerSec: throughput.rf1,
      rf3RecordsPerSec: throughput.rf3,
      rf3OfRf1: Math.round((throughput.rf3 / throughput.rf1) * 1000) / 1000,
      failoverMs,
      failoverMedianMs: quantile(sorted, 0.5),
      failoverMaxMs: sorted.at(-1),
      // Other jobs share the machine: what they added, at the end of the run.
      loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    }));
  } finally {
    await Promise.all(nodes.map(kill9));
    for (const n of nodes) rmSync(n.dataDir, { recursive: true, force: true });
    killAll();
  }
}

await main();
