// Real Kafka clients bootstrap against a real broker process under node, deno and bun, over
// the Kafka listener: kcat -L (librdkafka: ApiVersions v3 refused to v0-format, retried, then
// Metadata) and kafka-python (ApiVersions v0 probe pipelined with Metadata v0, then Metadata
// v1): both see this broker at its Kafka port, the topics and their partitions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Admin } from "../../src/index.ts";
import {
  type BrokerProcess,
  makeTempDir,
  requireHost,
  selectedHosts,
  startBrokerProcess,
} from "./broker-process.ts";
import { freePorts } from "./cluster-process.ts";
import { ensureKafkaClients, PYTHON, runClient } from "./kafka-clients.ts";

const missing = ensureKafkaClients();
if (missing !== null) console.warn(`kafka-metadata e2e skipped: ${missing}`);

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

for (const host of selectedHosts("TRIBUTARY_E2E_HOSTS")) {
  describe.skipIf(missing !== null)(`Kafka clients bootstrap under ${host}`, () => {
    let broker: BrokerProcess | null = null;
    let kafkaPort = 0;
    const dir = makeTempDir(`tributary-kafka-${host}-`);

    beforeAll(async () => {
      requireHost(host);
      [kafkaPort] = await freePorts(1);
      broker = await startBrokerProcess(host, { dataDir: dir.path, kafkaPort });
      const admin = new Admin({ bootstrap: broker.bootstrap });
      await admin.createTopic("kt", { partitions: 3 });
      await admin.close();
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      dir.remove();
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
      expect(out.topics).toEqual(["kt"]); // internal topics are not listed by kafka-python
      expect(out.partitions).toEqual([0, 1, 2]);
      expect(out.brokers).toEqual([[1, "127.0.0.1", kafkaPort]]);
    }, 30_000);

    it("the broker logged no unexpected error", () => {
      expect(broker?.stderr() ?? "").not.toMatch(/unexpected_error/);
    });
  });
}
