// Starting `tributary` as a real child process under node, deno or bun, for the end-to-end
// suites. Node runs the build (npm test builds first); Deno and Bun run the sources. Every wait
// is bounded, and stop() always leaves no process behind.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export type HostName = "node" | "deno" | "bun";
export const hosts: readonly HostName[] = ["node", "deno", "bun"];

/** The hosts a suite runs under: a comma list in the env variable (to narrow it), else all. */
export function selectedHosts(envName: string): HostName[] {
  return (process.env[envName]?.split(",") ?? [...hosts]) as HostName[];
}

const root = resolve(import.meta.dirname, "../..");

/** The command line that runs the CLI under a host. */
export function cliCommand(host: HostName): { command: string; args: string[] } {
  switch (host) {
    case "node":
      return { command: process.execPath, args: [join(root, "dist/main.js")] };
    case "deno":
      return {
        command: join(root, "node_modules/.bin/deno"),
        args: ["run", "-A", "--quiet", join(root, "src/main.ts")],
      };
    case "bun":
      return {
        command: join(root, "node_modules/.bin/bun"),
        args: ["run", join(root, "src/main.ts")],
      };
  }
}

/** Why a host cannot run here (no build, no binary), or null when it can. */
/**
 * npm test builds dist/ first and npm ci brings the deno and bun binaries, so a missing host is a
 * broken set-up: it fails the suite loudly instead of letting it be skipped.
 */
export function requireHost(host: HostName): void {
  if (host === "node" && !existsSync(join(root, "dist/main.js"))) {
    throw new Error("dist/main.js missing: run npm run build (npm test does it first)");
  }
  if (host !== "node" && !existsSync(join(root, `node_modules/.bin/${host}`))) {
    throw new Error(`node_modules/.bin/${host} missing: run npm ci`);
  }
}

export interface BrokerProcess {
  readonly host: HostName;
  readonly child: ChildProcess;
  readonly bootstrap: string;
  readonly httpUrl: string;
  readonly port: number;
  /** The Kafka listener's port, or null when it is off (the default here). */
  readonly kafkaPort: number | null;
  readonly stderr: () => string;
  /** SIGTERM and wait (graceful); SIGKILL after graceMs. Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** kill -9, and wait for the process to be gone. */
  kill9(): Promise<void>;
}

export interface SpawnOptions {
  dataDir: string;
  port?: number;
  httpPort?: number;
  /** --kafka-port: off (-1) unless a suite asks, so parallel brokers never contend for 9092. */
  kafkaPort?: number;
  extraArgs?: string[];
  startTimeoutMs?: number;
  /** Starts the process under `ulimit -n` (soft and hard) of this many descriptors. */
  openFilesLimit?: number;
  /** Variables added to the process's environment (e.g. a test hook's). */
  env?: Record<string, string>;
}

export async function startBrokerProcess(
  host: HostName,
  options: SpawnOptions,
): Promise<BrokerProcess> {
  const { command, args } = cliCommand(host);
  const serveArgs = [
    "serve",
    "--data-dir",
    options.dataDir,
    "--host",
    "127.0.0.1",
    "--port",
    String(options.port ?? 0),
    "--http-port",
    String(options.httpPort ?? 0),
    "--kafka-port",
    String(options.kafkaPort ?? -1),
    ...(options.extraArgs ?? []),
  ];
  const argv = [...args, ...serveArgs];
  const limited = options.openFilesLimit !== undefined;
  const child = spawn(
    limited ? "bash" : command,
    limited
      ? ["-c", `ulimit -n ${options.openFilesLimit} && exec "$@"`, "bash", command, ...argv]
      : argv,
    { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...cleanEnv(), ...options.env } },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr?.setEncoding("utf8").on(
    "data",
    (d: string) => (stderr = (stderr + d).slice(-20_000)),
  );
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  const line = await waitFor(
    () => /^tributary .* serving .*$/m.exec(stdout)?.[0],
    exited,
    options.startTimeoutMs ?? 30_000,
  )
    .catch(async (err) => {
      child.kill("SIGKILL");
      await exited;
      throw new Error(
        `${host} broker did not start: ${(err as Error).message}; stderr: ${stderr.slice(-2000)}`,
      );
    });
  const bootstrap = /bootstrap=(\S+)/.exec(line)?.[1] ?? "";
  const httpUrl = /http=(\S+)/.exec(line)?.[1] ?? "";
  const kafka = /kafka=(\S+)/.exec(line)?.[1] ?? "off";
  return {
    host,
    child,
    bootstrap,
    httpUrl,
    port: Number(bootstrap.split(":").pop()),
    kafkaPort: kafka === "off" ? null : Number(kafka.split(":").pop()),
    stderr: () => stderr,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Polls check every 20 ms until it returns a value, the process exits, or timeoutMs passes. */
async function waitFor<T>(
  check: () => T | undefined,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<T> {
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = check();
    if (value !== undefined) return value;
    if (exitCode !== undefined) throw new Error(`exited with code ${exitCode}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms`);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command to completion (killed after timeoutMs), feeding stdin. */
export function runCliProcess(
  host: HostName,
  cliArgs: string[],
  stdin = "",
  timeoutMs = 30_000,
): Promise<CliResult> {
  const { command, args } = cliCommand(host);
  const child = spawn(command, [...args, ...cliArgs], {
    cwd: root,
    stdio: ["pipe", "pipe", "pipe"],
    env: cleanEnv(),
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin?.on("error", () => undefined); // a command that exits early closes its stdin
  child.stdin?.end(stdin);
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      res({ code: signal ? -1 : code, stdout, stderr });
    });
  });
}

export function makeTempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The environment minus anything that would make Deno or Bun chatty or colourful. */
function cleanEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", FORCE_COLOR: "0" };
}
