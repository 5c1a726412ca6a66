// Client throughput per host runtime: starts `tributary serve` under node, deno and bun (a real
// process on free ports and a temp data dir), produces RECORDS records of VALUE_BYTES bytes
// through the TypeScript client (acks=all, idempotent, defaults otherwise), consumes them all
// back, and prints records/s for both directions.
//
//   npm run build && node dist/bench/client-throughput.js [records] [host,host...]

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createNodeRuntime } from "../runtime/node/mod.ts";
import { Admin } from "../src/client/admin.ts";
import { Consumer } from "../src/client/consumer.ts";
import { Producer } from "../src/client/producer.ts";

type Host = "node" | "deno" | "bun";

const RECORDS = Number(process.argv[2] ?? 200_000);
const HOSTS = (process.argv[3]?.split(",") ?? ["node", "deno", "bun"]) as Host[];
const VALUE_BYTES = 100;
const PARTITIONS = 4;
const START_TIMEOUT_MS = 30_000;

// dist/bench/client-throughput.js or bench/client-throughput.ts: the repo root is two or one up.
const here = import.meta.dirname;
const root = existsSync(join(here, "../package.json"))
  ? resolve(here, "..")
  : resolve(here, "../..");
const rt = createNodeRuntime();

function command(host: Host): string[] {
  if (host === "node") return [process.execPath, join(root, "dist/main.js")];
  return [
    join(root, `node_modules/.bin/${host}`),
    ...(host === "deno" ? ["run", "-A", "--quiet"] : ["run"]),
    join(root, "src/main.ts"),
  ];
}

async function startBroker(
  host: Host,
  dataDir: string,
): Promise<{ child: ChildProcess; bootstrap: string }> {
  const [cmd, ...args] = command(host);
  const child = spawn(cmd, [
    ...args,
    "serve",
    "--data-dir",
    dataDir,
    "--port",
    "0",
    "--http-port",
    "-1",
  ], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const bootstrap = /bootstrap=(\S+)/.exec(out)?.[1];
    if (bootstrap) return { child, bootstrap };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill("SIGKILL");
  throw new Error(`${host} broker did not start`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

async function produce(bootstrap: string): Promise<number> {
  const producer = new Producer(rt, { bootstrap, lingerMs: 5, batchBytes: 64 * 1024 });
  const value = new Uint8Array(VALUE_BYTES).fill(0x61);
  const started = performance.now();
  let window: Array<Promise<unknown>> = [];
  for (let i = 0; i < RECORDS; i++) {
    window.push(producer.send({ topic: "bench", key: `k${i % 1000}`, value }));
    if (window.length >= 20_000) {
      await Promise.all(window);
      window = [];
    }
  }
  await Promise.all(window);
  await producer.close();
  return RECORDS / ((performance.now() - started) / 1000);
}

async function consume(bootstrap: string): Promise<number> {
  const consumer = new Consumer(rt, {
    bootstrap,
    autoOffsetReset: "earliest",
    maxPollRecords: 5000,
  });
  consumer.assign(
    Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: "bench", partition })),
  );
  const started = performance.now();
  let count = 0;
  for (let polls = 0; count < RECORDS && polls < 1_000_000; polls++) {
    count += (await consumer.poll({ timeoutMs: 1000 })).length;
  }
  const seconds = (performance.now() - started) / 1000;
  await consumer.close();
  if (count !== RECORDS) throw new Error(`consumed ${count} of ${RECORDS}`);
  return RECORDS / seconds;
}

async function benchHost(host: Host): Promise<{ host: Host; produced: number; consumed: number }> {
  const dir = mkdtempSync(join(tmpdir(), `tributary-bench-${host}-`));
  const { child, bootstrap } = await startBroker(host, dir);
  try {
    const admin = new Admin(rt, { bootstrap });
    await admin.createTopic("bench", { partitions: PARTITIONS });
    await admin.close();
    const produced = await produce(bootstrap);
    const consumed = await consume(bootstrap);
    return { host, produced, consumed };
  } finally {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: string[] = [];
for (const host of HOSTS) {
  const r = await benchHost(host);
  rows.push(
    `${host.padEnd(5)} produced ${
      Math.round(r.produced).toLocaleString("en-US").padStart(9)
    } records/s   consumed ${Math.round(r.consumed).toLocaleString("en-US").padStart(9)} records/s`,
  );
  console.log(rows[rows.length - 1]);
}
console.log(
  `(${
    RECORDS.toLocaleString("en-US")
  } records of ${VALUE_BYTES} B, ${PARTITIONS} partitions, acks=all, client on node ${process.version})`,
);
