// librdkafka (kcat) against the Kafka listener with compressed batches: it produces zstd and we
// serve the records over HTTP; it consumes the gzip, snappy, lz4 and zstd batches our TS client
// wrote, so its decoders check our encoders' output. (librdkafka 2.0 sends gzip, snappy and lz4
// only to a broker advertising Produce/Fetch v2 and FindCoordinator v0 in ApiVersions, which
// the listener does not: kcat falls back to uncompressed batches for those, see docs/kafka.md.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Admin, Producer, type RunningBroker, startBroker } from "../../src/index.ts";
import { batchesIn, compressionOf } from "../../src/log/record-batch.ts";
import { makeTempDir } from "../e2e/broker-process.ts";
import { ensureKafkaClients, runClient } from "./debian-clients.ts";

const missing = ensureKafkaClients();
if (missing !== null) console.warn(`kafka-compression e2e skipped: ${missing}`);

const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;
const CODE = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

describe.skipIf(missing !== null)("compressed batches with kcat (librdkafka)", () => {
  let rb: RunningBroker;
  const inputs = makeTempDir("tributary-kcat-codecs-");

  beforeAll(async () => {
    rb = await startBroker({ storage: "memory", port: 0, httpPort: 0, kafkaPort: 0 });
    const admin = new Admin({ bootstrap: rb.bootstrap });
    for (const codec of CODECS) await admin.createTopic(`ours-${codec}`, { partitions: 1 });
    for (const codec of CODECS) await admin.createTopic(`theirs-${codec}`, { partitions: 1 });
    await admin.close();
  });
  afterAll(async () => {
    await rb?.close();
    inputs.remove();
  });

  async function storedCodecs(topic: string): Promise<number[]> {
    const [r] = await rb.broker.fetch({
      partitions: [{ topic, partition: 0, offset: 0, maxBytes: 1 << 22 }],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 22,
    });
    return [...batchesIn(r.records)].map((b) => compressionOf(b.header));
  }

  for (const [id, codec] of CODECS.map((c, i) => [i + 1, c] as const)) {
    it(`kcat -P -z ${codec}: stored as ${codec}, served over HTTP`, async () => {
      const lines = Array.from(
        { length: 30 },
        (_, i) => `key${i % 4}:${codec} value ${i} ${"q".repeat(40)}`,
      );
      const file = join(inputs.path, `${codec}.txt`);
      writeFileSync(file, lines.join("\n") + "\n");
      const put = await runClient("kcat", [
        "-b",
        `127.0.0.1:${rb.kafkaPort}`,
        "-P",
        "-t",
        `theirs-${codec}`,
        "-K:",
        "-z",
        codec,
        "-l",
        file,
      ]);
      expect(put.code, put.stderr).toBe(0);
      const codecs = await storedCodecs(`theirs-${codec}`);
      expect(codecs.length).toBeGreaterThan(0);
      expect(new Set(codecs)).toEqual(new Set([id]));
      const response = await fetch(
        `${rb.httpUrl}/v1/topics/theirs-${codec}/partitions/0/records?offset=0&maxRecords=100`,
      );
      const body = await response.json() as { records: Array<{ key: string; value: string }> };
      expect(body.records.map((r) => `${r.key}:${r.value}`)).toEqual(lines);
    }, 60_000);
  }

  for (const codec of CODECS) {
    it(`kcat -C reads the ${codec} batches our Producer wrote`, async () => {
      const topic = `ours-${codec}`;
      const producer = new Producer({ bootstrap: rb.bootstrap, compression: codec, lingerMs: 5 });
      const values = Array.from({ length: 40 }, (_, i) => `${codec} ${i} ${"abc".repeat(30)}`);
      await Promise.all(
        values.map((value, i) => producer.send({ topic, key: `k${i % 3}`, value })),
      );
      await producer.close();
      expect(new Set(await storedCodecs(topic))).toEqual(new Set([CODE[codec]]));
      const get = await runClient("kcat", [
        "-b",
        `127.0.0.1:${rb.kafkaPort}`,
        "-C",
        "-t",
        topic,
        "-e",
        "-o",
        "beginning",
        "-f",
        "%o|%k|%s\n",
      ]);
      expect(get.code, get.stderr).toBe(0);
      expect(get.stdout.trim().split("\n")).toEqual(values.map((v, i) => `${i}|k${i % 3}|${v}`));
    }, 60_000);
  }
});
