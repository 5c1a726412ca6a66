// The Kafka listener against an embedded broker over real sockets: ApiVersions at every
// version (and above ours), Metadata and auto-creation, answers in request order, and a
// connection closed with a log line for an unsupported version or a malformed request, with
// the broker and its other connections unaffected.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { type RunningBroker, startBroker } from "../../../src/server/start-broker.ts";
import { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import { captureLogs } from "../../support/log-capture.ts";
import { type RawClient, rawClient, requestFrame } from "./support/raw-client.ts";
import { KCAT_API_VERSIONS_V3 } from "./support/captured.ts";
import { parseHex } from "../../fixtures/record-batch/hex.ts";

const logs = captureLogs("info");
let node: RunningBroker;
let strict: RunningBroker;
const clients: RawClient[] = [];

beforeAll(async () => {
  const rt = createNodeRuntime();
  node = await startBroker(rt, {
    storage: "memory",
    port: 0,
    httpPort: null,
    kafkaPort: 0,
    autoCreateTopics: true,
    logger: logs.logger,
  });
  strict = await startBroker(rt, {
    storage: "memory",
    port: 0,
    httpPort: null,
    kafkaPort: 0,
    kafkaRequestBytesMax: 1000,
  });
  await node.broker.createTopic({ name: "two", partitions: 2 });
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await node?.close();
  await strict?.close();
});

async function client(broker = node): Promise<RawClient> {
  const c = await rawClient(broker.kafkaPort!);
  clients.push(c);
  return c;
}

function apiVersionsBody(frame: Uint8Array, version: number) {
  const r = new KafkaReader(frame);
  const correlationId = r.int32(); // response header v0 always
  const errorCode = r.int16();
  const ranges = r.array(version >= 3, "api_keys", (r) => {
    const range = [r.int16(), r.int16(), r.int16()];
    if (version >= 3) r.taggedFields();
    return range;
  });
  if (version >= 1) r.int32();
  if (version >= 3) r.taggedFields();
  r.expectEnd("ApiVersions response");
  return { correlationId, errorCode, ranges };
}

/** Brokers, controller and topics ([name, error, partitions]) of a Metadata v1-v4 response. */
function metadataV1Topics(frame: Uint8Array, version = 1) {
  const r = new KafkaReader(frame);
  r.int32();
  if (version >= 3) r.int32();
  const brokers = r.array(
    false,
    "brokers",
    (r) => [r.int32(), r.string(), r.int32(), r.nullableString()],
  );
  if (version >= 2) r.nullableString();
  const controllerId = r.int32();
  const topics = r.array(false, "topics", (r) => {
    const error = r.int16();
    const name = r.string();
    r.bool();
    const partitions = r.array(false, "partitions", (r) => {
      r.int16();
      const p = r.int32();
      r.int32();
      r.array(false, "replicas", (r) => r.int32());
      r.array(false, "isr", (r) => r.int32());
      return p;
    });
    return [name, error, partitions] as const;
  });
  r.expectEnd(`Metadata v${version} response`);
  return { brokers, controllerId, topics };
}

function metadataV4Request(names: string[], allow: boolean): Uint8Array {
  const w = new KafkaWriter();
  w.array(false, names, (w, n) => w.nullableString(n)).bool(allow);
  return w.finish().slice();
}

describe("ApiVersions", () => {
  it.each([0, 1, 2])("v%d lists Metadata 0-12 and ApiVersions 0-3", async (version) => {
    const c = await client();
    c.send(requestFrame(18, version, 41, new Uint8Array(0)));
    const body = apiVersionsBody(await c.next(), version);
    expect(body.correlationId).toBe(41);
    expect(body.errorCode).toBe(0);
    expect(body.ranges).toEqual(expect.arrayContaining([[3, 0, 12], [18, 0, 3]]));
  });

  it("v3 (kcat's exact bytes) is answered flexibly, with response header v0", async () => {
    const c = await client();
    c.send(KCAT_API_VERSIONS_V3);
    const body = apiVersionsBody(await c.next(), 3);
    expect(body).toMatchObject({ correlationId: 1, errorCode: 0 });
  });

  it("a version above ours gets the v0 layout with UNSUPPORTED_VERSION and our table", async () => {
    const c = await client();
    // v4's body is unknown to us and is not parsed: anything may follow.
    c.send(requestFrame(18, 4, 9, parseHex("ffff 01"), { flexible: true }));
    const body = apiVersionsBody(await c.next(), 0);
    expect(body).toMatchObject({ correlationId: 9, errorCode: 35 });
    expect(body.ranges).toContainEqual([18, 0, 3]);
    // The connection stays open for the retry at a version we serve.
    c.send(requestFrame(18, 3, 10, parseHex("02 61 02 31 00"), { flexible: true }));
    expect(apiVersionsBody(await c.next(), 3)).toMatchObject({ correlationId: 10, errorCode: 0 });
  });
});

describe("Metadata", () => {
  it("v1 with a null list: every topic, this broker with its Kafka port as controller", async () => {
    const c = await client();
    c.send(requestFrame(3, 1, 5, parseHex("ffffffff")));
    const m = metadataV1Topics((await c.next()).subarray(0));
    expect(m.brokers).toEqual([[node.nodeId, "127.0.0.1", node.kafkaPort, null]]);
    expect(m.controllerId).toBe(node.nodeId);
    expect(m.topics).toContainEqual(["two", 0, [0, 1]]);
  });

  it("auto-creates a named topic when the broker does and the request allows it", async () => {
    const c = await client();
    c.send(requestFrame(3, 4, 6, metadataV4Request(["fresh", "fresh"], true)));
    expect(metadataV1Topics(await c.next(), 4).topics).toEqual([["fresh", 0, [0]]]);
    expect(node.broker.listTopics().map((t) => t.name)).toContain("fresh");
  });

  it("allow_auto_topic_creation false: UNKNOWN_TOPIC_OR_PARTITION, nothing created", async () => {
    const c = await client();
    c.send(requestFrame(3, 4, 7, metadataV4Request(["not-made"], false)));
    expect(metadataV1Topics(await c.next(), 4).topics).toEqual([["not-made", 3, []]]);
    expect(node.broker.listTopics().map((t) => t.name)).not.toContain("not-made");
  });

  it("a broker without auto-creation answers UNKNOWN_TOPIC_OR_PARTITION even when allowed", async () => {
    const c = await client(strict);
    c.send(requestFrame(3, 1, 8, parseHex("00000001 0003 6e6f70")));
    expect(metadataV1Topics(await c.next()).topics).toEqual([["nop", 3, []]]);
    expect(strict.broker.listTopics().map((t) => t.name)).not.toContain("nop");
  });
});

describe("connections", () => {
  it("answers pipelined requests in request order", async () => {
    const c = await client();
    const frames = [
      requestFrame(3, 1, 100, parseHex("ffffffff")),
      requestFrame(18, 0, 101, new Uint8Array(0)),
      requestFrame(3, 0, 102, parseHex("00000000")),
      requestFrame(18, 2, 103, new Uint8Array(0)),
    ];
    c.send(new Uint8Array(frames.flatMap((f) => [...f])));
    const ids: number[] = [];
    for (let i = 0; i < frames.length; i++) ids.push(new KafkaReader(await c.next()).int32());
    expect(ids).toEqual([100, 101, 102, 103]);
  });

  it("closes on an unsupported version (not ApiVersions) with a log line", async () => {
    const c = await client();
    c.send(requestFrame(3, 13, 1, parseHex("00")));
    expect(await c.closed()).toBe(true);
    expect(logs.lines).toContainEqual(expect.objectContaining({
      event: "kafka.unsupported_version",
      apiKey: 3,
      apiVersion: 13,
    }));
  });

  it("closes on an API it does not serve", async () => {
    const c = await client();
    c.send(requestFrame(8, 2, 1, parseHex("ffff"))); // OffsetCommit: not served yet
    expect(await c.closed()).toBe(true);
  });

  it("closes on a malformed request, logs it, and other connections carry on", async () => {
    const bystander = await client();
    const c = await client();
    c.send(requestFrame(3, 1, 2, parseHex("00000005 0001"))); // 5 topics declared, 2 bytes
    expect(await c.closed()).toBe(true);
    expect(logs.lines).toContainEqual(expect.objectContaining({
      event: "kafka.request_rejected",
      code: "INVALID_REQUEST",
      apiKey: 3,
    }));
    bystander.send(requestFrame(18, 0, 3, new Uint8Array(0)));
    expect(apiVersionsBody(await bystander.next(), 0).errorCode).toBe(0);
  });

  it("closes on a frame above socket.request.max.bytes or a negative size", async () => {
    for (const size of ["7fffffff", "80000000"]) {
      const c = await client();
      c.send(parseHex(size));
      expect(await c.closed()).toBe(true);
    }
    expect(logs.lines).toContainEqual(expect.objectContaining({ event: "kafka.frame_rejected" }));
  });

  it("socket.request.max.bytes (kafkaRequestBytesMax) bounds what a broker reads", async () => {
    const c = await client(strict);
    c.send(requestFrame(18, 0, 1, new Uint8Array(0)));
    expect(apiVersionsBody(await c.next(), 0).errorCode).toBe(0);
    c.send(parseHex("000003e9")); // 1001 bytes announced
    expect(await c.closed()).toBe(true);
  });

  it("closes on a frame too short for a header", async () => {
    const c = await client();
    c.send(parseHex("00000003 000300"));
    expect(await c.closed()).toBe(true);
  });
});
