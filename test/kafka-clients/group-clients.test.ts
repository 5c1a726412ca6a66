// Real clients' committed offsets over the Kafka listener of an embedded broker, through the
// broker's group service alone (no classic group protocol needed): kafka-python consumers that
// assign their own partitions commit (generation -1, no member: a simple commit) and resume
// from the committed offset, and kafkajs's admin reads those offsets and deletes the group.
// Consumer groups with members (JoinGroup and the rest) need the coordinator's
// ClassicGroupsApi; their handlers are covered in group-handlers.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { type RunningBroker, startBroker } from "../../src/server/start-broker.ts";
import { encodeBatch } from "../../src/log/record-batch.ts";
import { ensureKafkaClients, PYTHON, runClient } from "./debian-clients.ts";

const enc = new TextEncoder();
let node: RunningBroker;

beforeAll(async () => {
  const missing = ensureKafkaClients();
  if (missing !== null) throw new Error(`kafka-python is needed here: ${missing}`);
  node = await startBroker(createNodeRuntime(), {
    storage: "memory",
    port: 0,
    httpPort: null,
    kafkaPort: 0,
    offsetsTopicPartitions: 2,
  });
  await node.broker.createTopic({ name: "st", partitions: 2 });
  await node.broker.produce({
    topic: "st",
    partition: 0,
    acks: 1,
    batches: encodeBatch({
      records: Array.from({ length: 5 }, (_, i) => ({
        key: null,
        value: enc.encode(`v${i}`),
        timestamp: 1_700_000_000_000 + i,
      })),
    }),
  });
});

afterAll(async () => {
  await node?.close();
});

// Reads up to `count` records of st-0 from the committed offset (or the start), commits the
// next offset with metadata "py", prints what it read and what is committed.
const KAFKA_PYTHON_SIMPLE = `
import json, sys
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
c = KafkaConsumer(bootstrap_servers=sys.argv[1], group_id="simple", enable_auto_commit=False,
                  auto_offset_reset="earliest", consumer_timeout_ms=5000,
                  request_timeout_ms=20000)
tp = TopicPartition("st", 0)
c.assign([tp])
got = []
for m in c:
    got.append(m.value.decode())
    if len(got) == int(sys.argv[2]):
        break
c.commit({tp: OffsetAndMetadata(c.position(tp), "py")})
print(json.dumps({"got": got, "committed": c.committed(tp)}))
c.close()
`;

async function kafkaPython(count: number): Promise<{ got: string[]; committed: number }> {
  const run = await runClient(
    PYTHON,
    ["-c", KAFKA_PYTHON_SIMPLE, `127.0.0.1:${node.kafkaPort}`, String(count)],
    40_000,
  );
  expect(run.stderr).not.toMatch(/Traceback/);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout.trim().split("\n").at(-1)!);
}

describe("committed offsets with real clients", () => {
  it("kafka-python commits as a simple consumer and resumes from its commit", async () => {
    expect(await kafkaPython(3)).toEqual({ got: ["v0", "v1", "v2"], committed: 3 });
    expect(await kafkaPython(2)).toEqual({ got: ["v3", "v4"], committed: 5 });
  }, 90_000);

  it("kafkajs's admin reads the group's offsets and deletes the group", async () => {
    const kafka = new Kafka({
      brokers: [`127.0.0.1:${node.kafkaPort}`],
      clientId: "kjs-admin",
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.fetchOffsets({ groupId: "simple", topics: ["st"] })).toEqual([{
        topic: "st",
        partitions: [
          { partition: 0, offset: "5", metadata: "py" },
          // Nothing committed: offset -1 and metadata "", which kafkajs shows as null.
          { partition: 1, offset: "-1", metadata: null },
        ],
      }]);
      expect(await admin.deleteGroups(["simple"])).toEqual([{ groupId: "simple", errorCode: 0 }]);
      const after = await admin.fetchOffsets({ groupId: "simple", topics: ["st"] });
      expect(after[0].partitions.map((p) => p.offset)).toEqual(["-1", "-1"]);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
