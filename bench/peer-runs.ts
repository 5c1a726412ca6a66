// The peers' rows: NATS JetStream and Redis Streams, each run against a fresh server (temp
// dir, free port) with the durability setting of the row it stands beside.

import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { PerfSummary } from "../src/perf/summary.ts";
import {
  natsHasSyncInterval,
  peerInstalled,
  type PeerServer,
  startNats,
  startRedis,
} from "./peers/servers.ts";
import type { Plan } from "./plan.ts";
import { ROOT, run } from "./proc.ts";
import type { BenchRow } from "./results.ts";
import { errorText } from "./tributary-runs.ts";
import { redisBenchmarkInstalled, redisBenchmarkXadd } from "./peers/redis-bench.ts";

type Log = (line: string) => void;
type Peer = "nats" | "redis";

const SERVER_BINARY = { nats: "nats-server", redis: "redis-server" } as const;

/** Settings tried for each peer's best path; the fastest is kept (they stop improving past these). */
const NATS_WINDOWS = [256, 1024, 4096];
const REDIS_PIPELINES = [16, 64, 256];

const OFFICIAL_DRIVER = {
  nats: "official client: js.publish() (@nats-io/jetstream), window 20,000",
  redis: "official client: xAdd() (redis, auto-pipelined), window 20,000",
} as const;

async function peerPerf(
  peer: Peer | "nats-tuned",
  mode: "produce" | "consume" | "e2e",
  flags: Record<string, number>,
  timeoutMs: number,
): Promise<PerfSummary> {
  const args = [join(ROOT, "dist/bench/peers/peer-perf.js"), peer, mode];
  for (const [name, value] of Object.entries(flags)) args.push(`--${name}`, String(value));
  const r = await run(process.execPath, args, { timeoutMs });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.code !== 0 || !line.startsWith("{")) {
    throw new Error(`${peer} ${mode} failed (exit ${r.code}): ${r.stderr.trim().slice(-400)}`);
  }
  return JSON.parse(line) as PerfSummary;
}

/**
 * The peer's fastest produce path: each setting tried on the same server (a fresh stream key
 * or the same stream: appends either way), the best records/s kept and named in `driver`.
 */
async function bestProduce(
  peer: Peer,
  port: number,
  shape: { recordSize: number; connections: number; records: number },
  timeoutMs: number,
): Promise<PerfSummary & { driver: string }> {
  const tried: Array<PerfSummary & { setting: string }> = [];
  let base: string;
  if (peer === "redis") {
    base = "redis-benchmark XADD";
    if (!(await redisBenchmarkInstalled())) {
      throw new Error(
        "redis-benchmark is not installed (bench/setup-peers.sh installs redis-tools)",
      );
    }
    for (const pipeline of REDIS_PIPELINES) {
      const s = await redisBenchmarkXadd({ port, ...shape, pipeline, timeoutMs });
      tried.push({ ...s, setting: `-P ${pipeline}` });
    }
  } else {
    base = "tuned: core publish + PubAck inbox";
    for (const window of NATS_WINDOWS) {
      const s = await peerPerf("nats-tuned", "produce", {
        port,
        records: shape.records,
        "record-size": shape.recordSize,
        connections: shape.connections,
        window,
      }, timeoutMs);
      tried.push({ ...s, setting: `window ${window}` });
    }
  }
  const all = tried.map((s) => `${s.setting}: ${Math.round(s.recordsPerSec / 1000)}k/s`);
  tried.sort((a, b) => b.recordsPerSec - a.recordsPerSec);
  const { setting, ...best } = tried[0];
  return { ...best, driver: `${base}, ${setting} (tried ${all.join(", ")})` };
}

export async function runPeers(
  peers: Peer[],
  p: Plan,
  scenarios: Set<string>,
  scratch: string,
  log: Log,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const peer of peers) {
    const wanted = ["produce", "durable", "consume", "e2e"].filter((s) => scenarios.has(s));
    if (!(await peerInstalled(SERVER_BINARY[peer]))) {
      const note = `skipped: ${SERVER_BINARY[peer]} is not installed (run bench/setup-peers.sh)`;
      log(`${peer}: ${note}`);
      for (const scenario of wanted) {
        rows.push({
          scenario: scenario as BenchRow["scenario"],
          system: peer,
          runtime: null,
          recordSize: 0,
          partitions: 1,
          connections: 1,
          acks: "-",
          rate: 0,
          records: 0,
          durability: "-",
          summary: null,
          note,
        });
      }
      continue;
    }
    const syncAlways = peer === "nats" && (await natsHasSyncInterval());
    const start = (dir: string, durable: boolean): Promise<PeerServer> =>
      peer === "nats" ? startNats(dir, durable, syncAlways) : startRedis(dir, durable);
    const one = async (
      scenario: BenchRow["scenario"],
      durable: boolean,
      shape: { recordSize: number; connections: number; records: number; rate: number },
      work: (port: number) => Promise<PerfSummary & { driver?: string }>,
      path: "client" | "best" = "client",
    ) => {
      const dir = mkdtempSync(join(scratch, `${peer}-`));
      let server: PeerServer | null = null;
      const row: BenchRow = {
        scenario,
        system: peer,
        runtime: null,
        partitions: 1,
        acks: durable ? "durable" : "1",
        durability: "",
        summary: null,
        path,
        driver: path === "client" ? OFFICIAL_DRIVER[peer] : "",
        ...shape,
      };
      const label = `${scenario} ${peer} (${path}) ${shape.recordSize} B c=${shape.connections}`;
      try {
        server = await start(dir, durable);
        row.durability = server.durability;
        const { driver, ...summary } = await work(server.port);
        row.summary = summary;
        if (driver !== undefined) row.driver = driver;
        log(
          `  ${label}: ${
            row.summary.recordsPerSec.toLocaleString("en-US")
          } records/s, p99 ${row.summary.p99Ms} ms`,
        );
      } catch (err) {
        row.note = `failed: ${errorText(err)}`;
        log(`  ${label}: FAILED ${errorText(err)}`);
      } finally {
        await server?.server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
      rows.push(row);
    };
    const t = p.runTimeoutMs;
    log(`${peer}`);
    for (const size of p.sizes) {
      for (const scenario of ["produce", "durable"] as const) {
        if (!scenarios.has(scenario)) continue;
        const durable = scenario === "durable";
        for (const connections of [1, 4]) {
          const records = durable ? p.durable(size) : p.produce(size);
          const shape = { recordSize: size, connections, records, rate: 0 };
          await one(
            scenario,
            durable,
            shape,
            (port) =>
              peerPerf(peer, "produce", { port, records, "record-size": size, connections }, t),
          );
          await one(scenario, durable, shape, (port) => bestProduce(peer, port, shape, t), "best");
        }
      }
      if (scenarios.has("consume")) {
        const records = p.consume(size);
        await one(
          "consume",
          false,
          { recordSize: size, connections: 1, records, rate: 0 },
          async (port) => {
            // Read what was acknowledged: a publish that failed (and was counted) is not there.
            const written = await peerPerf(peer, "produce", {
              port,
              records,
              "record-size": size,
              connections: 2,
            }, t);
            return await peerPerf(peer, "consume", {
              port,
              records: written.records,
              "record-size": size,
            }, t);
          },
        );
      }
      if (scenarios.has("e2e")) {
        const records = p.e2eRecords;
        await one(
          "e2e",
          true,
          { recordSize: size, connections: 1, records, rate: p.e2eRate },
          (port) =>
            peerPerf(peer, "e2e", { port, records, "record-size": size, rate: p.e2eRate }, t),
        );
      }
    }
  }
  return rows;
}
