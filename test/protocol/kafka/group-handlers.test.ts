// The group APIs over a Kafka listener against an embedded broker: FindCoordinator and the
// offsets through the broker's real group service, the classic membership calls through a
// scripted ClassicGroupsApi (support/fake-classic-groups.ts) to see what reaches it and what
// the client hears back; a JoinGroup that waits holds back only its own connection, whose
// later answers keep their order; and a listener without a coordinator answers
// COORDINATOR_NOT_AVAILABLE.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { type RunningBroker, startBroker } from "../../../src/server/start-broker.ts";
import { type KafkaServer, serveKafka } from "../../../src/protocol/kafka/server/server.ts";
import type { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import type { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import { FakeClassicGroups } from "./support/fake-classic-groups.ts";
import { call, readBytes, readResponse, readStr, send } from "./support/group-requests.ts";
import { type RawClient, rawClient } from "./support/raw-client.ts";

const FIND_COORDINATOR = 10;
const OFFSET_COMMIT = 8;
const OFFSET_FETCH = 9;
const JOIN_GROUP = 11;
const HEARTBEAT = 12;
const LEAVE_GROUP = 13;
const SYNC_GROUP = 14;
const DESCRIBE_GROUPS = 15;
const LIST_GROUPS = 16;
const DELETE_GROUPS = 42;

let node: RunningBroker;
let withFake: KafkaServer;
let bare: KafkaServer;
const fake = new FakeClassicGroups();
const clients: RawClient[] = [];

beforeAll(async () => {
  const rt = createNodeRuntime();
  node = await startBroker(rt, {
    storage: "memory",
    port: 0,
    httpPort: null,
    kafkaPort: 0,
    offsetsTopicPartitions: 2,
  });
  await node.broker.createTopic({ name: "t", partitions: 2 });
  withFake = await serveKafka(rt, node.broker, {
    host: "127.0.0.1",
    port: 0,
    groups: node.groups,
    classic: fake,
  });
  bare = await serveKafka(rt, node.broker, { host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await withFake?.close();
  await bare?.close();
  await node?.close();
});

async function client(server: KafkaServer = withFake): Promise<RawClient> {
  const c = await rawClient(server.port);
  clients.push(c);
  return c;
}

/** FindCoordinator v1-v2 answer: [error, node, host, port]. */
function coordinatorV1(r: KafkaReader) {
  r.int32();
  const out = [r.int16(), r.nullableString(), r.int32(), r.string(), r.int32()];
  r.expectEnd("FindCoordinator v1 response");
  return [out[0], out[2], out[3], out[4]];
}

const findV1 = (key: string, keyType = 0) => ({
  key: FIND_COORDINATOR,
  version: 1,
  flexible: false,
  body: (w: KafkaWriter) => w.nullableString(key).int8(keyType),
});

describe("FindCoordinator", () => {
  it("names this broker at its Kafka listener (v0 and v1)", async () => {
    const c = await client();
    const r0 = await call(c, {
      key: FIND_COORDINATOR,
      version: 0,
      flexible: false,
      body: (w) => w.nullableString("g"),
    });
    const v0 = [r0.int16(), r0.int32(), r0.string(), r0.int32()];
    r0.expectEnd("FindCoordinator v0 response");
    expect(v0).toEqual([0, node.nodeId, node.host, node.kafkaPort]);
    expect(coordinatorV1(await call(c, findV1("g")))).toEqual(v0);
  });

  it("v4: one answer per key; a transaction key is COORDINATOR_NOT_AVAILABLE", async () => {
    const c = await client();
    const batch = (keyType: number) => ({
      key: FIND_COORDINATOR,
      version: 4,
      flexible: true,
      body: (w: KafkaWriter) =>
        w.int8(keyType).array(true, ["g", "h"], (w, k) => w.str(true, k)).tags(true),
    });
    const read = (r: KafkaReader) => {
      r.int32();
      const out = r.array(true, "coordinators", (r) => {
        const row = [r.compactString(), r.int32(), r.compactString(), r.int32(), r.int16()];
        r.compactNullableString();
        r.taggedFields();
        return row;
      });
      r.taggedFields();
      r.expectEnd("FindCoordinator v4 response");
      return out;
    };
    expect(read(await call(c, batch(0)))).toEqual([
      ["g", node.nodeId, node.host, node.kafkaPort, 0],
      ["h", node.nodeId, node.host, node.kafkaPort, 0],
    ]);
    expect(read(await call(c, batch(1)))).toEqual([
      ["g", -1, "", -1, 15],
      ["h", -1, "", -1, 15],
    ]);
  });

  it("without a group coordinator: COORDINATOR_NOT_AVAILABLE", async () => {
    const c = await client(bare);
    expect(coordinatorV1(await call(c, findV1("g")))).toEqual([15, -1, "", -1]);
  });
});

/** OffsetCommit v2 (kafka-python's): one topic, [partition, offset, metadata] each. */
function commitV2(
  group: string,
  generation: number,
  member: string,
  topics: Array<[string, Array<[number, number, string | null]>]>,
) {
  return {
    key: OFFSET_COMMIT,
    version: 2,
    flexible: false,
    body: (w: KafkaWriter) => {
      w.nullableString(group).int32(generation).nullableString(member).int64(-1);
      w.array(false, topics, (w, [name, partitions]) => {
        w.nullableString(name);
        w.array(false, partitions, (w, [p, offset, metadata]) => {
          w.int32(p).int64(offset).nullableString(metadata);
        });
      });
    },
  };
}

/** [topic, partition, error] of an OffsetCommit v2 response. */
function commitErrors(r: KafkaReader) {
  const out: Array<[string, number, number]> = [];
  r.array(false, "topics", (r) => {
    const name = r.string();
    r.array(false, "partitions", (r) => out.push([name, r.int32(), r.int16()]));
  });
  r.expectEnd("OffsetCommit v2 response");
  return out;
}

/** [topic, partition, offset, metadata, error] of an OffsetFetch v1-v5 response's topics. */
function fetchedV1(r: KafkaReader, version: number) {
  if (version >= 3) r.int32();
  const out: Array<[string, number, number, string | null, number]> = [];
  r.array(false, "topics", (r) => {
    const name = r.string();
    r.array(false, "partitions", (r) => {
      const p = r.int32();
      const offset = r.int64();
      if (version >= 5) r.int32();
      out.push([name, p, offset, r.nullableString(), r.int16()]);
    });
  });
  const errorCode = version >= 2 ? r.int16() : null;
  r.expectEnd(`OffsetFetch v${version} response`);
  return { partitions: out, errorCode };
}

/** OffsetFetch v1-v5 of one group; null topics: every committed partition (v2+). */
function fetchV(version: number, group: string, topics: Array<[string, number[]]> | null) {
  return {
    key: OFFSET_FETCH,
    version,
    flexible: false,
    body: (w: KafkaWriter) => {
      w.nullableString(group);
      w.array(false, topics, (w, [name, partitions]) => {
        w.nullableString(name).array(false, partitions, (w, p) => w.int32(p));
      });
    },
  };
}

/** OffsetFetch v8: groups with nullable topics; [group, error, rows] each. */
async function fetchV8(c: RawClient, groups: Array<[string, Array<[string, number[]]> | null]>) {
  const r = await call(c, {
    key: OFFSET_FETCH,
    version: 8,
    flexible: true,
    body: (w) => {
      w.array(true, groups, (w, [group, topics]) => {
        w.str(true, group);
        w.array(true, topics, (w, [name, partitions]) => {
          w.str(true, name).array(true, partitions, (w, p) => w.int32(p)).tags(true);
        });
        w.tags(true);
      });
      w.bool(false).tags(true);
    },
  });
  r.int32();
  const out = r.array(true, "groups", (r) => {
    const group = r.compactString();
    const rows: Array<[string, number, number, number, string | null, number]> = [];
    r.array(true, "topics", (r) => {
      const name = r.compactString();
      r.array(true, "partitions", (r) => {
        const row: [string, number, number, number, string | null, number] = [
          name,
          r.int32(),
          r.int64(),
          r.int32(),
          r.compactNullableString(),
          r.int16(),
        ];
        r.taggedFields();
        rows.push(row);
      });
      r.taggedFields();
    });
    const errorCode = r.int16();
    r.taggedFields();
    return [group, errorCode, rows] as const;
  });
  r.taggedFields();
  r.expectEnd("OffsetFetch v8 response");
  return out;
}

describe("OffsetCommit and OffsetFetch", () => {
  it("a simple commit (generation -1, no member) goes to the group service", async () => {
    const c = await client();
    const errors = commitErrors(
      await call(
        c,
        commitV2("simple", -1, "", [["t", [[0, 5, "x"], [7, 1, null]]], ["nope", [[0, 1, null]]]]),
      ),
    );
    // Partitions the broker does not have fail alone; the rest is committed.
    expect(errors).toEqual([["t", 0, 0], ["t", 7, 3], ["nope", 0, 3]]);
    expect(fetchedV1(await call(c, fetchV(1, "simple", [["t", [0, 1]]])), 1)).toEqual({
      partitions: [["t", 0, 5, "x", 0], ["t", 1, -1, "", 0]],
      errorCode: null,
    });
    expect(fetchedV1(await call(c, fetchV(2, "simple", null)), 2)).toEqual({
      partitions: [["t", 0, 5, "x", 0]],
      errorCode: 0,
    });
    expect(fetchedV1(await call(c, fetchV(5, "unknown", [["t", [1]]])), 5)).toEqual({
      partitions: [["t", 1, -1, "", 0]],
      errorCode: 0,
    });
    expect(await fetchV8(c, [["simple", null], ["other", [["t", [0]]]]])).toEqual([
      ["simple", 0, [["t", 0, 5, -1, "x", 0]]],
      ["other", 0, [["t", 0, -1, -1, "", 0]]],
    ]);
  });

  it("a member's commit goes to the classic protocol with its generation", async () => {
    const c = await client();
    const before = fake.calls.length;
    expect(commitErrors(await call(c, commitV2("cg", 3, "m-1", [["t", [[1, 9, null]]]]))))
      .toEqual([["t", 1, 0]]);
    expect(fake.calls.slice(before)).toEqual([{
      method: "commitOffsetsClassic",
      req: {
        groupId: "cg",
        generationId: 3,
        memberId: "m-1",
        groupInstanceId: null,
        offsets: [{ topic: "t", partition: 1, offset: 9, leaderEpoch: null, metadata: null }],
      },
    }]);
    fake.failNext("commitOffsetsClassic", "ILLEGAL_GENERATION");
    expect(
      commitErrors(await call(c, commitV2("cg", 2, "m-1", [["t", [[0, 1, null], [1, 1, null]]]]))),
    ).toEqual([["t", 0, 22], ["t", 1, 22]]);
  });

  it("without a group coordinator: COORDINATOR_NOT_AVAILABLE, per partition before v2", async () => {
    const c = await client(bare);
    expect(commitErrors(await call(c, commitV2("g", -1, "", [["t", [[0, 1, null]]]])))).toEqual([
      ["t", 0, 15],
    ]);
    expect(fetchedV1(await call(c, fetchV(1, "g", [["t", [0]]])), 1).partitions).toEqual([
      ["t", 0, -1, "", 15],
    ]);
    expect(fetchedV1(await call(c, fetchV(3, "g", [["t", [0]]])), 3)).toEqual({
      partitions: [],
      errorCode: 15,
    });
    expect(await fetchV8(c, [["g", null]])).toEqual([["g", 15, []]]);
  });
});
