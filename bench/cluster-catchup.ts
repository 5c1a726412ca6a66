// Follower recovery (issue 11 §6): how fast a follower that is 1 GiB behind catches up,
// against the disk's sequential write speed. First the disk: a 1 GiB file written in 1 MiB
// chunks through node:fs, one fsync at the end, in the data directories' filesystem. Then
// three `tributary serve` nodes, one RF 3 partition (min.insync.replicas 1): a follower is
// stopped (SIGTERM), 1 GiB is produced with acks=1 in large batches, the follower is started
// again, and the time from its start until it is back in the ISR (the leader adds it once its
// log end reaches the leader's HW, which is the leader's log end here: nothing is produced
// meanwhile and the other follower is caught up) is the catch-up time.
//
//   npm run build && node dist/bench/cluster-catchup.js [MiB] [node|deno|bun] [dir]
//
// Defaults: 1024 MiB, node, the OS temp dir. Prints a JSON summary last; removes every file.

import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createNodeRuntime } from "../runtime/node/mod.ts";
import { Admin } from "../src/client/admin.ts";
import { Producer } from "../src/client/producer.ts";
import {
  newCluster,
  removeCluster,
  startNode,
  stopNode,
  waitFor,
  waitForBrokers,
} from "./cluster-nodes.ts";
import { killAll } from "./proc.ts";
import { type Host, HOSTS } from "./tributary.ts";

const MIB = 1024 * 1024;
const TOTAL_MIB = Number(process.argv[2] ?? 1024);
const HOST = (process.argv[3] ?? "node") as Host;
const DIR = process.argv[4] ?? tmpdir();
const TOPIC = "catchup";
const RECORD_BYTES = 10 * 1024;
const BATCH_BYTES = 512 * 1024;
const WINDOW = 64;
const rt = createNodeRuntime();

/** MB/s (10^6 bytes) of writing totalMib MiB in 1 MiB chunks, one fsync at the end. */
async function diskWriteMBps(dir: string, totalMib: number): Promise<number> {
  const scratch = mkdtempSync(join(dir, "tributary-bench-disk-"));
  const chunk = new Uint8Array(MIB).fill(0x5a);
  try {
    const started = performance.now();
    const file = await open(join(scratch, "seq.bin"), "w");
    try {
      for (let i = 0; i < totalMib; i++) await file.write(chunk, 0, chunk.length);
      await file.sync();
    } finally {
      await file.close();
    }
    return (totalMib * MIB) / 1e6 / ((performance.now() - started) / 1000);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function produceBytes(bootstrap: string, totalBytes: number): Promise<number> {
  const producer = new Producer(rt, {
    bootstrap,
    acks: 1,
    idempotent: false,
    batchBytes: BATCH_BYTES,
    lingerMs: 5,
    bufferBytesMax: 64 * MIB,
  });
  const value = new Uint8Array(RECORD_BYTES).fill(0x61);
  const records = Math.ceil(totalBytes / RECORD_BYTES);
  const pending = new Set<Promise<unknown>>();
  try {
    for (let i = 0; i < records; i++) {
      while (pending.size >= WINDOW) await Promise.race(pending);
      const send = producer.send({ topic: TOPIC, partition: 0, value });
      const tracked: Promise<unknown> = send.finally(() => pending.delete(tracked));
      pending.add(tracked);
    }
    await Promise.all(pending);
  } finally {
    await producer.close();
  }
  return records;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

async function main(): Promise<void> {
  if (!(HOSTS as readonly string[]).includes(HOST)) throw new Error(`unknown host ${HOST}`);
  const diskMBps = await diskWriteMBps(DIR, TOTAL_MIB);
  console.log(`disk: ${round(diskMBps)} MB/s sequential write (${TOTAL_MIB} MiB, fsync at end)`);
  const cluster = await newCluster(HOST, DIR);
  const { nodes, bootstrap } = cluster;
  try {
    await Promise.all(nodes.map((n) => startNode(cluster, n)));
    const admin = new Admin(rt, { bootstrap, requestTimeoutMs: 5_000 });
    await waitForBrokers(admin, 3);
    await admin.createTopic(TOPIC, {
      partitions: 1,
      replicationFactor: 3,
      configs: { "min.insync.replicas": "1" },
    });
    const p = await waitFor(admin, TOPIC, (x) => x.leader > 0 && x.isr.length === 3);
    const follower = nodes.find((n) => n.id !== p.leader)!;
    if ((await stopNode(follower, "SIGTERM")) !== 0) throw new Error("follower did not stop");
    const producedAt = performance.now();
    const records = await produceBytes(bootstrap, TOTAL_MIB * MIB);
    const produceS = (performance.now() - producedAt) / 1000;
    // The other follower has everything (HW = leader's log end = one offset per record).
    const deadline = Date.now() + 120_000;
    let end = -1;
    while ((end = (await admin.listOffsets(TOPIC, 0, "latest")).offset) < records) {
      if (Date.now() > deadline) throw new Error(`HW ${end} < ${records} records`);
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`produced ${records} records (${TOTAL_MIB} MiB) in ${round(produceS)} s`);
    const bytes = records * RECORD_BYTES;
    const startedAt = performance.now();
    await startNode(cluster, follower);
    const readyS = (performance.now() - startedAt) / 1000;
    await waitFor(admin, TOPIC, (x) => x.isr.includes(follower.id));
    const catchupS = (performance.now() - startedAt) / 1000;
    await admin.close();
    const catchupMBps = bytes / 1e6 / catchupS;
    console.log(JSON.stringify({
      host: HOST,
      mib: TOTAL_MIB,
      recordBytes: RECORD_BYTES,
      logEndOffset: end,
      diskWriteMBps: round(diskMBps),
      produceMBps: round(bytes / 1e6 / produceS),
      followerStartS: round(readyS),
      catchupS: round(catchupS),
      catchupMBps: round(catchupMBps),
      // Without the process start (opening its logs, registering, unfencing).
      catchupAfterStartMBps: round(bytes / 1e6 / (catchupS - readyS)),
      ofDisk: Math.round((catchupMBps / diskMBps) * 100) / 100,
      loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    }));
  } finally {
    await removeCluster(cluster);
    killAll();
  }
}

await main();
