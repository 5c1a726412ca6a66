// A data directory with more segment files than the process may open: 600 partitions of two
// segments each (3,600 files), made by a broker without a limit, then restarted under
// `ulimit -n 256` under each host. It starts, serves produce and fetch on a sample of
// partitions (old segments included), and stops cleanly: exit 0 and no EMFILE. Before the
// open-file budget every partition held its files open and the restart died with EMFILE.
import { cpSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BrokerProcess,
  hosts,
  makeTempDir,
  requireHost,
  startBrokerProcess,
} from "./broker-process.ts";

const TOPIC = "many";
const PARTITIONS = 600;
const DESCRIPTOR_LIMIT = 256;
/** Two ~600-byte records per partition: each fills a 1 KiB segment on its own. */
const RECORDS_PER_PARTITION = 2;
const SAMPLE = Array.from({ length: 30 }, (_, i) => (i * 97) % PARTITIONS);

const valueOf = (p: number, i: number) => `p${p}-r${i}-`.padEnd(600, "x");

async function call(url: string, init?: RequestInit): Promise<unknown> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const body = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${response.status} ${body}`);
  return body === "" ? null : JSON.parse(body);
}

function post(url: string, body: unknown): Promise<unknown> {
  return call(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Every value of the partition, page by page (a fetch answers from one segment at a time). */
async function readValues(base: string, partition: number): Promise<string[]> {
  const values: string[] = [];
  let offset = 0;
  for (let page = 0; page < 100; page++) {
    const url = `${base}/v1/topics/${TOPIC}/partitions/${partition}/records?offset=${offset}`;
    const got = (await call(url)) as {
      records: { value: string }[];
      nextOffset: number;
      highWatermark: number;
    };
    values.push(...got.records.map((r) => r.value));
    offset = got.nextOffset;
    if (offset >= got.highWatermark) return values;
  }
  throw new Error(`partition ${partition}: no end after 100 pages`);
}

const seed = makeTempDir("tributary-openfiles-seed-");

beforeAll(async () => {
  requireHost("node");
  const broker = await startBrokerProcess("node", { dataDir: seed.path });
  try {
    await post(`${broker.httpUrl}/v1/topics`, {
      name: TOPIC,
      partitions: PARTITIONS,
      configs: { "segment.bytes": "1024" },
    });
    for (let i = 0; i < RECORDS_PER_PARTITION; i++) {
      const records = Array.from({ length: PARTITIONS }, (_, p) => ({
        partition: p,
        value: valueOf(p, i),
      }));
      await post(`${broker.httpUrl}/v1/topics/${TOPIC}/records?acks=1`, { records });
    }
  } finally {
    expect(await broker.stop()).toBe(0);
  }
  // Measured on a shared 2-core machine: start 1 s, creating the 600 partitions 8.5 s, producing
  // 3 s, stopping 3 s. The hook's timeout bounds it; a wall-clock assertion would be flaky.
}, 120_000);

afterAll(() => seed.remove());

for (const host of hosts) {
  describe(`ulimit -n ${DESCRIPTOR_LIMIT} under ${host}`, () => {
    const dir = makeTempDir(`tributary-openfiles-${host}-`);
    let broker: BrokerProcess | null = null;

    afterAll(async () => {
      await broker?.kill9();
      dir.remove();
    });

    it(
      `restarts with ${PARTITIONS} partitions, serves produce and fetch, stops cleanly`,
      async () => {
        requireHost(host);
        const dataDir = join(dir.path, "data");
        cpSync(seed.path, dataDir, { recursive: true });
        broker = await startBrokerProcess(host, {
          dataDir,
          openFilesLimit: DESCRIPTOR_LIMIT,
          startTimeoutMs: 60_000,
        });
        const base = broker.httpUrl;
        const records = SAMPLE.map((p) => ({ partition: p, value: `${host}-p${p}` }));
        const produced =
          (await post(`${base}/v1/topics/${TOPIC}/records?acks=all`, { records })) as {
            offsets: { partition: number; offset: number }[];
          };
        expect(produced.offsets.map((o) => o.offset)).toEqual(
          SAMPLE.map(() => RECORDS_PER_PARTITION),
        );
        for (const p of SAMPLE) {
          const expected = [
            ...Array.from({ length: RECORDS_PER_PARTITION }, (_, i) => valueOf(p, i)),
            `${host}-p${p}`,
          ];
          expect(await readValues(base, p), `partition ${p}`).toEqual(expected);
        }
        const code = await broker.stop();
        const stderr = broker.stderr();
        expect(stderr).not.toMatch(/EMFILE|too many open files/i);
        expect(code).toBe(0);
        expect(stderr).toMatch(/datadir\.descriptors .*partitions=\d+/);
        expect(stderr).toContain(`processLimit=${DESCRIPTOR_LIMIT}`);
      },
      120_000,
    );
  });
}
