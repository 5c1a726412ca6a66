// HTTP members follow their group's coordinator (issue 11 §0): the broker a group's
// `__consumer_offsets` partition moves to rebuilds the HTTP members from the records in that
// partition (http-member-record.ts) and carries on serving them under the same member id, from
// the group's committed offsets, with the autoOffsetReset they joined with; a broker that gets
// the partition back does not serve them from what it had before. Nodes share one real broker's
// log and fake the leadership (fake-leadership.ts).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import type { Runtime } from "../../runtime/types.ts";
import { Broker } from "../../src/broker/broker.ts";
import { GroupService } from "../../src/coordinator/group-service.ts";
import { HttpMembers, type PolledPartition } from "../../src/coordinator/http-members.ts";
import type { HttpMemberLogRecord } from "../../src/coordinator/http-member-record.ts";
import {
  encodeGroupBatch,
  isHttpMemberLogRecord,
  replayOffsetsPartition,
} from "../../src/coordinator/offsets-log.ts";
import { offsetsPartitionFor } from "../../src/coordinator/offsets-partition.ts";
import { CONSUMER_OFFSETS_TOPIC } from "../../src/coordinator/offsets-topic.ts";
import { recordsFromBatches } from "../../src/http/records-out.ts";
import { batch } from "../broker/helpers.ts";
import { eventually } from "./support.ts";
import { FakeLeadership, type FakeNode } from "./fake-leadership.ts";

const PARTITIONS = 3;
const GROUP = "g";
const P = offsetsPartitionFor(GROUP, PARTITIONS);

let rt: Runtime;
let dataDir: string;
let broker: Broker;
let cluster: FakeLeadership;
let services: GroupService[];
let reported: unknown[];

interface Coordinator {
  groups: GroupService;
  members: HttpMembers;
}

beforeEach(async () => {
  rt = createNodeRuntime();
  dataDir = await rt.fs.makeTempDir("tributary-http-members-move-");
  broker = await Broker.open(rt, { nodeId: 1, dataDir, host: "127.0.0.1", port: 0 });
  await broker.createTopic({ name: "t", partitions: 2 });
  cluster = new FakeLeadership(broker);
  services = [];
  reported = [];
});
afterEach(async () => {
  for (const s of services) await s.close();
  await broker.close();
  await rt.fs.remove(dataDir, { recursive: true });
});

async function start(node: FakeNode): Promise<Coordinator> {
  const groups = await GroupService.start(rt, node, {
    offsetsTopicPartitions: PARTITIONS,
    report: (_what, err) => reported.push(err),
  });
  services.push(groups);
  return { groups, members: new HttpMembers(groups, node, rt) };
}

/** Moves the group's partition to `leader` and waits until that coordinator has loaded it. */
async function moveTo(leader: number, to: Coordinator): Promise<void> {
  cluster.move(P, leader);
  await eventually(rt, () => to.groups.partitionStates()[P] === "ready");
}

async function produce(partition: number, count: number): Promise<void> {
  const values = Array.from({ length: count }, (_, i) => `v${i}`);
  await broker.produce({ topic: "t", partition, batches: batch(values), acks: 1 });
}

