// Tributary's rows: each scenario group gets a fresh broker process (under the given runtime)
// on a fresh data directory; every run is a separate `tributary perf` process under node (the
// e2e runs: under E2E_CLIENT).

import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { PerfSummary } from "../src/perf/summary.ts";
import type { Plan } from "./plan.ts";
import { type BenchRow, DURABILITY, type Scenario } from "./results.ts";
import { E2E_CLIENT, type Host, perf, type RunningTributary, startTributary } from "./tributary.ts";

type Log = (line: string) => void;
type RowOf = Omit<BenchRow, "summary" | "note">;

export async function runTributary(
  host: Host,
  p: Plan,
  scenarios: Set<string>,
  scratch: string,
  log: Log,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const measure = async (row: RowOf, work: () => Promise<PerfSummary>) => {
    const label =
      `${row.scenario} ${host} ${row.recordSize} B p=${row.partitions} c=${row.connections}`;
    try {
      const summary = await work();
      rows.push({ ...row, summary });
      log(
        `  ${label}: ${
          summary.recordsPerSec.toLocaleString("en-US")
        } records/s, p99 ${summary.p99Ms} ms`,
      );
    } catch (err) {
      rows.push({ ...row, summary: null, note: `failed: ${errorText(err)}` });
      log(`  ${label}: FAILED ${errorText(err)}`);
    }
  };
  const base = { system: "tributary" as const, runtime: host, rate: 0 };
  const group = async (name: Scenario, fn: (b: RunningTributary) => Promise<void>) => {
    if (!scenarios.has(name)) return;
    const dir = mkdtempSync(join(scratch, `${host}-${name}-`));
    let broker: RunningTributary | null = null;
    try {
      broker = await startTributary(host, dir);
      log(`tributary under ${host}: ${name}`);
      await fn(broker);
    } catch (err) {
      log(`tributary under ${host}: ${name} FAILED ${errorText(err)}`);
    } finally {
      await broker?.server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const timeout = p.runTimeoutMs;

  await group("produce", async (b) => {
    for (const size of p.sizes) {
      for (const partitions of [1, 8]) {
        for (const connections of [1, 4]) {
          const records = p.produce(size);
          const row = {
            ...base,
            scenario: "produce" as const,
            recordSize: size,
            partitions,
            connections,
            acks: "1",
            records,
            durability: DURABILITY.tributaryAcks1,
          };
          await measure(row, () =>
            perf("produce", {
              bootstrap: b.bootstrap,
              topic: `produce-${size}-${partitions}-${connections}`,
              records,
              "record-size": size,
              partitions,
              connections,
              acks: "1",
            }, timeout));
        }
      }
    }
  });

  await group("durable", async (b) => {
    for (const size of p.sizes) {
      for (const connections of [1, 4]) {
        const records = p.durable(size);
        const row = {
          ...base,
          scenario: "durable" as const,
          recordSize: size,
          partitions: 1,
          connections,
          acks: "all",
          records,
          durability: DURABILITY.tributaryDurable,
        };
        await measure(row, () =>
          perf("produce", {
            bootstrap: b.bootstrap,
            topic: `durable-${size}-${connections}`,
            records,
            "record-size": size,
            partitions: 1,
            connections,
            acks: "all",
          }, timeout));
      }
    }
  });

  await group("consume", async (b) => {
    for (const size of p.sizes) {
      const records = p.consume(size);
      const topic = `consume-${size}`;
      const fill = { bootstrap: b.bootstrap, topic, records, "record-size": size, partitions: 1 };
      const row = {
        ...base,
        scenario: "consume" as const,
        recordSize: size,
        partitions: 1,
        connections: 1,
        acks: "1",
        records,
        durability: "reads a log written with acks=1",
      };
      await measure(row, async () => {
        const written = await perf("produce", { ...fill, acks: "1", connections: 2 }, timeout);
        return await perf("consume", { ...fill, records: written.records }, timeout);
      });
    }
  });

  await group("e2e", async (b) => {
    for (const size of p.sizes) {
      const row = {
        ...base,
        scenario: "e2e" as const,
        recordSize: size,
        partitions: 1,
        connections: 1,
        acks: "all",
        rate: p.e2eRate,
        records: p.e2eRecords,
        durability: DURABILITY.tributaryDurable,
        client: E2E_CLIENT,
      };
      await measure(row, () =>
        perf(
          "e2e",
          {
            bootstrap: b.bootstrap,
            topic: `e2e-${size}`,
            records: p.e2eRecords,
            "record-size": size,
            partitions: 1,
            rate: p.e2eRate,
            acks: "all",
            "linger-ms": 0,
          },
          timeout,
          E2E_CLIENT,
        ));
    }
  });

  const http = scenarios.has("http-produce") || scenarios.has("http-consume");
  if (http) {
    await group(scenarios.has("http-produce") ? "http-produce" : "http-consume", async (b) => {
      for (const size of p.sizes) {
        const records = p.http(size);
        const flags = {
          http: b.httpUrl,
          topic: `http-${size}`,
          records,
          "record-size": size,
          partitions: 1,
        };
        const row = {
          ...base,
          recordSize: size,
          partitions: 1,
          acks: "1",
          records,
          durability: DURABILITY.tributaryAcks1,
        };
        await measure(
          { ...row, scenario: "http-produce", connections: 4 },
          () =>
            perf("produce", {
              ...flags,
              acks: "1",
              connections: 4,
              "http-batch-records": p.httpBatchRecords,
            }, timeout),
        );
        await measure(
          { ...row, scenario: "http-consume", connections: 1 },
          () => perf("consume", flags, timeout),
        );
      }
    });
  }
  return rows;
}

export function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").slice(0, 300);
}
