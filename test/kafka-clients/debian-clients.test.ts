// Real Kafka clients against a real broker process under node, deno and bun, over the Kafka
// listener: kcat -L (librdkafka: ApiVersions v3 refused to v0-format, retried, then Metadata)
// and kafka-python (ApiVersions v0 probe pipelined with Metadata v0, then Metadata v1) see this
// broker at its Kafka port, the topics and their partitions; kcat -P then kcat -C -e, and
// kafka-python's KafkaProducer then KafkaConsumer (no group), round-trip records.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Admin } from "../../src/index.ts";
import {
  type BrokerProcess,
  makeTempDir,
  requireHost,
  selectedHosts,
  startBrokerProcess,
} from "../e2e/broker-process.ts";
import { freePorts } from "../e2e/cluster-process.ts";
import { ensureKafkaClients, PYTHON, runClient } from "./debian-clients.ts";

const missing = ensureKafkaClients();
if (missing !== null) console.warn(`kafka-clients e2e skipped: ${missing}`);

const KAFKA_PYTHON_METADATA = `
import json, sys
from kafka import KafkaConsumer
c = KafkaConsumer(bootstrap_servers=sys.argv[1], request_timeout_ms=20000)
topics = sorted(c.topics())
parts = sorted(c.partitions_for_topic("kt"))
brokers = [[b.nodeId, b.host, b.port] for b in c._client.cluster.brokers()]
print(json.dumps({"topics": topics, "partitions": parts, "brokers": brokers,
                  "api_version": list(c.config["api_version"])}))
c.close()
`;

const KAFKA_PYTHON_ROUND_TRIP = `
import json, sys
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
p = KafkaProducer(bootstrap_servers=sys.argv[1], acks="all")
for i in range(50):
    p.send("py", key=b"k%d" % (i % 7), value=b"value-%d" % i, partition=i % 2)
p.flush()
p.close()
c = KafkaConsumer(bootstrap_servers=sys.argv[1], group_id=None, enable_auto_commit=False,
                  auto_offset_reset="earliest", consumer_timeout_ms=5000)
tps = [TopicPartition("py", 0), TopicPartition("py", 1)]
c.assign(tps)
c.seek_to_beginning()
got = []
while len(got) < 50:
    batch = c.poll(timeout_ms=5000, max_records=100)
    if not batch:
        break
    for recs in batch.values():
        got += [[r.partition, r.offset, r.key.decode(), r.value.decode()] for r in recs]
ends = c.end_offsets(tps)
print(json.dumps({"records": sorted(got), "ends": [ends[tp] for tp in tps],
                  "api_version": list(p.config["api_version"])}))
c.close()
`;

// The producer program users start from, as written but for the port; test_topic does not exist.
const KAFKA_PYTHON_QUICKSTART_PRODUCER = `
import sys
from kafka import KafkaProducer
producer = KafkaProducer(bootstrap_servers=sys.argv[1])
for i in range(5):
    producer.send('test_topic', b'message %d' % i)
producer.flush()
`;

