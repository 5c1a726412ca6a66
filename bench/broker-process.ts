// A `tributary serve` process for the throughput benchmarks: a real process on free ports and a
// temp data dir, under node (the built dist/), deno or bun (the TypeScript sources).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export type Host = "node" | "deno" | "bun";

const START_TIMEOUT_MS = 30_000;

// dist/bench/x.js or bench/x.ts: the repo root is two or one up.
const here = import.meta.dirname;
export const root = existsSync(join(here, "../package.json"))
  ? resolve(here, "..")
  : resolve(here, "../..");

function command(host: Host): string[] {
  if (host === "node") return [process.execPath, join(root, "dist/main.js")];
  return [
    join(root, `node_modules/.bin/${host}`),
    ...(host === "deno" ? ["run", "-A", "--quiet"] : ["run"]),
    join(root, "src/main.ts"),
  ];
}

export interface BenchBroker {
  child: ChildProcess;
  /** The CBOR listener, host:port. */
  bootstrap: string;
  /** The Kafka listener, host:port, or null when off. */
  kafka: string | null;
  stop(): Promise<void>;
}

/** kafka: whether to open the Kafka listener (on a free port). */
export async function startBenchBroker(host: Host, kafka = false): Promise<BenchBroker> {
  const dir = mkdtempSync(join(tmpdir(), `tributary-bench-${host}-`));
  const [cmd, ...args] = command(host);
  const child = spawn(cmd, [
    ...args,
    "serve",
    "--data-dir",
    dir,
    "--port",
    "0",
    "--http-port",
    "-1",
    "--kafka-port",
    kafka ? "0" : "-1",
  ], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const bootstrap = /bootstrap=(\S+)/.exec(out)?.[1];
    const kafkaAt = /kafka=(\S+)/.exec(out)?.[1];
    if (bootstrap && kafkaAt) {
      return { child, bootstrap, kafka: kafkaAt === "off" ? null : kafkaAt, stop };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill("SIGKILL");
  await stop();
  throw new Error(`${host} broker did not start`);
}

export const perSecond = (n: number) =>
  Math.round(n).toLocaleString("en-US").padStart(9) + " records/s";