/** One records request of the member: the partition and offset of each record handed out. */
async function poll(
  c: Coordinator,
  memberId: string,
  autoCommit: boolean,
): Promise<Array<[number, number]>> {
  const got: Array<[number, number]> = [];
  await c.members.poll(
    { groupId: GROUP, memberId, waitMs: 0, bytesMax: 1 << 20, autoCommit },
    async (polled: PolledPartition[]) => {
      const moved = [];
      for (const p of polled) {
        const page = await recordsFromBatches(p.records, p.fromOffset, 1_000, "utf8");
        for (const r of page.records) got.push([p.partition, r.offset]);
        moved.push({ topic: p.topic, partition: p.partition, nextOffset: page.nextOffset });
      }
      return moved;
    },
  );
  return got.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

async function committed(c: Coordinator, partition: number): Promise<number | null> {
  const offsets = await c.groups.fetchOffsets({ groupId: GROUP });
  return offsets.find((o) => o.topic === "t" && o.partition === partition)?.offset ?? null;
}

async function join(c: Coordinator, options: { sessionTimeoutMs?: number } = {}) {
  return await c.members.join({
    groupId: GROUP,
    topics: ["t"],
    autoOffsetReset: "earliest",
    ...options,
  });
}

/** Every HTTP member record of the group's partition, in log order. */
async function httpRecordsInLog(): Promise<HttpMemberLogRecord[]> {
  const all: HttpMemberLogRecord[] = [];
  await replayOffsetsPartition(broker, P, (r) => {
    if (isHttpMemberLogRecord(r)) all.push(r);
  });
  return all;
}

const range = (partition: number, from: number, to: number): Array<[number, number]> =>
  Array.from({ length: to - from }, (_, i) => [partition, from + i]);

describe("HTTP members across a move of their group's coordinator", () => {
  it("carry on on the new coordinator under the same id, from the committed offsets and with their autoOffsetReset", async () => {
    const one = await start(cluster.node(1));
    const two = await start(cluster.node(2));
    await produce(0, 5);
    const joined = await join(one);
    expect(await poll(one, joined.memberId, false)).toEqual(range(0, 0, 5));
    await one.groups.commitOffsets({
      groupId: GROUP,
      memberId: joined.memberId,
      memberEpoch: one.members.epochOf(GROUP, joined.memberId)!,
      offsets: [{ topic: "t", partition: 0, offset: 5 }],
    });

    await moveTo(2, two);
    // Partition 1 has no committed offset: the member joined with earliest, so it starts at 0.
    await produce(0, 3);
    await produce(1, 2);
    expect(await poll(two, joined.memberId, false)).toEqual([...range(0, 5, 8), ...range(1, 0, 2)]);
    expect(two.groups.httpMemberOf(GROUP, joined.memberId).record?.autoOffsetReset).toBe(
      "earliest",
    );
    // A commit may leave memberEpoch out on the new coordinator too.
    expect(two.members.epochOf(GROUP, joined.memberId)).toBe(
      two.groups.describeGroup(GROUP).members[0].memberEpoch,
    );
    expect(reported).toEqual([]);
  });

  it("are not served from stale state by a coordinator that gets the group back: commits never go backwards", async () => {
    const one = await start(cluster.node(1));
    const two = await start(cluster.node(2));
    await produce(0, 5);
    const { memberId } = await join(one);
    // Read 0-4 on broker 1; nothing committed yet.
    expect(await poll(one, memberId, true)).toEqual(range(0, 0, 5));

    await moveTo(2, two);
    // Nothing was committed: broker 2 hands 0-4 out again (at-least-once), then 5-9.
    expect(await poll(two, memberId, true)).toEqual(range(0, 0, 5));
    await produce(0, 5);
    expect(await poll(two, memberId, true)).toEqual(range(0, 5, 10));
    expect(await poll(two, memberId, true)).toEqual([]);
    expect(await committed(two, 0)).toBe(10);

    await moveTo(1, one);
    // Broker 1 still remembers position 5 from its first tenure; it must start from 10.
    expect(await poll(one, memberId, true)).toEqual([]);
    expect(await committed(one, 0)).toBe(10);
    await produce(0, 1);
    expect(await poll(one, memberId, true)).toEqual(range(0, 10, 11));
    expect(await committed(one, 0)).toBe(10);
    expect(reported).toEqual([]);
  });

  it("lose their record when they leave or their group removes them, and a reload sees neither", async () => {
    const one = await start(cluster.node(1));
    const two = await start(cluster.node(2));
    const leaving = await join(one);
    const kept = await join(one);
    const expiring = await join(one, { sessionTimeoutMs: 100 });
    await one.members.leave(GROUP, leaving.memberId);
    expect(one.groups.httpMemberOf(GROUP, leaving.memberId).record).toBeUndefined();
    // Nobody heartbeats for `expiring`: the group's own timer removes it (and `kept`, which
    // keeps its 45 s session).
    await eventually(
      rt,
      () => one.groups.httpMemberOf(GROUP, expiring.memberId).record === undefined,
    );
    expect(one.groups.httpMemberOf(GROUP, kept.memberId).record).toBeDefined();

    await moveTo(2, two);
    expect(two.groups.httpMemberOf(GROUP, leaving.memberId).record).toBeUndefined();
    expect(two.groups.httpMemberOf(GROUP, expiring.memberId).record).toBeUndefined();
    expect(two.groups.httpMemberOf(GROUP, kept.memberId).record?.autoOffsetReset).toBe("earliest");
    const seen = (await httpRecordsInLog()).map((r) => `${r.type} ${r.memberId}`);
    expect(seen).toEqual([
      `HttpMember ${leaving.memberId}`,
      `HttpMember ${kept.memberId}`,
      `HttpMember ${expiring.memberId}`,
      `HttpMemberTombstone ${leaving.memberId}`,
      `HttpMemberTombstone ${expiring.memberId}`,
    ]);
    expect(reported).toEqual([]);
  });

  it("a load drops the record of a member its group no longer has", async () => {
    const one = await start(cluster.node(1));
    const two = await start(cluster.node(2));
    const { memberId } = await join(one);
    await broker.appendInternal({
      topic: CONSUMER_OFFSETS_TOPIC,
      partition: P,
      batches: encodeGroupBatch([
        { type: "HttpMember", groupId: GROUP, memberId: "ghost", autoOffsetReset: "none" },
      ], 0),
    });
    await moveTo(2, two);
    expect(two.groups.httpMemberOf(GROUP, "ghost").record).toBeUndefined();
    expect(two.groups.httpMemberOf(GROUP, memberId).record).toBeDefined();
    await eventually(
      rt,
      async () => (await httpRecordsInLog()).at(-1)?.type === "HttpMemberTombstone",
    );
    expect((await httpRecordsInLog()).at(-1)).toEqual({
      type: "HttpMemberTombstone",
      groupId: GROUP,
      memberId: "ghost",
    });
  });

  it("a member without a record (joined before brokers wrote them) is still served, from latest", async () => {
    const one = await start(cluster.node(1));
    const two = await start(cluster.node(2));
    await produce(0, 3);
    const joined = await one.groups.heartbeat({
      groupId: GROUP,
      memberId: "",
      memberEpoch: 0,
      subscribedTopics: ["t"],
      ownedPartitions: [],
    });
    await moveTo(2, two);
    expect(two.groups.httpMemberOf(GROUP, joined.memberId).record).toBeUndefined();
    expect(two.members.epochOf(GROUP, joined.memberId)).toBeUndefined();
    expect(await poll(two, joined.memberId, false)).toEqual([]);
    await produce(0, 2);
    expect(await poll(two, joined.memberId, false)).toEqual(range(0, 3, 5));
  });
});
