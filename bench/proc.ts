// Child processes for the harness: run one to completion (bounded in time), or start a server
// and wait for the line that says it is ready. Every child is killed on the way out.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

// dist/bench/proc.js or bench/proc.ts: the repo root is two or one up.
const here = import.meta.dirname;
export const ROOT = existsSync(join(here, "../package.json"))
  ? resolve(here, "..")
  : resolve(here, "../..");

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const live = new Set<ChildProcess>();

/** Kills every child still running (the harness calls it on exit and on SIGINT). */
export function killAll(): void {
  for (const child of live) child.kill("SIGKILL");
  live.clear();
}

export function run(cmd: string, args: string[], options: { timeoutMs: number; cwd?: string }) {
  return new Promise<RunResult>((resolveRun) => {
    const started = performance.now();
    const child = spawn(cmd, args, {
      cwd: options.cwd ?? ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    live.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d.slice(0, 100_000)));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${options.timeoutMs} ms)`;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("error", (err) => (stderr += String(err)));
    child.on("close", (code) => {
      clearTimeout(timer);
      live.delete(child);
      resolveRun({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

export interface Server {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts a long-running child and resolves once `ready` matches its output (stdout+stderr). */
export async function startServer(
  cmd: string,
  args: string[],
  ready: RegExp,
  options: { timeoutMs: number; what: string },
): Promise<Server & { match: RegExpExecArray }> {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  live.add(child);
  let out = "";
  const append = (d: string) => {
    if (out.length < 200_000) out += d;
  };
  child.stdout?.setEncoding("utf8").on("data", append);
  child.stderr?.setEncoding("utf8").on("data", append);
  const server: Server = {
    child,
    output: () => out,
    stop: () => stopChild(child),
  };
  const deadline = performance.now() + options.timeoutMs;
  while (performance.now() < deadline) {
    const match = ready.exec(out);
    if (match) return { ...server, match };
    if (child.exitCode !== null || child.signalCode !== null) break;
    await sleep(20);
  }
  await server.stop();
  throw new Error(`${options.what} did not start: ${out.slice(-2000)}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return;
  }
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A port that was free a moment ago (peers that cannot pick their own and report it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Whether an executable is on the PATH. */
export async function which(name: string): Promise<string | null> {
  const r = await run("sh", ["-c", `command -v ${name}`], { timeoutMs: 5000 });
  return r.code === 0 ? r.stdout.trim() : null;
}
