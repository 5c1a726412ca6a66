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

  it("v4: one answer per key; a transaction key is TRANSACTIONAL_ID_AUTHORIZATION_FAILED", async () => {
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
    // Fatal to librdkafka and the Java producer, which COORDINATOR_NOT_AVAILABLE is not.
    expect(read(await call(c, batch(1)))).toEqual([
      ["g", -1, "", -1, 53],
      ["h", -1, "", -1, 53],
    ]);
  });

  it("v1: a transaction key is TRANSACTIONAL_ID_AUTHORIZATION_FAILED, saying why", async () => {
    const c = await client();
    const r = await call(c, findV1("tx", 1));
    r.int32();
    const out = [r.int16(), r.nullableString(), r.int32(), r.string(), r.int32()];
    r.expectEnd("FindCoordinator v1 response");
    expect(out).toEqual([53, "transactions are not supported by this broker", -1, "", -1]);
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
        commitV2("simple", -1, "", [
          ["t", [[0, 5, "x"], [7, 1, null]]],
          ["nope", [[0, 1, null]]],
          ["bad/name", [[0, 1, null]]],
        ]),
      ),
    );
    // Partitions the broker does not have fail alone; the rest is committed.
    expect(errors).toEqual([["t", 0, 0], ["t", 7, 3], ["nope", 0, 3], ["bad/name", 0, 3]]);
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

  it("without a coordinator: COORDINATOR_NOT_AVAILABLE, per partition before v2", async () => {
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

const META = new Uint8Array([1, 2]);

/** JoinGroup of one "range" protocol; v0-v5 classic, v6+ compact. */
function joinV(version: number, member: string, instance: string | null = null) {
  const flexible = version >= 6;
  return {
    key: JOIN_GROUP,
    version,
    flexible,
    body: (w: KafkaWriter) => {
      w.str(flexible, "jg").int32(30_000);
      if (version >= 1) w.int32(60_000);
      w.str(flexible, member);
      if (version >= 5) w.str(flexible, instance);
      w.str(flexible, "consumer");
      w.array(flexible, [META], (w, m) => {
        w.str(flexible, "range").bytes(flexible, m).tags(flexible);
      });
      if (version >= 8) w.str(flexible, null);
      w.tags(flexible);
    },
  };
}

/** A JoinGroup response: error, generation, protocol, leader, member, member ids. */
function joined(r: KafkaReader, version: number) {
  const flexible = version >= 6;
  if (version >= 2) r.int32();
  const errorCode = r.int16();
  const generationId = r.int32();
  const protocolType = version >= 7 ? readStr(r, flexible) : undefined;
  const protocolName = readStr(r, flexible);
  const leader = readStr(r, flexible);
  if (version >= 9) r.bool();
  const memberId = readStr(r, flexible);
  const members = r.array(flexible, "members", (r) => {
    const id = readStr(r, flexible);
    if (version >= 5) readStr(r, flexible);
    const metadata = readBytes(r, flexible);
    if (flexible) r.taggedFields();
    return [id, metadata];
  });
  if (flexible) r.taggedFields();
  r.expectEnd(`JoinGroup v${version} response`);
  return { errorCode, generationId, protocolType, protocolName, leader, memberId, members };
}

const heartbeatV3 = (member: string) => ({
  key: HEARTBEAT,
  version: 3,
  flexible: false,
  body: (w: KafkaWriter) =>
    w.nullableString("jg").int32(1).nullableString(member).nullableString(null),
});

function heartbeatError(r: KafkaReader): number {
  r.int32();
  const errorCode = r.int16();
  r.expectEnd("Heartbeat v3 response");
  return errorCode;
}

/** Resolves once `ready` holds, polling every few ms, at most timeoutMs. */
async function until(ready: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return ready();
}

describe("JoinGroup", () => {
  it("v4+: a new member hears MEMBER_ID_REQUIRED with its id, then joins with it", async () => {
    const c = await client();
    const first = joined(await call(c, joinV(5, "")), 5);
    expect([first.errorCode, first.memberId, first.generationId]).toEqual([79, "m-1", -1]);
    const again = joined(await call(c, joinV(5, "m-1")), 5);
    expect(again).toEqual({
      errorCode: 0,
      generationId: 1,
      protocolType: undefined,
      protocolName: "range",
      leader: "m-1",
      memberId: "m-1",
      members: [["m-1", META]],
    });
    const seen = fake.calls.filter((x) => x.method === "joinGroup").at(-1)!.req;
    expect(seen).toMatchObject({
      groupId: "jg",
      memberId: "m-1",
      protocolType: "consumer",
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 60_000,
      clientId: "test",
      clientHost: "/127.0.0.1",
      requireKnownMemberId: true,
    });
  });

  it("v0-v3 join at once; v0's rebalance timeout is the session timeout", async () => {
    const c = await client();
    expect(joined(await call(c, joinV(0, "")), 0).errorCode).toBe(0);
    expect(fake.calls.at(-1)!.req).toMatchObject({
      rebalanceTimeoutMs: 30_000,
      requireKnownMemberId: false,
    });
  });

  it("a static member (v5+) is not asked for a member id; v9 flexible", async () => {
    const c = await client();
    const r = joined(await call(c, joinV(9, "", "i-1")), 9);
    expect([r.errorCode, r.protocolType, r.protocolName]).toEqual([0, "consumer", "range"]);
    expect(fake.calls.at(-1)!.req).toMatchObject({
      groupInstanceId: "i-1",
      requireKnownMemberId: false,
    });
  });

  it("an error keeps the member id and nulls the protocol (v7+)", async () => {
    const c = await client();
    fake.failNext("joinGroup", "INCONSISTENT_GROUP_PROTOCOL");
    expect(joined(await call(c, joinV(7, "m-1")), 7)).toEqual({
      errorCode: 23,
      generationId: -1,
      protocolType: null,
      protocolName: null,
      leader: "",
      memberId: "m-1",
      members: [],
    });
  });

  it("a waiting join holds back its own connection only, answers in order", async () => {
    const a = await client();
    const b = await client();
    fake.holdJoins = true;
    try {
      a.send(send(joinV(5, "m-1"), 1));
      a.send(send(heartbeatV3("m-1"), 2));
      expect(await until(() => fake.held.length === 1)).toBe(true);
      // Another connection is served meanwhile.
      expect(heartbeatError(await call(b, heartbeatV3("m-2")))).toBe(0);
      await expect(a.next(200)).rejects.toThrow(/no response in time/);
      fake.held.shift()!.release();
      expect(joined(readResponse(await a.next(), 1, false), 5).errorCode).toBe(0);
      expect(heartbeatError(readResponse(await a.next(), 2, false))).toBe(0);
    } finally {
      fake.holdJoins = false;
    }
  });

  it("a client that goes away while its join waits aborts the wait", async () => {
    const a = await client();
    fake.holdJoins = true;
    try {
      a.send(send(joinV(5, "m-1"), 1));
      expect(await until(() => fake.held.length === 1)).toBe(true);
      const { signal } = fake.held.shift()!;
      a.destroy();
      expect(await until(() => signal?.aborted === true)).toBe(true);
    } finally {
      fake.holdJoins = false;
    }
  });
});

describe("SyncGroup, Heartbeat, LeaveGroup", () => {
  it("SyncGroup v5 hands the member its assignment and the protocol", async () => {
    const c = await client();
    const r = await call(c, {
      key: SYNC_GROUP,
      version: 5,
      flexible: true,
      body: (w) => {
        w.str(true, "jg").int32(1).str(true, "m-1").str(true, null);
        w.str(true, "consumer").str(true, "range");
        w.array(
          true,
          ["m-1", "m-2"],
          (w, m) => w.str(true, m).bytes(true, new Uint8Array([m === "m-1" ? 7 : 8])).tags(true),
        );
        w.tags(true);
      },
    });
    r.int32();
    expect([r.int16(), r.compactNullableString(), r.compactNullableString()]).toEqual([
      0,
      "consumer",
      "range",
    ]);
    expect(r.compactBytes()).toEqual(new Uint8Array([7]));
    r.taggedFields();
    r.expectEnd("SyncGroup v5 response");
  });

  it("SyncGroup v1 during a rebalance: REBALANCE_IN_PROGRESS and no assignment", async () => {
    const c = await client();
    fake.failNext("syncGroup", "REBALANCE_IN_PROGRESS");
    const r = await call(c, {
      key: SYNC_GROUP,
      version: 1,
      flexible: false,
      body: (w) => w.nullableString("jg").int32(1).nullableString("m-1").int32(0),
    });
    expect([r.int32(), r.int16(), r.bytesField().length]).toEqual([0, 27, 0]);
    r.expectEnd("SyncGroup v1 response");
  });

  it("Heartbeat: the coordinator's error is the answer", async () => {
    const c = await client();
    fake.failNext("heartbeatClassic", "UNKNOWN_MEMBER_ID");
    expect(heartbeatError(await call(c, heartbeatV3("gone")))).toBe(25);
    expect(fake.calls.at(-1)).toEqual({
      method: "heartbeatClassic",
      req: { groupId: "jg", generationId: 1, memberId: "gone", groupInstanceId: null },
    });
  });

  it("LeaveGroup v1: the one member's error is the response's", async () => {
    const c = await client();
    fake.leaveErrors.set("gone", "UNKNOWN_MEMBER_ID");
    const r = await call(c, {
      key: LEAVE_GROUP,
      version: 1,
      flexible: false,
      body: (w) => w.nullableString("jg").nullableString("gone"),
    });
    expect([r.int32(), r.int16()]).toEqual([0, 25]);
    r.expectEnd("LeaveGroup v1 response");
  });

  it("LeaveGroup v5: a batch, one result each, reasons passed on", async () => {
    const c = await client();
    const r = await call(c, {
      key: LEAVE_GROUP,
      version: 5,
      flexible: true,
      body: (w) => {
        w.str(true, "jg");
        w.array(
          true,
          [["m-1", null], ["gone", "i-9"]],
          (w, [m, i]) => w.str(true, m).str(true, i).str(true, "bye").tags(true),
        );
        w.tags(true);
      },
    });
    r.int32();
    expect(r.int16()).toBe(0);
    const members = r.array(true, "members", (r) => {
      const row = [r.compactString(), r.compactNullableString(), r.int16()];
      r.taggedFields();
      return row;
    });
    r.taggedFields();
    r.expectEnd("LeaveGroup v5 response");
    expect(members).toEqual([["m-1", null, 0], ["gone", "i-9", 25]]);
    expect(fake.calls.at(-1)!.req).toEqual({
      groupId: "jg",
      members: [
        { memberId: "m-1", groupInstanceId: null, reason: "bye" },
        { memberId: "gone", groupInstanceId: "i-9", reason: "bye" },
      ],
    });
  });
});

describe("ListGroups, DescribeGroups, DeleteGroups", () => {
  /** ListGroups v5 with filters: [group, type, state, kind] each. */
  async function listV5(c: RawClient, states: string[], types: string[]) {
    const r = await call(c, {
      key: LIST_GROUPS,
      version: 5,
      flexible: true,
      body: (w) =>
        w.array(true, states, (w, s) => w.str(true, s))
          .array(true, types, (w, s) => w.str(true, s)).tags(true),
    });
    r.int32();
    expect(r.int16()).toBe(0);
    const groups = r.array(true, "groups", (r) => {
      const row = [r.compactString(), r.compactString(), r.compactString(), r.compactString()];
      r.taggedFields();
      return row;
    });
    r.taggedFields();
    r.expectEnd("ListGroups v5 response");
    return groups;
  }

  it("ListGroups filters by state (any case) and by type", async () => {
    fake.listings = [
      { groupId: "a", protocolType: "consumer", state: "Stable", groupType: "classic" },
      { groupId: "b", protocolType: "consumer", state: "Empty", groupType: "consumer" },
    ];
    const c = await client();
    expect(await listV5(c, [], [])).toEqual([
      ["a", "consumer", "Stable", "classic"],
      ["b", "consumer", "Empty", "consumer"],
    ]);
    expect(await listV5(c, ["stable"], [])).toEqual([["a", "consumer", "Stable", "classic"]]);
    expect(await listV5(c, [], ["consumer"])).toEqual([["b", "consumer", "Empty", "consumer"]]);
    expect(await listV5(c, ["Empty"], ["classic"])).toEqual([]);
    const v0 = await call(c, { key: LIST_GROUPS, version: 0, flexible: false, body: () => {} });
    expect([v0.int16(), v0.array(false, "groups", (r) => [r.string(), r.string()])]).toEqual([
      0,
      [["a", "consumer"], ["b", "consumer"]],
    ]);
    v0.expectEnd("ListGroups v0 response");
  });

  it("DescribeGroups: members of a known group; an unknown one is Dead", async () => {
    fake.descriptions.set("a", {
      groupId: "a",
      state: "Stable",
      protocolType: "consumer",
      protocolName: "range",
      members: [{
        memberId: "m-1",
        groupInstanceId: null,
        clientId: "cl",
        clientHost: "/127.0.0.1",
        metadata: META,
        assignment: new Uint8Array([9]),
      }],
    });
    const c = await client();
    const r = await call(c, {
      key: DESCRIBE_GROUPS,
      version: 1,
      flexible: false,
      body: (w) => w.array(false, ["a", "zz"], (w, g) => w.nullableString(g)),
    });
    r.int32();
    const groups = r.array(false, "groups", (r) => [
      r.int16(),
      r.string(),
      r.string(),
      r.string(),
      r.string(),
      r.array(false, "members", (r) => [
        r.string(),
        r.string(),
        r.string(),
        r.bytesField(),
        r.bytesField(),
      ]),
    ]);
    r.expectEnd("DescribeGroups v1 response");
    expect(groups).toEqual([
      [0, "a", "Stable", "consumer", "range", [
        ["m-1", "cl", "/127.0.0.1", META, new Uint8Array([9])],
      ]],
      [0, "zz", "Dead", "", "", []],
    ]);
  });

  it("DeleteGroups removes a group's offsets; an unknown group is GROUP_ID_NOT_FOUND", async () => {
    const c = await client();
    expect(commitErrors(await call(c, commitV2("doomed", -1, "", [["t", [[0, 3, null]]]]))))
      .toEqual([["t", 0, 0]]);
    const r = await call(c, {
      key: DELETE_GROUPS,
      version: 2,
      flexible: true,
      body: (w) => w.array(true, ["doomed", "never"], (w, g) => w.str(true, g)).tags(true),
    });
    r.int32();
    const results = r.array(true, "results", (r) => {
      const row = [r.compactString(), r.int16()];
      r.taggedFields();
      return row;
    });
    r.taggedFields();
    r.expectEnd("DeleteGroups v2 response");
    expect(results).toEqual([["doomed", 0], ["never", 69]]);
    expect(fetchedV1(await call(c, fetchV(1, "doomed", [["t", [0]]])), 1).partitions).toEqual([
      ["t", 0, -1, "", 0],
    ]);
  });

  it("without a group coordinator every group call answers COORDINATOR_NOT_AVAILABLE", async () => {
    const c = await client(bare);
    expect(joined(await call(c, joinV(2, "")), 2).errorCode).toBe(15);
    expect(heartbeatError(await call(c, heartbeatV3("m")))).toBe(15);
    const list = await call(c, { key: LIST_GROUPS, version: 1, flexible: false, body: () => {} });
    expect([list.int32(), list.int16(), list.int32()]).toEqual([0, 15, 0]);
    const del = await call(c, {
      key: DELETE_GROUPS,
      version: 0,
      flexible: false,
      body: (w) => w.array(false, ["g"], (w, g) => w.nullableString(g)),
    });
    expect([del.int32(), del.array(false, "results", (r) => [r.string(), r.int16()])]).toEqual([
      0,
      [["g", 15]],
    ]);
  });

  it("a malformed group request closes that connection only", async () => {
    const c = await client();
    c.send(send({ key: JOIN_GROUP, version: 2, flexible: false, body: (w) => w.int16(1) }, 5));
    expect(await c.closed()).toBe(true);
    const other = await client();
    expect(heartbeatError(await call(other, heartbeatV3("m-1")))).toBe(0);
  });
});
