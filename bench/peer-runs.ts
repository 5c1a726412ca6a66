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

type Log = (line: string) => void;
type Peer = "nats" | "redis";

const SERVER_BINARY = { nats: "nats-server", redis: "redis-server" } as const;

async function peerPerf(
  peer: Peer,
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
      work: (port: number) => Promise<PerfSummary>,
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
        ...shape,
      };
      const label = `${scenario} ${peer} ${shape.recordSize} B c=${shape.connections}`;
      try {
        server = await start(dir, durable);
        row.durability = server.durability;
        row.summary = await work(server.port);
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
      if (scenarios.has("produce")) {
        for (const connections of [1, 4]) {
          const records = p.produce(size);
          await one(
            "produce",
            false,
            { recordSize: size, connections, records, rate: 0 },
            (port) =>
              peerPerf(peer, "produce", { port, records, "record-size": size, connections }, t),
          );
        }
      }
      if (scenarios.has("durable")) {
        for (const connections of [1, 4]) {
          const records = p.durable(size);
          await one(
            "durable",
            true,
            { recordSize: size, connections, records, rate: 0 },
            (port) =>
              peerPerf(peer, "produce", { port, records, "record-size": size, connections }, t),
          );
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
