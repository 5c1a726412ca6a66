// Cluster benchmarks (issue 11 §6): three `tributary serve` processes on this machine, each broker
// and controller, under one host runtime. (1) Produce throughput with acks=all to an RF 3 topic
// (min.insync.replicas 2) and to an RF 1 topic, through `tributary perf produce`; (2) failover
// time: SIGKILL of a partition's leader to the first acks=all produce acknowledged after it,
// FAILOVERS times, the killed node restarted and back in the ISR before the next kill.
//
//   npm run build && node dist/bench/cluster.js [records] [failovers] [host]
//
// Defaults: 300,000 records of 100 B, 20 failovers, node. Prints a JSON summary last.

import { loadavg } from "node:os";
import { createNodeRuntime } from "../runtime/node/mod.ts";
import { Admin } from "../src/client/admin.ts";
import { Producer } from "../src/client/producer.ts";
import {
  kill9,
  newCluster,
  quantile,
  removeCluster,
  startNode,
  waitFor,
  waitForBrokers,
} from "./cluster-nodes.ts";
import { killAll } from "./proc.ts";
import { type Host, HOSTS, perf } from "./tributary.ts";

const RECORDS = Number(process.argv[2] ?? 300_000);
const FAILOVERS = Number(process.argv[3] ?? 20);
const HOST = (process.argv[4] ?? "node") as Host;
const RECORD_BYTES = 100;
const PARTITIONS = 3;
const rt = createNodeRuntime();

async function main(): Promise<void> {
  if (!(HOSTS as readonly string[]).includes(HOST)) throw new Error(`unknown host ${HOST}`);
  const cluster = await newCluster(HOST);
  const { nodes, bootstrap } = cluster;
  try {
    await Promise.all(nodes.map((n) => startNode(cluster, n)));
    const admin = new Admin(rt, { bootstrap, requestTimeoutMs: 3_000 });
    await waitForBrokers(admin, 3);
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
      await startNode(cluster, victim);
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
    await removeCluster(cluster);
    killAll();
  }
}

await main();
