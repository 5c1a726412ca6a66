// The npm Kafka clients against a real broker process under node, deno and bun, over the Kafka
// listener: kafkajs (Kafka 0.10-2.x versions, non-flexible) and @platformatic/kafka (Kafka 3.5+
// flexible versions only, no fallback). Keyed records land where the Java client puts them
// (murmur2, sign bit masked) and read back byte for byte.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompressionTypes, type Consumer as KafkaJsConsumer, Partitioners } from "kafkajs";
import {
  Admin as PlatformaticAdmin,
  compatibilityPartitioner,
  CompressionAlgorithms,
  Consumer as PlatformaticConsumer,
  MessagesStreamModes,
  Producer as PlatformaticProducer,
  stringDeserializers,
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
import { kafkajs, readAll, storedCodecs, text, until } from "./kafka-npm-clients.ts";

const PARTITIONS = 4;
const keyOf = (i: number) => `key-${i % 11}`;
const javaPartition = (key: string) => partitionForKey(new TextEncoder().encode(key), PARTITIONS);

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
      await admin.createTopic("kg", { partitions: PARTITIONS });
      await admin.createTopic("pg", { partitions: PARTITIONS });
      for (const t of ["kjs-gzip", "plat-gzip", "plat-snappy", "plat-lz4"]) {
        await admin.createTopic(t, { partitions: 1 });
      }
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
        const values = got.filter((r) => r.partition === p).map((r) =>
          Number(text(r.value)!.slice(4))
        );
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

    it(
      "kafkajs: a group of two splits the partitions after a rebalance, commits, and its lag shows in Tributary",
      async () => {
        const producer = kafkajs(kafkaPort, "kg-producer").producer({
          createPartitioner: Partitioners.DefaultPartitioner,
        });
        await producer.connect();
        const send = (from: number, n: number) =>
          producer.send({
            topic: "kg",
            acks: -1,
            messages: Array.from({ length: n }, (_, i) => ({
              key: keyOf(from + i),
              value: String(from + i),
            })),
          });
        await send(0, 100);
        interface Member {
          consumer: KafkaJsConsumer;
          owned: number[];
          got: Array<{ partition: number; value: number }>;
        }
        const join = async (name: string): Promise<Member> => {
          const consumer = kafkajs(kafkaPort, name).consumer({
            groupId: "kg-group",
            sessionTimeout: 10_000,
            rebalanceTimeout: 10_000,
            heartbeatInterval: 300,
          });
          const m: Member = { consumer, owned: [], got: [] };
          consumer.on(consumer.events.GROUP_JOIN, (e) => {
            m.owned = [...(e.payload.memberAssignment["kg"] ?? [])].sort();
          });
          await consumer.connect();
          await consumer.subscribe({ topic: "kg", fromBeginning: true });
          await consumer.run({
            eachMessage: async ({ partition, message }) => {
              m.got.push({ partition, value: Number(message.value?.toString()) });
            },
          });
          return m;
        };
        const a = await join("kg-a");
        expect(await until(() => a.got.length >= 100)).toBe(true);
        expect(a.owned).toEqual([0, 1, 2, 3]);
        const b = await join("kg-b");
        expect(await until(() => a.owned.length === 2 && b.owned.length === 2)).toBe(true);
        expect([...a.owned, ...b.owned].sort()).toEqual([0, 1, 2, 3]);
        await send(100, 100);
        const values = () => new Set([...a.got, ...b.got].map((r) => r.value));
        expect(await until(() => values().size === 200)).toBe(true);
        // After the rebalance each record went to the member that owns its partition.
        for (const m of [a, b]) {
          for (const r of m.got.filter((r) => r.value >= 100)) {
            expect(m.owned).toContain(r.partition);
          }
        }
        expect(b.got.length).toBeGreaterThan(0);
        await a.consumer.disconnect(); // kafkajs commits what it processed as it stops
        await b.consumer.disconnect();
        await send(200, 10);
        await producer.disconnect();
        const admin = new Admin({ bootstrap: broker!.bootstrap });
        try {
          const offsets = await admin.fetchOffsets("kg-group");
          const committed = offsets.filter((o) => o.topic === "kg");
          expect(committed.map((o) => o.partition).sort()).toEqual([0, 1, 2, 3]);
          expect(committed.reduce((n, o) => n + (o.offset ?? 0), 0)).toBe(200);
          expect(committed.reduce((n, o) => n + (o.lag ?? 0), 0)).toBe(10);
          const listed = await admin.listGroups();
          expect(listed.map((g) => g.groupId)).toContain("kg-group");
        } finally {
          await admin.close();
        }
      },
      90_000,
    );

    it(
      "kafkajs admin creates, describes, alters and deletes topics and their configs",
      async () => {
        const admin = kafkajs(kafkaPort, "kjs-admin").admin();
        await admin.connect();
        try {
          expect(
            await admin.createTopics({
              topics: [{
                topic: "kjs-admin",
                numPartitions: 3,
                configEntries: [{ name: "cleanup.policy", value: "compact" }],
              }],
              waitForLeaders: true,
            }),
          ).toBe(true);
          const meta = await admin.fetchTopicMetadata({ topics: ["kjs-admin"] });
          expect(meta.topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
          const configOf = async (name: string) => {
            const d = await admin.describeConfigs({
              resources: [{ type: 2, name: "kjs-admin", configNames: [name] }],
              includeSynonyms: false,
            });
            return d.resources[0].configEntries.find((e) => e.configName === name)?.configValue;
          };
          expect(await configOf("cleanup.policy")).toBe("compact");
          await admin.alterConfigs({
            validateOnly: false,
            resources: [{
              type: 2,
              name: "kjs-admin",
              configEntries: [{ name: "retention.ms", value: "3600000" }],
            }],
          });
          expect(await configOf("retention.ms")).toBe("3600000");
          await admin.createPartitions({ topicPartitions: [{ topic: "kjs-admin", count: 5 }] });
          const grown = await admin.fetchTopicMetadata({ topics: ["kjs-admin"] });
          expect(grown.topics[0].partitions).toHaveLength(5);
          await admin.deleteTopics({ topics: ["kjs-admin"] });
          expect(await until(async () => !(await admin.listTopics()).includes("kjs-admin")))
            .toBe(true);
        } finally {
          await admin.disconnect();
        }
      },
      60_000,
    );

    it("kafkajs idempotent producer: every record once, in order", async () => {
      await kafkajs(kafkaPort, "kjs-idem-admin").admin().createTopics({
        topics: [{ topic: "kjs-idem", numPartitions: 1 }],
      });
      const producer = kafkajs(kafkaPort, "kjs-idem").producer({
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      try {
        for (let i = 0; i < 5; i++) {
          await producer.send({
            topic: "kjs-idem",
            acks: -1,
            messages: Array.from({ length: 10 }, (_, j) => ({ value: `idem-${i * 10 + j}` })),
          });
        }
      } finally {
        await producer.disconnect();
      }
      const got = await readAll(broker!.bootstrap, "kjs-idem", 1, 50);
      expect(got.map((r) => text(r.value))).toEqual(
        Array.from({ length: 50 }, (_, i) => `idem-${i}`),
      );
    }, 60_000);

    it(
      "@platformatic/kafka: a group consumer reads from the earliest offset and commits",
      async () => {
        const producer = new PlatformaticProducer({
          clientId: "pg-producer",
          bootstrapBrokers: [`127.0.0.1:${kafkaPort}`],
          serializers: stringSerializers,
          partitioner: compatibilityPartitioner,
        });
        await producer.send({
          messages: Array.from({ length: 60 }, (_, i) => ({
            topic: "pg",
            key: keyOf(i),
            value: String(i),
          })),
          acks: -1,
        });
        await producer.close();
        const consumer = new PlatformaticConsumer({
          clientId: "pg-consumer",
          groupId: "pg-group",
          bootstrapBrokers: [`127.0.0.1:${kafkaPort}`],
          deserializers: stringDeserializers,
          sessionTimeout: 10_000,
          heartbeatInterval: 500,
        });
        const seen = new Set<string>();
        try {
          const stream = await consumer.consume({
            topics: ["pg"],
            mode: MessagesStreamModes.EARLIEST,
            autocommit: false,
          });
          for await (const message of stream) {
            seen.add(message.value as string);
            await message.commit();
            if (seen.size === 60) break;
          }
          await stream.close();
        } finally {
          await consumer.close(true);
        }
        expect(seen.size).toBe(60);
        const admin = new Admin({ bootstrap: broker!.bootstrap });
        try {
          const offsets = (await admin.fetchOffsets("pg-group")).filter((o) => o.topic === "pg");
          expect(offsets.reduce((n, o) => n + (o.offset ?? 0), 0)).toBe(60);
        } finally {
          await admin.close();
        }
      },
      60_000,
    );

    it(
      "@platformatic/kafka admin creates, lists, describes and deletes topics and groups",
      async () => {
        const admin = new PlatformaticAdmin({
          clientId: "plat-admin",
          bootstrapBrokers: [`127.0.0.1:${kafkaPort}`],
        });
        try {
          await admin.createTopics({ topics: ["plat-admin"], partitions: 2, replicas: 1 });
          expect(await admin.listTopics()).toContain("plat-admin");
          const configs = await admin.describeConfigs({
            resources: [{ resourceType: 2, resourceName: "plat-admin" }],
          });
          const names = configs[0].configs.map((c) => c.name);
          expect(names).toContain("cleanup.policy");
          const groups = await admin.listGroups();
          expect([...groups.keys()]).toContain("pg-group");
          await admin.deleteGroups({ groups: ["pg-group"] });
          expect([...(await admin.listGroups()).keys()]).not.toContain("pg-group");
          await admin.deleteTopics({ topics: ["plat-admin"] });
          expect(await admin.listTopics()).not.toContain("plat-admin");
        } finally {
          await admin.close();
        }
      },
      60_000,
    );

    it("kafkajs gzip batches are stored as gzip and read back", async () => {
      const producer = kafkajs(kafkaPort, "kjs-gzip").producer();
      await producer.connect();
      try {
        await producer.send({
          topic: "kjs-gzip",
          acks: -1,
          compression: CompressionTypes.GZIP,
          messages: Array.from(
            { length: 20 },
            (_, i) => ({ value: `gzip-${i} ${"x".repeat(50)}` }),
          ),
        });
      } finally {
        await producer.disconnect();
      }
      expect(new Set(await storedCodecs(kafkaPort, "kjs-gzip"))).toEqual(new Set([1]));
      const got = await readAll(broker!.bootstrap, "kjs-gzip", 1, 20);
      expect(got.map((r) => text(r.value))).toEqual(
        Array.from({ length: 20 }, (_, i) => `gzip-${i} ${"x".repeat(50)}`),
      );
    }, 60_000);

    // zstd needs Node 22's zlib in @platformatic/kafka; gzip, snappy and lz4 run on Node 20.
    for (const [codec, id] of [["gzip", 1], ["snappy", 2], ["lz4", 3]] as const) {
      it(`@platformatic/kafka ${codec} batches are stored as ${codec} and read back`, async () => {
        const topic = `plat-${codec}`;
        const producer = new PlatformaticProducer({
          clientId: `plat-${codec}`,
          bootstrapBrokers: [`127.0.0.1:${kafkaPort}`],
          serializers: stringSerializers,
          compression: CompressionAlgorithms[codec.toUpperCase() as "GZIP" | "SNAPPY" | "LZ4"],
        });
        const values = Array.from({ length: 20 }, (_, i) => `${codec}-${i} ${"y".repeat(50)}`);
        try {
          await producer.send({
            messages: values.map((value) => ({ topic, value, partition: 0 })),
            acks: -1,
          });
        } finally {
          await producer.close();
        }
        expect(new Set(await storedCodecs(kafkaPort, topic))).toEqual(new Set([id]));
        const got = await readAll(broker!.bootstrap, topic, 1, 20);
        expect(got.map((r) => text(r.value))).toEqual(values);
      }, 60_000);
    }

    it("the broker logged no unexpected error", () => {
      expect(broker?.stderr() ?? "").not.toMatch(/unexpected_error/);
    });
  });
}
