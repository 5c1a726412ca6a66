// End to end, per host runtime: the broker as a real process (node dist/main.js, deno run
// src/main.ts, bun run src/main.ts) on free ports and a temp data dir; 10,000 records through
// the TypeScript client and 100 over HTTP; everything read back both ways and checked (keys,
// values, headers, partitions, offsets); then the CLI under the same runtime.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionForKey } from "../../src/model/partitioner.ts";
import { Admin, Consumer, type ConsumerRecord, Producer } from "../../src/index.ts";
import {
  type BrokerProcess,
  type HostName,
  hosts,
  makeTempDir,
  requireHost,
  runCliProcess,
  startBrokerProcess,
} from "./broker-process.ts";

const CLIENT_RECORDS = 10_000;
const HTTP_RECORDS = 100;
const PARTITIONS = 4;
const TOPIC = "e2e";
const text = new TextEncoder();
const utf8 = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

interface Expected {
  key: string | null;
  value: string;
  headers: Record<string, string>;
  partition: number;
  offset: number;
}

for (const host of hosts) {
  requireHost(host);
  describe(`cross-runtime end to end under ${host}`, () => {
    let broker: BrokerProcess | null = null;
    const dir = makeTempDir(`tributary-e2e-${host}-`);
    const expected = new Map<string, Expected>();

    beforeAll(async () => {
      broker = await startBrokerProcess(host as HostName, { dataDir: dir.path });
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      dir.remove();
    });

    it("creates a topic and produces 10,000 records with the client", async () => {
      const b = broker as BrokerProcess;
      const admin = new Admin({ bootstrap: b.bootstrap });
      await admin.createTopic(TOPIC, { partitions: PARTITIONS });
      await admin.close();
      const producer = new Producer({ bootstrap: b.bootstrap, lingerMs: 5 });
      const sends: Array<Promise<void>> = [];
      for (let i = 0; i < CLIENT_RECORDS; i++) {
        // Every tenth record unkeyed (sticky partitioner), the rest over 97 keys.
        const key = i % 10 === 0 ? null : `key-${i % 97}`;
        const value = `client-${i}-${"x".repeat(i % 50)}`;
        const headers = { n: String(i), host };
        sends.push(
          producer.send({ topic: TOPIC, key, value, headers }).then((m) => {
            expected.set(value, { key, value, headers, partition: m.partition, offset: m.offset });
          }),
        );
      }
      await Promise.all(sends);
      await producer.close();
      for (const e of expected.values()) {
        if (e.key !== null) {
          expect(e.partition).toBe(partitionForKey(text.encode(e.key), PARTITIONS));
        }
      }
      expect(expected.size).toBe(CLIENT_RECORDS);
    });

    it("produces 100 records over HTTP", async () => {
      const b = broker as BrokerProcess;
      const records = Array.from({ length: HTTP_RECORDS }, (_, i) => ({
        key: `http-key-${i % 9}`,
        value: `http-${i}`,
        headers: { via: "http", n: String(i) },
      }));
      const response = await fetch(`${b.httpUrl}/v1/topics/${TOPIC}/records?acks=all`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ records }),
      });
      expect(response.status).toBe(200);
      const { offsets } = (await response.json()) as {
        offsets: Array<{ partition: number; offset: number }>;
      };
      expect(offsets).toHaveLength(HTTP_RECORDS);
      records.forEach((r, i) => {
        expect(offsets[i].partition).toBe(partitionForKey(text.encode(r.key), PARTITIONS));
        expected.set(r.value, { ...r, partition: offsets[i].partition, offset: offsets[i].offset });
      });
    });

    it("reads every record back through the client", async () => {
      const b = broker as BrokerProcess;
      const consumer = new Consumer({ bootstrap: b.bootstrap, autoOffsetReset: "earliest" });
      consumer.assign(
        Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })),
      );
      const got: ConsumerRecord[] = [];
      for (let i = 0; i < 400 && got.length < CLIENT_RECORDS + HTTP_RECORDS; i++) {
        got.push(...(await consumer.poll({ timeoutMs: 500 })));
      }
      await consumer.close();
      expect(got).toHaveLength(CLIENT_RECORDS + HTTP_RECORDS);
      for (const r of got) {
        const value = utf8(r.value) as string;
        const e = expected.get(value);
        expect(e, value).toBeDefined();
        expect({ key: utf8(r.key), partition: r.partition, offset: r.offset }).toEqual({
          key: e?.key,
          partition: e?.partition,
          offset: e?.offset,
        });
        expect(Object.fromEntries(r.headers.map((h) => [h.key, utf8(h.value)]))).toEqual(
          e?.headers,
        );
      }
    });

    it("reads every record back over HTTP", async () => {
      const b = broker as BrokerProcess;
      let count = 0;
      for (let partition = 0; partition < PARTITIONS; partition++) {
        let offset = 0;
        for (let page = 0; page < 200; page++) {
          const url =
            `${b.httpUrl}/v1/topics/${TOPIC}/partitions/${partition}/records?offset=${offset}&maxRecords=1000`;
          const response = await fetch(url);
          expect(response.status).toBe(200);
          const body = (await response.json()) as {
            records: Array<
              { offset: number; key: string | null; value: string; headers: Record<string, string> }
            >;
            nextOffset: number;
            highWatermark: number;
          };
          for (const r of body.records) {
            const e = expected.get(r.value);
            expect(e, r.value).toBeDefined();
            expect({ key: r.key, partition, offset: r.offset, headers: r.headers }).toEqual({
              key: e?.key,
              partition: e?.partition,
              offset: e?.offset,
              headers: e?.headers,
            });
            count++;
          }
          offset = body.nextOffset;
          if (offset >= body.highWatermark) break;
        }
      }
      expect(count).toBe(CLIENT_RECORDS + HTTP_RECORDS);
    });

    it("runs the CLI under the same runtime: topics list, produce, consume", async () => {
      const b = broker as BrokerProcess;
      const bootstrap = ["--bootstrap", b.bootstrap];
      const created = await runCliProcess(host, [
        "topics",
        "create",
        "cli",
        "--partitions",
        "2",
        ...bootstrap,
      ]);
      expect(created.stderr).toBe("");
      expect(created.code).toBe(0);
      const listed = await runCliProcess(host, ["topics", "list", ...bootstrap]);
      expect(listed.code).toBe(0);
      expect(listed.stdout.split("\n")).toEqual(expect.arrayContaining(["cli", TOPIC]));
      const produced = await runCliProcess(host, [
        "produce",
        "cli",
        "--key-separator",
        "=",
        ...bootstrap,
      ], "a=1\nb=2\nc=3\n");
      expect(produced).toEqual({ code: 0, stdout: "", stderr: "" });
      const consumed = await runCliProcess(host, [
        "consume",
        "cli",
        "--from-beginning",
        "--max-messages",
        "3",
        ...bootstrap,
      ]);
      expect(consumed.code).toBe(0);
      expect(consumed.stdout.trim().split("\n").sort()).toEqual(["1", "2", "3"]);
      const unknown = await runCliProcess(host, [
        "consume",
        "nope",
        "--max-messages",
        "1",
        ...bootstrap,
      ]);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
    });

    it("stops cleanly on SIGTERM", async () => {
      const code = await (broker as BrokerProcess).stop();
      expect(code).toBe(0);
    });
  });
}
