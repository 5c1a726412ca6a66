// The topic admin APIs over the listener against an embedded single-node broker: CreateTopics
// (defaults, validate-only, the checks and their error codes, v5+ configs and v7 topic ids),
// DeleteTopics by name and by id, CreatePartitions (refused on one node after its checks) and
// DeleteRecords, classic and flexible versions alike.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { type RunningBroker, startBroker } from "../../../src/server/start-broker.ts";
import type { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import { uuidHex } from "../../../src/protocol/kafka/uuid.ts";
import { encodeBatch } from "../../../src/log/record-batch.ts";
import { type RawClient, rawClient } from "./support/raw-client.ts";
import { call, readStr } from "./support/admin-client.ts";

let node: RunningBroker;
let c: RawClient;

beforeAll(async () => {
  node = await startBroker(createNodeRuntime(), {
    storage: "memory",
    port: 0,
    httpPort: null,
    kafkaPort: 0,
    topicDefaults: { "retention.bytes": "1000000" },
  });
  c = await rawClient(node.kafkaPort!);
});

afterAll(async () => {
  c?.destroy();
  await node?.close();
});

interface NewTopic {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  assignments?: Array<[number, number[]]>;
  configs?: Array<[string, string | null]>;
}

/** CreateTopics at `version`; answers [name, error, message, partitions, rf, configs, id]. */
async function createTopics(version: number, topics: NewTopic[], validateOnly = false) {
  const flexible = version >= 5;
  const r = await call(c, { key: 19, version, flexible }, (w) => {
    w.array(flexible, topics, (w, t) => {
      w.str(flexible, t.name).int32(t.partitions ?? -1).int16(t.replicationFactor ?? -1);
      w.array(flexible, t.assignments ?? [], (w, [p, ids]) => {
        w.int32(p).array(flexible, ids, (w, id) => w.int32(id)).tags(flexible);
      });
      w.array(flexible, t.configs ?? [], (w, [n, v]) => {
        w.str(flexible, n).str(flexible, v).tags(flexible);
      });
      w.tags(flexible);
    });
    w.int32(30_000);
    if (version >= 1) w.bool(validateOnly);
    w.tags(flexible);
  });
  if (version >= 2) r.int32("throttle");
  const out = r.array(flexible, "topics", (r) => {
    const name = readStr(r, flexible);
    const id = version >= 7 ? uuidHex(r.uuid()) : null;
    const error = r.int16();
    const message = version >= 1 ? readStr(r, flexible) : null;
    let partitions = null, rf = null;
    let configs: Array<[string | null, string | null, number]> | null = null;
    if (version >= 5) {
      partitions = r.int32();
      rf = r.int16();
      configs = r.array(true, "configs", (r) => {
        const entry: [string | null, string | null, number] = [
          r.compactNullableString(),
          r.compactNullableString(),
          (r.bool(), r.int8()),
        ];
        r.bool();
        r.taggedFields();
        return entry;
      });
    }
    if (flexible) r.taggedFields();
    return { name, error, message, partitions, rf, configs, id };
  });
  if (flexible) r.taggedFields();
  r.expectEnd("CreateTopics response");
  return out!;
}

async function deleteTopics(version: number, topics: Array<string | Uint8Array>) {
  const flexible = version >= 4;
  const r = await call(c, { key: 20, version, flexible }, (w) => {
    if (version >= 6) {
      w.array(true, topics, (w, t) => {
        if (typeof t === "string") w.compactNullableString(t).uuid(new Uint8Array(16));
        else w.compactNullableString(null).uuid(t);
        w.tags(true);
      });
    } else w.array(flexible, topics as string[], (w, t) => w.str(flexible, t));
    w.int32(30_000).tags(flexible);
  });
  if (version >= 1) r.int32();
  const out = r.array(flexible, "responses", (r) => {
    const name = readStr(r, flexible);
    if (version >= 6) r.uuid();
    const error = r.int16();
    if (version >= 5) readStr(r, flexible);
    if (flexible) r.taggedFields();
    return [name, error] as const;
  });
  if (flexible) r.taggedFields();
  r.expectEnd("DeleteTopics response");
  return out;
}

const topicNames = () => node.broker.listTopics().map((t) => t.name);

describe("CreateTopics", () => {
  it("v4 (kafkajs, kafka-python) creates topics with counts and configs", async () => {
    const result = await createTopics(4, [{
      name: "made",
      partitions: 2,
      replicationFactor: 1,
      configs: [["retention.ms", "60000"], ["segment.ms", null]],
    }]);
    expect(result).toEqual([expect.objectContaining({ name: "made", error: 0, message: null })]);
    const made = node.broker.describeTopic("made");
    expect(made.partitions).toHaveLength(2);
    expect(made.configs["retention.ms"]).toBe("60000");
    expect(made.configs["segment.ms"]).toBe("604800000");
  });

  it("v0: -1 counts take the broker's defaults", async () => {
    expect(await createTopics(0, [{ name: "defaults" }])).toEqual([
      expect.objectContaining({ name: "defaults", error: 0 }),
    ]);
    expect(node.broker.describeTopic("defaults").partitions).toHaveLength(1);
  });

  it("answers each failing topic with Kafka's code, creating none of them", async () => {
    const result = await createTopics(3, [
      { name: "made" },
      { name: "assigned", assignments: [[0, [1]]] },
      { name: "rf3", replicationFactor: 3 },
      { name: "zero", partitions: 0 },
      { name: "badcfg", configs: [["retention.ms", "soon"]] },
      { name: "nocfg", configs: [["no.such.config", "1"]] },
      { name: "bad/name" },
      { name: "twice" },
      { name: "twice" },
    ]);
    expect(result.map((t) => [t.name, t.error])).toEqual([
      ["made", 36], // TOPIC_ALREADY_EXISTS
      ["assigned", 42], // INVALID_REQUEST
      ["rf3", 38], // INVALID_REPLICATION_FACTOR
      ["zero", 37], // INVALID_PARTITIONS
      ["badcfg", 40], // INVALID_CONFIG
      ["nocfg", 40],
      ["bad/name", 17], // INVALID_TOPIC_EXCEPTION
      ["twice", 42],
      ["twice", 42],
    ]);
    expect(result.every((t) => t.message !== null && t.message.length > 0)).toBe(true);
    for (const name of ["assigned", "rf3", "zero", "badcfg", "nocfg", "twice"]) {
      expect(topicNames()).not.toContain(name);
    }
  });

  it("validate_only checks like the real thing and creates nothing", async () => {
    const result = await createTopics(4, [
      { name: "dry", partitions: 3 },
      { name: "made" },
      { name: "dry-bad", configs: [["retention.ms", "x"]] },
    ], true);
    expect(result.map((t) => [t.name, t.error])).toEqual([["dry", 0], ["made", 36], [
      "dry-bad",
      40,
    ]]);
    expect(topicNames()).not.toContain("dry");
  });

  it("v5+ answers counts and every config with its source; v7 the topic id", async () => {
    const [t] = await createTopics(7, [{ name: "flex", configs: [["retention.ms", "1000"]] }]);
    expect(t).toMatchObject({ name: "flex", error: 0, partitions: 1, rf: 1 });
    expect(t.id).toMatch(/^[0-9a-f]{32}$/);
    expect(t.id).not.toBe("0".repeat(32));
    expect(t.configs).toContainEqual(["retention.ms", "1000", 1]); // set on the topic
    expect(t.configs).toContainEqual(["retention.bytes", "1000000", 4]); // broker default
    expect(t.configs).toContainEqual(["segment.ms", "604800000", 5]); // Kafka's default
    const [dup] = await createTopics(5, [{ name: "flex" }]);
    expect(dup).toMatchObject({ error: 36, partitions: -1, rf: -1, configs: null });
  });
});

describe("DeleteTopics", () => {
  it("v1 by name; unknown names answer UNKNOWN_TOPIC_OR_PARTITION", async () => {
    await node.broker.createTopic({ name: "gone1" });
    expect(await deleteTopics(1, ["gone1", "never"])).toEqual([["gone1", 0], ["never", 3]]);
    expect(topicNames()).not.toContain("gone1");
  });

  it("v4-v5 compact; v6 by name or by the id CreateTopics v7 gave", async () => {
    await node.broker.createTopic({ name: "gone4" });
    expect(await deleteTopics(5, ["gone4"])).toEqual([["gone4", 0]]);
    const [made] = await createTopics(7, [{ name: "byid" }]);
    const id = Uint8Array.from(made.id!.match(/../g)!.map((h) => parseInt(h, 16)));
    const unknown = new Uint8Array(16).fill(7);
    expect(await deleteTopics(6, [id, unknown])).toEqual([["byid", 0], [null, 100]]);
    expect(topicNames()).not.toContain("byid");
  });
});

describe("CreatePartitions", () => {
  async function createPartitions(version: number, name: string, count: number, dry = false) {
    const flexible = version >= 2;
    const r = await call(c, { key: 37, version, flexible }, (w) => {
      w.array(flexible, [name], (w, n) => {
        w.str(flexible, n).int32(count).arrayLength(flexible, null).tags(flexible);
      });
      w.int32(30_000).bool(dry).tags(flexible);
    });
    r.int32();
    const out = r.array(flexible, "results", (r) => {
      const result = [readStr(r, flexible), r.int16(), readStr(r, flexible)] as const;
      if (flexible) r.taggedFields();
      return result;
    });
    if (flexible) r.taggedFields();
    r.expectEnd("CreatePartitions response");
    return out![0];
  }

  it("checks the count, validates only when asked, then grows the topic on one node", async () => {
    expect((await createPartitions(1, "made", 2))[1]).toBe(37); // INVALID_PARTITIONS
    expect((await createPartitions(2, "never", 4))[1]).toBe(3);
    expect((await createPartitions(0, "made", 4, true))[1]).toBe(0); // validate only
    expect(node.broker.describeTopic("made").partitions).toHaveLength(2);
    expect((await createPartitions(3, "made", 4))[1]).toBe(0);
    expect(node.broker.describeTopic("made").partitions).toHaveLength(4);
  });
});

describe("DeleteRecords", () => {
  async function deleteRecords(version: number, topic: string, parts: Array<[number, number]>) {
    const flexible = version >= 2;
    const r = await call(c, { key: 21, version, flexible }, (w) => {
      w.array(flexible, [topic], (w, t) => {
        w.str(flexible, t);
        w.array(flexible, parts, (w, [p, o]) => w.int32(p).int64(o).tags(flexible));
        w.tags(flexible);
      });
      w.int32(30_000).tags(flexible);
    });
    r.int32();
    const out = r.array(flexible, "topics", (r: KafkaReader) => {
      readStr(r, flexible);
      const ps = r.array(flexible, "partitions", (r) => {
        const p = [r.int32(), r.int64(), r.int16()] as const;
        if (flexible) r.taggedFields();
        return p;
      });
      if (flexible) r.taggedFields();
      return ps;
    });
    if (flexible) r.taggedFields();
    r.expectEnd("DeleteRecords response");
    return out![0];
  }

  it("moves each partition's log start; beyond the high watermark: out of range", async () => {
    await node.broker.createTopic({ name: "trim", partitions: 2 });
    const records = (n: number) =>
      encodeBatch({
        records: Array.from({ length: n }, (_, i) => ({
          key: null,
          value: new Uint8Array([i]),
          timestamp: 1_700_000_000_000,
        })),
      });
    await node.broker.produce({ topic: "trim", partition: 0, batches: records(4), acks: 1 });
    await node.broker.produce({ topic: "trim", partition: 1, batches: records(2), acks: 1 });
    expect(await deleteRecords(0, "trim", [[0, 3], [1, 9], [5, 0]])).toEqual([
      [0, 3, 0],
      [1, -1, 1], // OFFSET_OUT_OF_RANGE
      [5, -1, 3], // UNKNOWN_TOPIC_OR_PARTITION
    ]);
    expect(await deleteRecords(2, "trim", [[1, -1]])).toEqual([[1, 2, 0]]);
    expect((await node.broker.listOffsets("trim", 0, "earliest")).offset).toBe(3);
  });
});

describe("Metadata topic ids", () => {
  /** Metadata v12 for topics named [name, id]; answers [error, name, id hex] per topic. */
  async function metadataV12(topics: Array<[string | null, Uint8Array]>) {
    const r = await call(c, { key: 3, version: 12, flexible: true }, (w) => {
      w.array(true, topics, (w, [name, id]) => w.uuid(id).compactNullableString(name).tags(true));
      w.bool(false).bool(false).tags(true);
    });
    r.int32();
    r.array(true, "brokers", (r) => {
      r.int32(), r.compactString(), r.int32(), r.compactNullableString(), r.taggedFields();
    });
    r.compactNullableString();
    r.int32();
    const out = r.array(true, "topics", (r) => {
      const topic = [r.int16(), r.compactNullableString(), uuidHex(r.uuid())] as const;
      r.bool();
      r.array(true, "partitions", (r) => {
        r.int16(), r.int32(), r.int32(), r.int32();
        for (let i = 0; i < 3; i++) r.array(true, "nodes", (r) => r.int32());
        r.taggedFields();
      });
      r.int32();
      r.taggedFields();
      return topic;
    });
    r.taggedFields();
    r.expectEnd("Metadata v12 response");
    return out;
  }

  it("answers the ids CreateTopics gave, and finds a topic named by id only", async () => {
    const [made] = await createTopics(7, [{ name: "ided" }]);
    const id = Uint8Array.from(made.id!.match(/../g)!.map((h) => parseInt(h, 16)));
    expect(await metadataV12([["ided", new Uint8Array(16)]])).toEqual([[0, "ided", made.id]]);
    expect(await metadataV12([[null, id], [null, new Uint8Array(16).fill(9)]])).toEqual([
      [0, "ided", made.id],
      [100, "", "09".repeat(16)], // UNKNOWN_TOPIC_ID
    ]);
  });
});
