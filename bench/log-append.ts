// Partition log append throughput on this machine's disk, under whichever host runs it:
// records/s and MB/s for 100 B and 1 KiB records in batches of 100, plain appends (page cache)
// and durable ones (fsync, group commit across several concurrent appenders), next to what
// `dd ... conv=fdatasync` writes to the same directory.
//
//   npm run build && node dist/bench/log-append.js [seconds-per-case] [--no-dd]
//   node_modules/.bin/deno run -A bench/log-append.ts
//   node_modules/.bin/bun run bench/log-append.ts

import { spawnSync } from "node:child_process";
import { loadRuntime } from "../runtime/load.ts";
import type { DirEntry, FileHandle, FileSystem, OpenOptions, Runtime } from "../runtime/types.ts";
import { PartitionLog } from "../src/log/partition-log.ts";
import { encodeBatch } from "../src/log/record-batch.ts";

const RECORDS_PER_BATCH = 100;
const CASE_BYTES_MAX = 512 * 1024 * 1024;

interface Case {
  recordBytes: number;
  durable: boolean;
  appenders: number;
}

const CASES: Case[] = [
  { recordBytes: 100, durable: false, appenders: 1 },
  { recordBytes: 1024, durable: false, appenders: 1 },
  { recordBytes: 100, durable: true, appenders: 1 },
  { recordBytes: 1024, durable: true, appenders: 1 },
  { recordBytes: 100, durable: true, appenders: 8 },
  { recordBytes: 1024, durable: true, appenders: 8 },
  { recordBytes: 100, durable: true, appenders: 64 },
  { recordBytes: 1024, durable: true, appenders: 64 },
];

interface Result extends Case {
  records: number;
  bytes: number;
  seconds: number;
  fsyncs: number;
}

/** Counts file fsyncs: shows how many appends each group-commit round carried. */
class SyncCounter implements FileSystem {
  syncs = 0;
  readonly #inner: FileSystem;
  constructor(inner: FileSystem) {
    this.#inner = inner;
  }
  async open(path: string, options?: OpenOptions): Promise<FileHandle> {
    const handle = await this.#inner.open(path, options);
    return {
      path: handle.path,
      readAt: (buf, position) => handle.readAt(buf, position),
      writeAt: (data, position) => handle.writeAt(data, position),
      append: (data) => handle.append(data),
      truncate: (size) => handle.truncate(size),
      size: () => handle.size(),
      close: () => handle.close(),
      sync: () => {
        this.syncs++;
        return handle.sync();
      },
    };
  }
  readFile = (path: string): Promise<Uint8Array> => this.#inner.readFile(path);
  mkdirp = (path: string): Promise<void> => this.#inner.mkdirp(path);
  list = (path: string): Promise<DirEntry[]> => this.#inner.list(path);
  rename = (from: string, to: string): Promise<void> => this.#inner.rename(from, to);
  remove = (path: string, options?: { recursive?: boolean }): Promise<void> =>
    this.#inner.remove(path, options);
  exists = (path: string): Promise<boolean> => this.#inner.exists(path);
  syncDir = (path: string): Promise<void> => this.#inner.syncDir(path);
  makeTempDir = (prefix: string): Promise<string> => this.#inner.makeTempDir(prefix);
}

function makeBatch(recordBytes: number, seed: number): Uint8Array {
  const records = [];
  for (let i = 0; i < RECORDS_PER_BATCH; i++) {
    const value = new Uint8Array(recordBytes);
    for (let j = 0; j < recordBytes; j++) value[j] = (seed * 31 + i * 7 + j) & 0xff;
    records.push({ key: null, value, timestamp: 1_700_000_000_000 + i });
  }
  return encodeBatch({ records });
}

async function runCase(
  rt: Runtime,
  root: string,
  c: Case,
  seconds: number,
  index: number,
): Promise<Result> {
  const fs = new SyncCounter(rt.fs);
  const log = await PartitionLog.open(
    { fs, clock: rt.clock, timers: rt.timers },
    `${root}/case-${index}`,
  );
  const startSyncs = fs.syncs;
  const deadline = rt.clock.monotonicMs() + seconds * 1000;
  const perAppenderBytesMax = CASE_BYTES_MAX / c.appenders;
  const started = rt.clock.monotonicMs();
  let records = 0;
  let bytes = 0;
  const appender = async (id: number): Promise<void> => {
    // One buffer per appender: the log patches the base offset in place, so it is reused only
    // after its append resolved.
    const batch = makeBatch(c.recordBytes, id);
    let written = 0;
    while (rt.clock.monotonicMs() < deadline && written < perAppenderBytesMax) {
      await log.append(batch, { durable: c.durable });
      written += batch.length;
      records += RECORDS_PER_BATCH;
      bytes += batch.length;
    }
  };
  await Promise.all(Array.from({ length: c.appenders }, (_, id) => appender(id)));
  if (!c.durable) await log.flush();
  const elapsed = (rt.clock.monotonicMs() - started) / 1000;
  const fsyncs = fs.syncs - startSyncs;
  await log.deleteAll();
  return { ...c, records, bytes, seconds: elapsed, fsyncs };
}

function ddLine(dir: string): string {
  const target = `${dir}/dd-test.tmp`;
  const result = spawnSync("dd", [
    "if=/dev/zero",
    `of=${target}`,
    "bs=1M",
    "count=1024",
    "conv=fdatasync",
  ], {
    encoding: "utf8",
    timeout: 300_000,
  });
  spawnSync("rm", ["-f", target]);
  if (result.error !== undefined) return `dd failed: ${result.error.message}`;
  const lines = (result.stderr ?? "").trim().split("\n");
  return lines[lines.length - 1] ?? "dd printed nothing";
}

function table(results: Result[]): string {
  const rows = [
    "| record | mode | appenders | records/s | MB/s | appends/fsync |",
    "|---:|---|---:|---:|---:|---:|",
  ];
  for (const r of results) {
    const appends = r.records / RECORDS_PER_BATCH;
    const perSync = r.fsyncs > 0 ? (appends / r.fsyncs).toFixed(1) : "-";
    rows.push(
      `| ${r.recordBytes} B | ${r.durable ? "durable" : "plain"} | ${r.appenders} | ` +
        `${Math.round(r.records / r.seconds).toLocaleString("en-US")} | ${
          (r.bytes / r.seconds / 1e6).toFixed(1)
        } | ${perSync} |`,
    );
  }
  return rows.join("\n");
}

async function main(): Promise<void> {
  const rt = await loadRuntime();
  const args = rt.process.args;
  const seconds = Number(args.find((a) => /^\d+(\.\d+)?$/.test(a)) ?? 3);
  const root = await rt.fs.makeTempDir("tributary-log-bench-");
  try {
    const results: Result[] = [];
    for (const [i, c] of CASES.entries()) results.push(await runCase(rt, root, c, seconds, i));
    console.log(
      `log-append on ${rt.name} ${rt.process.version}, ${RECORDS_PER_BATCH} records per batch, ${seconds}s per case, dir ${root}`,
    );
    console.log(table(results));
    if (!args.includes("--no-dd")) {
      console.log(`dd bs=1M count=1024 conv=fdatasync: ${ddLine(root)}`);
    }
  } finally {
    await rt.fs.remove(root, { recursive: true });
  }
}

await main();
