// Configs, producer ids, leader epochs and SASL over the listener against an embedded
// single-node broker: DescribeConfigs (sources, synonyms, documentation, key filters, broker
// resources), AlterConfigs and IncrementalAlterConfigs changing what the broker enforces,
// InitProducerId (transactions refused), OffsetForLeaderEpoch, SASL refused with the
// connection kept, and ApiVersions advertising exactly these ranges.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { type RunningBroker, startBroker } from "../../../src/server/start-broker.ts";
import { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import { encodeBatch } from "../../../src/log/record-batch.ts";
import { type RawClient, rawClient, requestFrame } from "./support/raw-client.ts";
import { call, readStr } from "./support/admin-client.ts";

let node: RunningBroker;
let c: RawClient;

beforeAll(async () => {
  node = await startBroker(createNodeRuntime(), {
    storage: "memory",
    port: 0,
    httpPort: null,
    kafkaPort: 0,
    nodeId: 3,
    topicDefaults: { "retention.bytes": "1000000" },
  });
  await node.broker.createTopic({ name: "cfg", configs: { "retention.ms": "1000" } });
  c = await rawClient(node.kafkaPort!);
});

afterAll(async () => {
  c?.destroy();
  await node?.close();
});

interface DescribedConfig {
  value: string | null;
  source: number;
  synonyms: number[];
  doc: unknown;
}

interface Described {
  error: number;
  message: string | null;
  configs: Map<string, DescribedConfig>;
}

async function describeConfigs(
  version: number,
  resources: Array<[number, string, string[] | null]>,
  options: { synonyms?: boolean; docs?: boolean } = {},
): Promise<Described[]> {
  const flexible = version >= 4;
  const r = await call(c, { key: 32, version, flexible }, (w) => {
    w.array(flexible, resources, (w, [type, name, keys]) => {
      w.int8(type).str(flexible, name).array(flexible, keys, (w, k) => w.str(flexible, k));
      w.tags(flexible);
    });
    if (version >= 1) w.bool(options.synonyms === true);
    if (version >= 3) w.bool(options.docs === true);
    w.tags(flexible);
  });
  r.int32();
  const out = r.array(flexible, "results", (r) => {
    const error = r.int16();
    const message = readStr(r, flexible);
    r.int8();
    readStr(r, flexible);
    const configs = new Map<string, DescribedConfig>();
    r.array(flexible, "configs", (r) => {
      const name = readStr(r, flexible)!;
      const value = readStr(r, flexible);
      r.bool();
      const source = version === 0 ? (r.bool() ? 5 : -1) : r.int8();
      r.bool();
      const synonyms = version >= 1
        ? r.array(flexible, "synonyms", (r) => {
          readStr(r, flexible);
          readStr(r, flexible);
          const s = r.int8();
          if (flexible) r.taggedFields();
          return s;
        })!
        : [];
      let doc: unknown = undefined;
      if (version >= 3) doc = [r.int8(), readStr(r, flexible)];
      if (flexible) r.taggedFields();
      configs.set(name, { value, source, synonyms, doc });
    });
    if (flexible) r.taggedFields();
    return { error, message, configs };
  });
  if (flexible) r.taggedFields();
  r.expectEnd("DescribeConfigs response");
  return out!;
}

/** AlterConfigs (op undefined) or IncrementalAlterConfigs; answers each resource's error. */
async function alter(
  version: number,
  incremental: boolean,
  resources: Array<[number, string, Array<[string, number, string | null]>]>,
  validateOnly = false,
) {
  const flexible = incremental ? version >= 1 : version >= 2;
  const r = await call(c, { key: incremental ? 44 : 33, version, flexible }, (w) => {
    w.array(flexible, resources, (w, [type, name, configs]) => {
      w.int8(type).str(flexible, name);
      w.array(flexible, configs, (w, [n, op, v]) => {
        w.str(flexible, n);
        if (incremental) w.int8(op);
        w.str(flexible, v).tags(flexible);
      });
      w.tags(flexible);
    });
    w.bool(validateOnly).tags(flexible);
  });
  r.int32();
  const out = r.array(flexible, "responses", (r) => {
    const error = r.int16();
    const message = readStr(r, flexible);
    r.int8();
    const name = readStr(r, flexible);
    if (flexible) r.taggedFields();
    return { name, error, message };
  });
  if (flexible) r.taggedFields();
  r.expectEnd("AlterConfigs response");
  return out!;
}

describe("DescribeConfigs", () => {
  it("v0-v2: every config with its source; synonyms when asked", async () => {
    const [v0] = await describeConfigs(0, [[2, "cfg", null]]);
    expect(v0.error).toBe(0);
    expect(v0.configs.size).toBe(14);
    expect(v0.configs.get("compression.type")).toMatchObject({ value: "producer", source: 5 });
    expect(v0.configs.get("segment.ms")).toMatchObject({ value: "604800000", source: 5 });
    expect(v0.configs.get("retention.ms")).toMatchObject({ value: "1000", source: -1 });
    const [v1] = await describeConfigs(1, [[2, "cfg", null]], { synonyms: true });
    expect(v1.configs.get("retention.ms")).toMatchObject({ source: 1, synonyms: [1, 5] });
    expect(v1.configs.get("retention.bytes")).toMatchObject({
      value: "1000000",
      source: 4,
      synonyms: [4, 5],
    });
    expect(v1.configs.get("segment.ms")?.synonyms).toEqual([5]);
    const [plain] = await describeConfigs(2, [[2, "cfg", null]]);
    expect(plain.configs.get("retention.ms")?.synonyms).toEqual([]);
  });

  it("v3-v4: types and documentation when asked; keys filter; unknown keys left out", async () => {
    const [v3] = await describeConfigs(3, [[2, "cfg", ["retention.ms", "nope"]]], { docs: true });
    expect([...v3.configs.keys()]).toEqual(["retention.ms"]);
    const [type, doc] = v3.configs.get("retention.ms")!.doc as [number, string];
    expect(type).toBe(5); // LONG
    expect(doc.length).toBeGreaterThan(10);
    const [v4] = await describeConfigs(4, [[2, "cfg", ["cleanup.policy"]]]);
    expect(v4.configs.get("cleanup.policy")).toMatchObject({ value: "delete", doc: [7, null] });
  });

  it("brokers by id or '' (read-only, static or default); errors per resource", async () => {
    const results = await describeConfigs(1, [
      [4, "3", null],
      [4, "", ["num.partitions"]],
      [4, "9", null],
      [2, "never", null],
      [8, "x", null],
    ]);
    expect(results[0].configs.get("broker.id")).toMatchObject({ value: "3", source: 4 });
    expect(results[1].configs.get("num.partitions")).toMatchObject({ value: "1", source: 5 });
    expect(results.slice(2).map((res) => res.error)).toEqual([42, 3, 42]);
    expect(results[2].message).toMatch(/broker 9/);
  });
});

describe("AlterConfigs and IncrementalAlterConfigs", () => {
  it("AlterConfigs replaces the explicit set; the broker enforces it at once", async () => {
    await node.broker.createTopic({ name: "alt", configs: { "retention.ms": "1000" } });
    expect(await alter(0, false, [[2, "alt", [["max.message.bytes", 0, "2048"]]]])).toEqual([
      { name: "alt", error: 0, message: null },
    ]);
    const configs = node.broker.describeTopic("alt").configs;
    expect(configs["max.message.bytes"]).toBe("2048");
    expect(configs["retention.ms"]).toBe("604800000"); // not named: back to the default
    const big = encodeBatch({
      records: [{ key: null, value: new Uint8Array(4000), timestamp: 1_700_000_000_000 }],
    });
    await expect(node.broker.produce({ topic: "alt", partition: 0, batches: big, acks: 1 }))
      .rejects.toMatchObject({ code: "MESSAGE_TOO_LARGE" });
  });

  it("validate_only and bad values change nothing; brokers and unknowns are refused", async () => {
    const results = await alter(2, false, [
      [2, "alt", [["retention.ms", 0, "5"]]],
      [2, "alt", [["retention.ms", 0, "soon"]]],
      [2, "never", [["retention.ms", 0, "5"]]],
      [4, "3", [["num.partitions", 0, "5"]]],
    ], true);
    expect(results.map((res) => res.error)).toEqual([0, 40, 3, 42]);
    expect(node.broker.describeTopic("alt").configs["retention.ms"]).toBe("604800000");
  });

  it("an error quoting a huge value still fits the classic int16 string", async () => {
    const huge = "x".repeat(32_700); // the message quoting it would not fit in 32767 bytes
    const [res] = await alter(0, false, [[2, "cfg", [["message.timestamp.type", 0, huge]]]]);
    expect(res.error).toBe(40);
    expect(res.message!.length).toBeLessThanOrEqual(1001);
  });

  it("IncrementalAlterConfigs: SET, APPEND, SUBTRACT and DELETE only what they name", async () => {
    await node.broker.createTopic({ name: "inc", configs: { "retention.ms": "1000" } });
    expect(
      await alter(0, true, [[2, "inc", [
        ["segment.ms", 0, "5000"], // SET
        ["cleanup.policy", 2, "compact"], // APPEND
      ]]]),
    ).toEqual([{ name: "inc", error: 0, message: null }]);
    let configs = node.broker.describeTopic("inc").configs;
    expect(configs).toMatchObject({
      "retention.ms": "1000",
      "segment.ms": "5000",
      "cleanup.policy": "compact,delete",
    });
    expect(
      await alter(1, true, [[2, "inc", [
        ["cleanup.policy", 3, "delete"], // SUBTRACT
        ["retention.ms", 1, null], // DELETE
      ]]]),
    ).toEqual([{ name: "inc", error: 0, message: null }]);
    configs = node.broker.describeTopic("inc").configs;
    expect(configs["cleanup.policy"]).toBe("compact");
    expect(configs["retention.ms"]).toBe("604800000");
    const [bad] = await alter(1, true, [[2, "inc", [["segment.ms", 9, "1"]]]]);
    expect(bad.error).toBe(42);
    expect(bad.message).toMatch(/operation 9/);
    const [scalar] = await alter(1, true, [[2, "inc", [["segment.ms", 2, "1"]]]]);
    expect(scalar.error).toBe(40);
  });
});

describe("InitProducerId", () => {
  async function initProducerId(version: number, transactionalId: string | null) {
    const flexible = version >= 2;
    const r = await call(c, { key: 22, version, flexible }, (w) => {
      w.str(flexible, transactionalId).int32(60_000);
      if (version >= 3) w.int64(-1).int16(-1);
      w.tags(flexible);
    });
    r.int32();
    const out = { error: r.int16(), producerId: r.int64(), epoch: r.int16() };
    if (flexible) r.taggedFields();
    r.expectEnd("InitProducerId response");
    return out;
  }

  it("gives idempotent producers fresh ids at epoch 0, classic and flexible", async () => {
    const a = await initProducerId(0, null);
    const b = await initProducerId(4, null);
    expect(a).toMatchObject({ error: 0, epoch: 0 });
    expect(b).toMatchObject({ error: 0, epoch: 0 });
    expect(a.producerId).toBeGreaterThanOrEqual(0);
    expect(b.producerId).not.toBe(a.producerId);
  });

  it("refuses a transactional id with TRANSACTIONAL_ID_AUTHORIZATION_FAILED", async () => {
    expect(await initProducerId(1, "tx")).toEqual({ error: 53, producerId: -1, epoch: -1 });
    expect(await initProducerId(3, "tx")).toEqual({ error: 53, producerId: -1, epoch: -1 });
  });
});

describe("OffsetForLeaderEpoch", () => {
  async function epochEnd(version: number, parts: Array<[string, number, number, number]>) {
    const flexible = version >= 4;
    const r = await call(c, { key: 23, version, flexible }, (w) => {
      if (version >= 3) w.int32(-1);
      w.array(flexible, parts, (w, [topic, p, current, epoch]) => {
        w.str(flexible, topic);
        w.array(flexible, [0], () => {
          w.int32(p);
          if (version >= 2) w.int32(current);
          w.int32(epoch).tags(flexible);
        });
        w.tags(flexible);
      });
      w.tags(flexible);
    });
    if (version >= 2) r.int32();
    const out = r.array(flexible, "topics", (r: KafkaReader) => {
      readStr(r, flexible);
      const [p] = r.array(flexible, "partitions", (r) => {
        const error = r.int16();
        r.int32();
        const epoch = version >= 1 ? r.int32() : null;
        const end = r.int64();
        if (flexible) r.taggedFields();
        return [error, epoch, end] as const;
      })!;
      if (flexible) r.taggedFields();
      return p;
    });
    if (flexible) r.taggedFields();
    r.expectEnd("OffsetForLeaderEpoch response");
    return out;
  }

  it("answers the log end for the current epoch; checks the current epoch", async () => {
    await node.broker.createTopic({ name: "ep" });
    const batch = encodeBatch({
      records: [0, 1, 2].map((i) => ({
        key: null,
        value: new Uint8Array([i]),
        timestamp: 1_700_000_000_000,
      })),
    });
    await node.broker.produce({ topic: "ep", partition: 0, batches: batch, acks: 1 });
    const epoch = node.broker.describeTopic("ep").partitions[0].leaderEpoch;
    expect(await epochEnd(0, [["ep", 0, -1, epoch]])).toEqual([[0, null, 3]]);
    expect(await epochEnd(3, [["ep", 0, epoch, epoch], ["ep", 7, -1, epoch]])).toEqual([
      [0, epoch, 3],
      [3, -1, -1],
    ]);
    expect(await epochEnd(4, [["ep", 0, epoch + 1, epoch]])).toEqual([[75, -1, -1]]);
    expect(await epochEnd(2, [["ep", 0, -1, epoch + 5]])).toEqual([[0, -1, -1]]);
  });
});

describe("SASL", () => {
  it("refuses every mechanism, and authenticating without a handshake; stays open", async () => {
    const handshake = { key: 17, version: 1, flexible: false };
    let r = await call(c, handshake, (w) => w.nullableString("PLAIN"));
    expect([r.int16(), r.array(false, "mechanisms", (r) => r.string())]).toEqual([33, []]);
    r.expectEnd("SaslHandshake response");
    r = await call(c, { key: 36, version: 2, flexible: true }, (w) => {
      w.compactNullableBytes(new Uint8Array([0, 117, 0, 112])).tags(true);
    });
    expect(r.int16()).toBe(34);
    expect(r.compactNullableString()).toMatch(/no SASL handshake/);
    r = await call(c, { key: 36, version: 1, flexible: false }, (w) => {
      w.nullableBytes(new Uint8Array([1]));
    });
    expect([r.int16(), r.nullableString() !== null, r.bytesField().length, r.int64()]).toEqual([
      34,
      true,
      0,
      0,
    ]);
    r.expectEnd("SaslAuthenticate v1 response");
    // Still open and serving: the client may go on unauthenticated.
    r = await call(c, { key: 18, version: 2, flexible: false }, () => {});
    expect(r.int16()).toBe(0);
  });

  it("a malformed SaslAuthenticate (null auth_bytes) closes that connection only", async () => {
    const other = await rawClient(node.kafkaPort!);
    try {
      other.send(requestFrame(36, 0, 1, new Uint8Array([0xff, 0xff, 0xff, 0xff])));
      expect(await other.closed()).toBe(true);
      const r = await call(c, { key: 18, version: 0, flexible: false }, () => {});
      expect(r.int16()).toBe(0);
    } finally {
      other.destroy();
    }
  });
});

describe("ApiVersions", () => {
  it("advertises the admin, producer-id, epoch and SASL ranges", async () => {
    const fresh = await rawClient(node.kafkaPort!);
    try {
      fresh.send(requestFrame(18, 0, 1, new Uint8Array(0)));
      const r = new KafkaReader(await fresh.next());
      r.int32();
      expect(r.int16()).toBe(0);
      const ranges = r.array(false, "api_keys", (r) => [r.int16(), r.int16(), r.int16()]);
      expect(ranges).toEqual(expect.arrayContaining([
        [17, 0, 1],
        [19, 0, 7],
        [20, 0, 6],
        [21, 0, 2],
        [22, 0, 4],
        [23, 0, 4],
        [32, 0, 4],
        [33, 0, 2],
        [36, 0, 2],
        [37, 0, 3],
        [44, 0, 1],
      ]));
    } finally {
      fresh.destroy();
    }
  });
});
