// A segment damaged while the broker was stopped cleanly: the restarted broker process (under
// node, deno and bun) starts, serves the other topics, cuts the damaged partition at the first
// bad batch, takes writes after it, and says on stderr what it dropped (`log.truncated`).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { batchesIn } from "../../src/log/record-batch.ts";
import {
  type BrokerProcess,
  type HostName,
  hosts,
  makeTempDir,
  requireHost,
  startBrokerProcess,
} from "./broker-process.ts";

const RECORDS = 40;
const CUT_AT = 25;

async function post(base: string, path: string, body: unknown): Promise<Response> {
  return await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function produce(base: string, topic: string, values: string[]): Promise<void> {
  // One request per record: one batch per record, so the segment has batches to damage.
  for (const value of values) {
    const res = await post(base, `/v1/topics/${topic}/records?acks=all`, {
      records: [{ value, partition: 0 }],
    });
    expect(res.status).toBe(200);
    await res.body?.cancel();
  }
}

async function values(base: string, topic: string): Promise<string[]> {
  const res = await fetch(`${base}/v1/topics/${topic}/partitions/0/records?maxRecords=1000`);
  const body = await res.json() as { records?: Array<{ value: string }>; error?: unknown };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return (body.records ?? []).map((r) => r.value);
}

/** Writes a negative batchLength into the nth batch of the partition's first segment. */
function damageBatch(dataDir: string, topic: string, nth: number): void {
  const path = join(dataDir, `${topic}-0`, "00000000000000000000.log");
  const bytes = new Uint8Array(readFileSync(path));
  const at = [...batchesIn(bytes)][nth].position;
  new DataView(bytes.buffer, bytes.byteOffset).setInt32(at + 8, -760);
  writeFileSync(path, bytes);
}

interface LogLine {
  event: string;
  [field: string]: unknown;
}

function jsonLines(stderr: string): LogLine[] {
  return stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as LogLine);
}

for (const host of hosts as readonly HostName[]) {
  requireHost(host);
  describe(`damaged segment under ${host}`, () => {
    const dir = makeTempDir(`tributary-recovery-${host}-`);
    let broker: BrokerProcess | null = null;
    const args = { dataDir: dir.path, extraArgs: ["--log-format", "json"] };

    afterAll(async () => {
      await broker?.kill9();
      dir.remove();
    });

    it(
      "starts after a clean stop and a corrupt active segment, serving and logging the cut",
      async () => {
        broker = await startBrokerProcess(host, args);
        for (const name of ["damaged", "healthy"]) {
          const res = await post(broker.httpUrl, "/v1/topics", { name, partitions: 1 });
          expect(res.status).toBe(201);
          await res.body?.cancel();
        }
        const written = Array.from({ length: RECORDS }, (_, i) => `v${i}`);
        await produce(broker.httpUrl, "damaged", written);
        await produce(broker.httpUrl, "healthy", ["h0", "h1", "h2"]);
        expect(await broker.stop()).toBe(0);

        damageBatch(dir.path, "damaged", CUT_AT);
        broker = await startBrokerProcess(host, args);
        expect(await values(broker.httpUrl, "healthy")).toEqual(["h0", "h1", "h2"]);
        expect(await values(broker.httpUrl, "damaged")).toEqual(written.slice(0, CUT_AT));
        await produce(broker.httpUrl, "damaged", ["after"]);
        expect((await values(broker.httpUrl, "damaged")).slice(CUT_AT)).toEqual(["after"]);
        const health = await (await fetch(`${broker.httpUrl}/v1/health`)).json();
        expect(health.status).toBe("ok");
        const cuts = jsonLines(broker.stderr()).filter((l) => l.event === "log.truncated");
        expect(cuts).toMatchObject([{
          level: "warn",
          topic: "damaged",
          partition: 0,
          fromOffset: CUT_AT,
          toOffset: RECORDS,
          offsetsDropped: RECORDS - CUT_AT,
          afterCleanShutdown: true,
        }]);
        expect(await broker.stop()).toBe(0);
      },
      120_000,
    );
  });
}
