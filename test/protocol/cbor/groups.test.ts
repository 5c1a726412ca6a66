// Consumer-group operations over real TCP against a real broker on a temp dir (startBroker):
// three members of a six-partition topic get two partitions each; one that stops heartbeating
// loses its partitions to the others within its session timeout and its commit is refused;
// commits, fetches with lag, listing, describing, resetting and deleting, with their errors.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import type { Runtime } from "../../../runtime/types.ts";
import { ProtocolClient } from "../../../src/protocol/cbor/client.ts";
import type { TopicPartitionsWire } from "../../../src/protocol/cbor/ops/group-shapes.ts";
import { type RunningBroker, startBroker } from "../../../src/server/start-broker.ts";
import { batchOf } from "./support/harness.ts";
import { rejectionCode } from "../../support/error-codes.ts";

const SESSION_TIMEOUT_MS = 1_500;
const rt: Runtime = createNodeRuntime();
let dataDir: string;
let node: RunningBroker;
let clients: ProtocolClient[];

beforeEach(async () => {
  dataDir = await rt.fs.makeTempDir("tributary-groups-");
  node = await startBroker(rt, {
    dataDir,
    port: 0,
    httpPort: false,
    offsetsTopicPartitions: 3,
  });
  clients = [];
});
afterEach(async () => {
  for (const c of clients) await c.close();
  await node.close();
  await rt.fs.remove(dataDir, { recursive: true });
});

async function connect(): Promise<ProtocolClient> {
  const c = await ProtocolClient.connect(rt, {
    host: "127.0.0.1",
    port: node.port,
    requestTimeoutMs: 10_000,
  });
  clients.push(c);
  return c;
}

function count(assignment: TopicPartitionsWire[]): number {
  return assignment.reduce((n, t) => n + t.partitions.length, 0);
}

/** A well-behaved member: heartbeats one at a time and releases revoked partitions at once. */
class Member {
  memberId = "";
  memberEpoch = 0;
  owned: TopicPartitionsWire[] = [];
  readonly client: ProtocolClient;
  readonly groupId: string;

  constructor(client: ProtocolClient, groupId: string) {
    this.client = client;
    this.groupId = groupId;
  }

  async heartbeat(extra: Record<string, unknown> = {}): Promise<void> {
    const r = await this.client.request("ConsumerGroupHeartbeat", {
      groupId: this.groupId,
      memberId: this.memberId,
      memberEpoch: this.memberEpoch,
      ownedPartitions: this.owned,
      ...extra,
    });
    this.memberId = r.memberId;
    this.memberEpoch = r.memberEpoch;
    this.owned = r.assignment;
  }

  join(topics: string[]): Promise<void> {
    return this.heartbeat({ subscribedTopics: topics, sessionTimeoutMs: SESSION_TIMEOUT_MS });
  }
}

/** Heartbeats the members every 50 ms until `done`, for at most `timeoutMs`. */
async function heartbeatUntil(
  members: Member[],
  done: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = rt.clock.monotonicMs() + timeoutMs;
  while (!done()) {
    if (rt.clock.monotonicMs() > deadline) throw new Error(`not settled in ${timeoutMs} ms`);
    for (const m of members) await m.heartbeat();
    await rt.timers.sleep(50);
  }
}

function noPartitionTwice(members: Member[]): boolean {
  const seen = new Set<string>();
  for (const m of members) {
    for (const t of m.owned) {
      for (const p of t.partitions) {
        const key = `${t.topic}-${p}`;
        if (seen.has(key)) return false;
        seen.add(key);
      }
    }
  }
  return true;
}