for (const host of selectedHosts("TRIBUTARY_E2E_HOSTS")) {
  describe.skipIf(missing !== null)(`Kafka clients bootstrap under ${host}`, () => {
    let broker: BrokerProcess | null = null;
    let kafkaPort = 0;
    const dir = makeTempDir(`tributary-kafka-${host}-`);
    const inputs = makeTempDir(`tributary-kafka-input-${host}-`);

    beforeAll(async () => {
      requireHost(host);
      [kafkaPort] = await freePorts(1);
      broker = await startBrokerProcess(host, { dataDir: dir.path, kafkaPort });
      const admin = new Admin({ bootstrap: broker.bootstrap });
      await admin.createTopic("kt", { partitions: 3 });
      await admin.createTopic("kc", { partitions: 1 });
      await admin.createTopic("py", { partitions: 2 });
      await admin.close();
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      dir.remove();
      inputs.remove();
    });

    it("the serving line names the Kafka listener", () => {
      expect(broker?.kafkaPort).toBe(kafkaPort);
    });

    it("kcat -L lists the broker at its Kafka port and the topic's partitions", async () => {
      const r = await runClient("kcat", ["-b", `127.0.0.1:${kafkaPort}`, "-L", "-J", "-m", "15"]);
      expect(r.code, r.stderr).toBe(0);
      const meta = JSON.parse(r.stdout) as {
        controllerid: number;
        brokers: Array<{ id: number; name: string }>;
        topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number }> }>;
      };
      expect(meta.brokers).toEqual([{ id: 1, name: `127.0.0.1:${kafkaPort}` }]);
      expect(meta.controllerid).toBe(1);
      const kt = meta.topics.find((t) => t.topic === "kt");
      expect(kt?.partitions.map((p) => [p.partition, p.leader])).toEqual([[0, 1], [1, 1], [2, 1]]);
    }, 30_000);

    it("kafka-python bootstraps and reads the metadata", async () => {
      const r = await runClient(PYTHON, ["-c", KAFKA_PYTHON_METADATA, `127.0.0.1:${kafkaPort}`]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as {
        topics: string[];
        partitions: number[];
        brokers: unknown[];
      };
      expect(out.topics).toContain("kt"); // internal topics are not listed by kafka-python
      expect(out.topics).not.toContain("__consumer_offsets");
      expect(out.partitions).toEqual([0, 1, 2]);
      expect(out.brokers).toEqual([[1, "127.0.0.1", kafkaPort]]);
    }, 30_000);

    it("kcat -P then kcat -C -e round-trips keyed records", async () => {
      const lines = Array.from({ length: 20 }, (_, i) => `key${i % 3}:value ${i}`);
      const file = join(inputs.path, "kcat-input.txt");
      writeFileSync(file, lines.join("\n") + "\n");
      const bootstrap = `127.0.0.1:${kafkaPort}`;
      const put = await runClient("kcat", ["-b", bootstrap, "-P", "-t", "kc", "-K:", "-l", file]);
      expect(put.code, put.stderr).toBe(0);
      const get = await runClient("kcat", [
        "-b",
        bootstrap,
        "-C",
        "-t",
        "kc",
        "-e",
        "-o",
        "beginning",
        "-f",
        "%o|%k|%s\n",
      ]);
      expect(get.code, get.stderr).toBe(0);
      expect(get.stdout.trim().split("\n")).toEqual(
        lines.map((l, i) => `${i}|${l.replace(":", "|")}`),
      );
    }, 30_000);

    it("kafka-python KafkaProducer then KafkaConsumer (no group) round-trip", async () => {
      const r = await runClient(
        PYTHON,
        ["-c", KAFKA_PYTHON_ROUND_TRIP, `127.0.0.1:${kafkaPort}`],
        60_000,
      );
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { records: unknown[]; ends: number[] };
      const expected = Array.from({ length: 50 }, (_, i) => [
        i % 2,
        Math.floor(i / 2),
        `k${i % 7}`,
        `value-${i}`,
      ]);
      expect(out.records).toEqual(
        expected.sort((a, b) =>
          (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number)
        ),
      );
      expect(out.ends).toEqual([25, 25]);
    }, 70_000);

    it("auto-creation is on by default: kafka-python writes to a topic nobody created", async () => {
      const bootstrap = `127.0.0.1:${kafkaPort}`;
      const put = await runClient(
        PYTHON,
        ["-c", KAFKA_PYTHON_QUICKSTART_PRODUCER, bootstrap],
        60_000,
      );
      expect(put.code, put.stderr).toBe(0);
      const get = await runClient("kcat", [
        "-b",
        bootstrap,
        "-C",
        "-t",
        "test_topic",
        "-e",
        "-o",
        "beginning",
        "-f",
        "%p|%o|%s\n",
      ]);
      expect(get.code, get.stderr).toBe(0);
      expect(get.stdout.trim().split("\n")).toEqual(
        Array.from({ length: 5 }, (_, i) => `0|${i}|message ${i}`),
      );
    }, 70_000);

    it("the broker logged no unexpected error", () => {
      expect(broker?.stderr() ?? "").not.toMatch(/unexpected_error/);
    });
  });
}

describe.skipIf(missing !== null)("--no-auto-create-topics", () => {
  it("turns auto-creation off: Metadata for an unknown topic answers UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const dir = makeTempDir("tributary-kafka-noauto-");
    const [kafkaPort] = await freePorts(1);
    const broker = await startBrokerProcess("node", {
      dataDir: dir.path,
      kafkaPort,
      extraArgs: ["--no-auto-create-topics"],
    });
    try {
      const meta = await runClient("kcat", [
        "-b",
        `127.0.0.1:${kafkaPort}`,
        "-L",
        "-J",
        "-t",
        "nobody_made_me",
        "-m",
        "15",
      ]);
      expect(meta.code, meta.stderr).toBe(0);
      const topics = (JSON.parse(meta.stdout) as { topics: Array<{ topic: string; error?: string }> })
        .topics;
      expect(topics.map((t) => [t.topic, t.error])).toEqual([
        ["nobody_made_me", "Broker: Unknown topic or partition"],
      ]);
    } finally {
      await broker.stop();
      dir.remove();
    }
  }, 60_000);
});
