// Kafka listener against the CBOR listener, one broker process, one run: the same records (100 B
// values, keys k0..k999, acks=all, 4 partitions, a topic per client) produced and consumed by
//   cbor-ts   Tributary's TypeScript client over CBOR (its own client, idempotent),
//   kcat      librdkafka through kcat (the tuned C path: idempotent, linger 5 ms, 1 MiB batches),
//   kafkajs   kafkajs's producer (sends of 1000, not idempotent) and a group consumer (eachBatch).
// The target of issue 12 is the Kafka path at >= 80% of the CBOR path's records/s.
//
//   npm run build && node dist/bench/kafka-throughput.js [records] [host]

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { createNodeRuntime } from "../runtime/node/mod.ts";
import { Admin } from "../src/client/admin.ts";
import { type Host, perSecond, startBenchBroker } from "./broker-process.ts";
import { consumeCbor, type Load, produceCbor } from "./cbor-load.ts";

const RECORDS = Number(process.argv[2] ?? 200_000);
const HOST = (process.argv[3] ?? "node") as Host;
const VALUE_BYTES = 100;
const PARTITIONS = 4;
const CLIENT_MS_MAX = 300_000;

const rt = createNodeRuntime();

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), CLIENT_MS_MAX);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    })
  );
}

async function timed(f: () => Promise<void>, records: number): Promise<number> {
  const started = performance.now();
  await f();
  return records / ((performance.now() - started) / 1000);
}

async function kcat(kafka: string, l: Load): Promise<[number, number]> {
  const dir = mkdtempSync(join(tmpdir(), "tributary-bench-kcat-"));
  try {
    const value = "a".repeat(l.valueBytes);
    const lines: string[] = [];
    for (let i = 0; i < l.records; i++) lines.push(`k${i % 1000}\t${value}`);
    const file = join(dir, "in.txt");
    writeFileSync(file, lines.join("\n") + "\n");
    const tuned = ["acks=all", "enable.idempotence=true", "linger.ms=5", "batch.size=1048576"]
      .flatMap((setting) => ["-X", setting]);
    const produced = await timed(async () => {
      const r = await run("kcat", ["-b", kafka, "-P", "-t", l.topic, "-K\t", ...tuned, "-l", file]);
      if (r.code !== 0) throw new Error(`kcat -P exited ${r.code}`);
    }, l.records);
    let count = 0;
    const consumed = await timed(async () => {
      const r = await run("kcat", [
        "-b",
        kafka,
        "-C",
        "-t",
        l.topic,
        "-o",
        "beginning",
        // Exit after the last record (-e would add one empty fetch of fetch.wait.max.ms).
        "-c",
        String(l.records),
        "-q",
        "-f",
        "%o\n",
      ]);
      if (r.code !== 0) throw new Error(`kcat -C exited ${r.code}`);
      count = r.stdout.split("\n").length - 1;
    }, l.records);
    if (count !== l.records) throw new Error(`kcat consumed ${count} of ${l.records}`);
    return [produced, consumed];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function kafkajs(kafka: string, l: Load): Promise<[number, number]> {
  const client = new Kafka({ brokers: [kafka], logLevel: logLevel.NOTHING, clientId: "bench" });
  const producer = client.producer();
  await producer.connect();
  const value = Buffer.alloc(l.valueBytes, 0x61);
  const produced = await timed(async () => {
    const inFlight: Array<Promise<unknown>> = [];
    for (let i = 0; i < l.records; i += 1000) {
      const messages = [];
      for (let j = i; j < Math.min(i + 1000, l.records); j++) {
        messages.push({ key: `k${j % 1000}`, value });
      }
      inFlight.push(producer.send({ topic: l.topic, acks: -1, messages }));
      if (inFlight.length >= 8) await inFlight.shift();
    }
    await Promise.all(inFlight);
  }, l.records);
  await producer.disconnect();
  const consumer = client.consumer({ groupId: `bench-${l.topic}`, maxBytes: 16 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic: l.topic, fromBeginning: true });
  let count = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  consumer.on(consumer.events.CRASH, () => done());
  // From the first batch: the join itself waits group.initial.rebalance.delay.ms (3 s).
  let started = 0;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (count === 0) started = performance.now();
      count += batch.messages.length;
      if (count >= l.records) done();
    },
  });
  // Without a group coordinator the consumer never joins: give up well before CLIENT_MS_MAX.
  const timeout = setTimeout(done, Math.min(CLIENT_MS_MAX, 30_000 + l.records / 10));
  await all;
  clearTimeout(timeout);
  const consumed = l.records / ((performance.now() - started) / 1000);
  await consumer.disconnect();
  if (count < l.records) throw new Error(`kafkajs consumed ${count} of ${l.records}`);
  return [produced, consumed];
}

const broker = await startBenchBroker(HOST, true);
try {
  const kafka = broker.kafka as string;
  const admin = new Admin(rt, { bootstrap: broker.bootstrap });
  for (const t of ["cbor", "kcat", "kafkajs"]) {
    await admin.createTopic(`bench-${t}`, { partitions: PARTITIONS });
  }
  await admin.close();
  const load = (topic: string): Load => ({
    bootstrap: broker.bootstrap,
    topic,
    partitions: PARTITIONS,
    records: RECORDS,
    valueBytes: VALUE_BYTES,
  });
  const rows: Array<[string, number, number]> = [];
  const cbor = load("bench-cbor");
  rows.push(["cbor-ts", await produceCbor(cbor), await consumeCbor(cbor)]);
  const cases: Array<[string, (k: string, l: Load) => Promise<[number, number]>]> = [
    ["kcat", kcat],
    ["kafkajs", kafkajs],
  ];
  for (const [name, f] of cases) {
    try {
      rows.push([name, ...await f(kafka, load(`bench-${name}`))]);
    } catch (err) {
      console.log(`${name.padEnd(8)} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const [, cborIn, cborOut] = rows[0];
  for (const [name, produced, consumed] of rows) {
    console.log(
      `${name.padEnd(8)} produced ${perSecond(produced)} (${pct(produced, cborIn)})   ` +
        `consumed ${perSecond(consumed)} (${pct(consumed, cborOut)})`,
    );
  }
  console.log(
    `(${RECORDS.toLocaleString("en-US")} records of ${VALUE_BYTES} B, ${PARTITIONS} partitions, ` +
      `acks=all, broker under ${HOST}, clients on node ${process.version}; % of cbor-ts)`,
  );
} finally {
  await broker.stop();
}

function pct(x: number, of: number): string {
  return `${Math.round((100 * x) / of)}%`;
}