describe("consumer groups over the CBOR protocol", () => {
  it("three members share six partitions; a silent one is replaced and fenced", async () => {
    const admin = await connect();
    await admin.request("CreateTopics", { topics: [{ name: "orders", partitions: 6 }] });
    const members = [
      new Member(await connect(), "billing"),
      new Member(await connect(), "billing"),
      new Member(await connect(), "billing"),
    ];
    for (const m of members) await m.join(["orders"]);
    await heartbeatUntil(members, () => members.every((m) => count(m.owned) === 2), 10_000);
    expect(noPartitionTwice(members)).toBe(true);

    const [a, b, silent] = members;
    await silent.client.request("OffsetCommit", {
      groupId: "billing",
      memberId: silent.memberId,
      memberEpoch: silent.memberEpoch,
      offsets: silent.owned[0].partitions.map((partition) => ({
        topic: "orders",
        partition,
        offset: 5,
      })),
    });
    const stoppedAt = rt.clock.monotonicMs();
    // Only a and b heartbeat from now on; silent's session runs out.
    await heartbeatUntil([a, b], () => count(a.owned) === 3 && count(b.owned) === 3, 10_000);
    const tookMs = rt.clock.monotonicMs() - stoppedAt;
    expect(tookMs).toBeLessThan(SESSION_TIMEOUT_MS + 2_000);
    expect(noPartitionTwice([a, b])).toBe(true);

    const zombieCommit = silent.client.request("OffsetCommit", {
      groupId: "billing",
      memberId: silent.memberId,
      memberEpoch: silent.memberEpoch,
      offsets: [{ topic: "orders", partition: silent.owned[0].partitions[0], offset: 99 }],
    });
    expect(await rejectionCode(zombieCommit)).toBe("UNKNOWN_MEMBER_ID");
    const zombieBeat = silent.heartbeat();
    expect(await rejectionCode(zombieBeat)).toBe("UNKNOWN_MEMBER_ID");

    const described = await admin.request("DescribeGroups", { groupIds: ["billing"] });
    const group = described.groups[0].group!;
    expect(group.state).toBe("stable");
    expect(group.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    // The zombie's earlier commit (offset 5) stands; its late one (99) does not.
    const fetched = await admin.request("OffsetFetch", { groupId: "billing" });
    expect(fetched.offsets.map((o) => o.offset)).toEqual([5, 5]);
  });

  it("commits, fetches with high watermark and lag, lists, describes, leaves", async () => {
    const c = await connect();
    await c.request("CreateTopics", { topics: [{ name: "t", partitions: 2 }] });
    await c.request("Produce", {
      acks: -1,
      timeoutMs: 5_000,
      partitions: [{ topic: "t", partition: 0, records: batchOf(["a", "b", "c", "d"]) }],
    });
    const m = new Member(c, "g");
    await m.join(["t"]);
    expect(m.owned).toEqual([{ topic: "t", partitions: [0, 1] }]);
    await c.request("OffsetCommit", {
      groupId: "g",
      memberId: m.memberId,
      memberEpoch: m.memberEpoch,
      offsets: [{ topic: "t", partition: 0, offset: 3, metadata: "note" }],
    });
    const fetched = await c.request("OffsetFetch", {
      groupId: "g",
      memberId: m.memberId,
      memberEpoch: m.memberEpoch,
      topics: [{ topic: "t" }],
    });
    expect(fetched.offsets).toMatchObject([
      { topic: "t", partition: 0, offset: 3, metadata: "note", highWatermark: 4, lag: 1 },
      { topic: "t", partition: 1, offset: null, highWatermark: 0, lag: null },
    ]);
    const listed = await c.request("ListGroups", {});
    expect(listed.groups).toEqual([
      { groupId: "g", state: "stable", epoch: 1, assignor: "sticky", memberCount: 1 },
    ]);
    const found = await c.request("FindCoordinator", { groupId: "g" });
    expect(found.coordinator).toMatchObject({ nodeId: 1, host: "127.0.0.1", port: node.port });
    expect(found.offsetsPartition).toBe(node.groups.offsetsPartitionOf("g"));

    // A wrong epoch is fenced; the member leaves and the group is empty.
    const stale = c.request("OffsetCommit", {
      groupId: "g",
      memberId: m.memberId,
      memberEpoch: m.memberEpoch + 5,
      offsets: [{ topic: "t", partition: 0, offset: 4 }],
    });
    expect(await rejectionCode(stale)).toBe("FENCED_MEMBER_EPOCH");
    await c.request("LeaveGroup", { groupId: "g", memberId: m.memberId });
    const after = await c.request("DescribeGroups", { groupIds: ["g", "nope"] });
    expect(after.groups[0].group).toMatchObject({ state: "empty", members: [] });
    expect(after.groups[1]).toMatchObject({
      groupId: "nope",
      error: { code: "GROUP_ID_NOT_FOUND", retriable: false },
      group: null,
    });
  });

  it("resets offsets only without members, and deletes empty groups", async () => {
    const c = await connect();
    await c.request("CreateTopics", { topics: [{ name: "t", partitions: 2 }] });
    await c.request("Produce", {
      acks: -1,
      timeoutMs: 5_000,
      partitions: [{ topic: "t", partition: 1, records: batchOf(["a", "b", "c"]) }],
    });
    const m = new Member(c, "g");
    await m.join(["t"]);
    const reset = (dryRun: boolean) =>
      c.request("ResetOffsets", {
        groupId: "g",
        topics: [{ topic: "t", to: "latest" }],
        dryRun,
      });
    expect(await rejectionCode(reset(false))).toBe("NON_EMPTY_GROUP");
    expect(await rejectionCode(reset(true))).toBe("NON_EMPTY_GROUP");
    const deleteWhileActive = await c.request("DeleteGroups", { groupIds: ["g"] });
    expect(deleteWhileActive.groups[0].error?.code).toBe("NON_EMPTY_GROUP");
    await m.heartbeat({ memberEpoch: -1 });
    expect(m.memberEpoch).toBe(-1);

    expect((await reset(true)).offsets).toEqual([
      { topic: "t", partition: 0, offset: 0 },
      { topic: "t", partition: 1, offset: 3 },
    ]);
    expect((await c.request("OffsetFetch", { groupId: "g" })).offsets).toEqual([]);
    await reset(false);
    const toOffset = await c.request("ResetOffsets", {
      groupId: "g",
      topics: [{ topic: "t", partitions: [1], to: "offset", offset: 1000 }],
    });
    expect(toOffset.offsets).toEqual([{ topic: "t", partition: 1, offset: 3 }]);
    const byTime = (timestampMs: number) =>
      c.request("ResetOffsets", {
        groupId: "g",
        topics: [{ topic: "t", partitions: [1], to: "timestamp", timestampMs }],
      });
    // Every record has timestamp 1_700_000_000_000; nothing later: the high watermark.
    expect((await byTime(1_699_999_999_999)).offsets).toEqual([
      { topic: "t", partition: 1, offset: 0 },
    ]);
    expect((await byTime(1_700_000_000_001)).offsets).toEqual([
      { topic: "t", partition: 1, offset: 3 },
    ]);
    const unknown = c.request("ResetOffsets", {
      groupId: "g",
      topics: [{ topic: "missing", to: "earliest" }],
    });
    expect(await rejectionCode(unknown)).toBe("UNKNOWN_TOPIC_OR_PARTITION");

    const deleted = await c.request("DeleteGroups", { groupIds: ["g", "g2"] });
    expect(deleted.groups).toEqual([
      { groupId: "g", error: null },
      { groupId: "g2", error: expect.objectContaining({ code: "GROUP_ID_NOT_FOUND" }) },
    ]);
    expect((await c.request("ListGroups", {})).groups).toEqual([]);
  });

  it("maps request errors: bad ids, bad bodies, unknown members", async () => {
    const c = await connect();
    await c.request("CreateTopics", { topics: [{ name: "t", partitions: 1 }] });
    const join = (body: Record<string, unknown>) =>
      c.request("ConsumerGroupHeartbeat", {
        groupId: "g",
        memberId: "",
        memberEpoch: 0,
        subscribedTopics: ["t"],
        ...body,
      } as never);
    expect(await rejectionCode(join({ groupId: "" }))).toBe("INVALID_GROUP_ID");
    expect(await rejectionCode(join({ subscribedTopics: null }))).toBe("INVALID_REQUEST");
    expect(await rejectionCode(join({ memberEpoch: -3 }))).toBe("INVALID_REQUEST");
    expect(await rejectionCode(join({ sessionTimeoutMs: 1 }))).toBe("INVALID_SESSION_TIMEOUT");
    expect(await rejectionCode(join({ assignor: "nope" }))).toBe("INVALID_REQUEST");
    expect(await rejectionCode(join({ memberId: "ghost", memberEpoch: 3 }))).toBe(
      "UNKNOWN_MEMBER_ID",
    );
    const commit = c.request("OffsetCommit", {
      groupId: "g",
      memberId: "ghost",
      memberEpoch: 1,
      offsets: [{ topic: "t", partition: 0, offset: 1 }],
    });
    expect(await rejectionCode(commit)).toBe("GROUP_ID_NOT_FOUND");
    const badReset = c.request("ResetOffsets", {
      groupId: "g",
      topics: [{ topic: "t", to: "offset" }],
    } as never);
    expect(await rejectionCode(badReset)).toBe("INVALID_REQUEST");
    const apis = c.server.apis.map((a) => a.name);
    expect(apis).toEqual(expect.arrayContaining([
      "ConsumerGroupHeartbeat",
      "OffsetCommit",
      "OffsetFetch",
      "ListGroups",
      "DescribeGroups",
      "ResetOffsets",
      "DeleteGroups",
    ]));
  });
});
