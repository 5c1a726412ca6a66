// The npm Kafka clients against a real broker process under node, deno and bun, over the Kafka
// listener: kafkajs (Kafka 0.10-2.x versions, non-flexible) and @platformatic/kafka (Kafka 3.5+
// flexible versions only, no fallback). Keyed records land where the Java client puts them
// (murmur2, sign bit masked) and read back byte for byte.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Partitioners } from "kafkajs";
import {
  compatibilityPartitioner,
  Producer as PlatformaticProducer,
  stringSerializers,
} from "@platformatic/kafka";
import { Admin, partitionForKey } from "../../src/index.ts";
import {
  type BrokerProcess,
  makeTempDir,
  requireHost,
  selectedHosts,
  startBrokerProcess,
} from "./broker-process.ts";
import { freePorts } from "./cluster-process.ts";
import { kafkajs, readAll, text } from "./kafka-npm-clients.ts";

const PARTITIONS = 4;
const keyOf = (i: number) => `key-${i % 11}`;
const javaPartition = (key: string) =>
  partitionForKey(new TextEncoder().encode(key), PARTITIONS);

for (const host of selectedHosts("TRIBUTARY_E2E_HOSTS")) {
  describe(`npm Kafka clients under ${host}`, () => {
    let broker: BrokerProcess | null = null;
    let kafkaPort = 0;
    const dir = makeTempDir(`tributary-kafka-npm-${host}-`);

    beforeAll(async () => {
      requireHost(host);
      [kafkaPort] = await freePorts(1);
      broker = await startBrokerProcess(host, { dataDir: dir.path, kafkaPort });
      const admin = new Admin({ bootstrap: broker.bootstrap });
      await admin.createTopic("kjs", { partitions: PARTITIONS });
      await admin.createTopic("plat", { partitions: PARTITIONS });
      await admin.close();
    }, 60_000);
    afterAll(async () => {
      await broker?.stop();
      dir.remove();
    });

    it("kafkajs produces keyed records onto the Java client's partitions", async () => {
      const producer = kafkajs(kafkaPort, "kjs-producer").producer({
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      try {
        const messages = Array.from({ length: 40 }, (_, i) => ({
          key: keyOf(i),
          value: `kjs-${i}`,
          headers: { n: String(i) },
        }));
        const acks = await producer.send({ topic: "kjs", acks: -1, messages });
        expect(acks.every((a) => a.errorCode === 0)).toBe(true);
      } finally {
        await producer.disconnect();
      }
      const got = await readAll(broker!.bootstrap, "kjs", PARTITIONS, 40);
      expect(got).toHaveLength(40);
      for (const r of got) {
        const key = text(r.key) as string;
        expect(r.partition, key).toBe(javaPartition(key));
        const n = Number((text(r.value) as string).slice("kjs-".length));
        expect(key).toBe(keyOf(n));
        expect(r.headers.map((h) => [h.key, text(h.value)])).toEqual([["n", String(n)]]);
      }
      // Per partition, the order sent.
      for (let p = 0; p < PARTITIONS; p++) {
        const values = got.filter((r) => r.partition === p).map((r) => Number(text(r.value)!.slice(4)));
        expect(values).toEqual([...values].sort((a, b) => a - b));
      }
    }, 60_000);

    it("@platformatic/kafka (flexible versions only) produces keyed records likewise", async () => {
      const producer = new PlatformaticProducer({
        clientId: "plat-producer",
        bootstrapBrokers: [`127.0.0.1:${kafkaPort}`],
        serializers: stringSerializers,
        partitioner: compatibilityPartitioner,
        retries: 2,
      });
      try {
        const messages = Array.from({ length: 40 }, (_, i) => ({
          topic: "plat",
          key: keyOf(i),
          value: `plat-${i}`,
        }));
        const sent = await producer.send({ messages, acks: -1 });
        expect(sent.offsets?.length).toBeGreaterThan(0);
      } finally {
        await producer.close();
      }
      const got = await readAll(broker!.bootstrap, "plat", PARTITIONS, 40);
      expect(got).toHaveLength(40);
      for (const r of got) {
        const key = text(r.key) as string;
        expect(r.partition, key).toBe(javaPartition(key));
        expect(key).toBe(keyOf(Number(text(r.value)!.slice("plat-".length))));
      }
    }, 60_000);

    it("the broker logged no unexpected error", () => {
      expect(broker?.stderr() ?? "").not.toMatch(/unexpected_error/);
    });
  });
}
