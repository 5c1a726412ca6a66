// What the results were measured on: cores, memory, runtime and peer versions, the date, and
// the disk's sequential write bandwidth (dd with conv=fdatasync, in the same run).

import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { ROOT, run } from "./proc.ts";

export interface Machine {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  versions: Record<string, string>;
}

async function versionOf(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args, { timeoutMs: 20_000 });
  if (r.code !== 0) return "not installed";
  return (r.stdout + r.stderr).trim().split("\n")[0].trim();
}

export async function describeMachine(): Promise<Machine> {
  const uname = await run("uname", ["-sr"], { timeoutMs: 5000 });
  return {
    date: new Date().toISOString(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: uname.stdout.trim(),
    versions: {
      node: process.version,
      deno: await versionOf(join(ROOT, "node_modules/.bin/deno"), ["--version"]),
      bun: await versionOf(join(ROOT, "node_modules/.bin/bun"), ["--version"]),
      "nats-server": await versionOf("nats-server", ["--version"]),
      "redis-server": await versionOf("redis-server", ["--version"]),
    },
  };
}

/** MB/s of `dd if=/dev/zero bs=1M count=N conv=fdatasync` into dir (MB = 2^20 bytes). */
export async function measureDiskWrite(dir: string, mebibytes: number): Promise<number> {
  const file = join(dir, "dd.bin");
  try {
    const r = await run(
      "dd",
      ["if=/dev/zero", `of=${file}`, "bs=1M", `count=${mebibytes}`, "conv=fdatasync"],
      { timeoutMs: 600_000 },
    );
    if (r.code !== 0) throw new Error(`dd failed: ${r.stderr}`);
    // dd's own figure ("... s, 1.2 GB/s") uses decimal units; compute from its seconds instead.
    const seconds = Number(/([\d.]+) s,/.exec(r.stderr)?.[1] ?? r.ms / 1000);
    return Math.round((mebibytes / seconds) * 10) / 10;
  } finally {
    rmSync(file, { force: true });
  }
}
