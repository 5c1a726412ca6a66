// GroupService as the Kafka listener uses it for classic groups: JoinGroup and SyncGroup
// answers that wait for other members, deadlines driven by the service's own timers, the
// group surviving a restart (replayed from `__consumer_offsets`), and waiters failing when
// the coordinator goes away.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ClassicJoinRequest } from "../../src/coordinator/classic-types.ts";
import type { GroupServiceOptions } from "../../src/coordinator/group-service.ts";
import { type CoordinatorEnv, coordinatorEnv, eventually } from "./support.ts";
import { rejectionCode } from "../support/error-codes.ts";
import { batch } from "../broker/helpers.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const options: GroupServiceOptions = {
  config: { classicSessionTimeoutMsMin: 100, classicInitialRebalanceDelayMs: 50 },
};

function join(over: Partial<ClassicJoinRequest> = {}): ClassicJoinRequest {
  return {
    groupId: "g",
    memberId: "",
    groupInstanceId: null,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: bytes("sub") }],
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 5_000,
    clientId: "c",
    clientHost: "/127.0.0.1",
    requireKnownMemberId: false,
    ...over,
  };
}

let env: CoordinatorEnv;
beforeEach(async () => {
  env = await coordinatorEnv();
});
afterEach(async () => {
  await env.cleanup();
});

describe("GroupService: classic groups", () => {
  it("two members join together, the leader assigns, both get assignments; offsets with lag", async () => {
    const { broker, groups } = await env.open(options);
    await broker.createTopic({ name: "t", partitions: 2 });
    const [ja, jb] = await Promise.all([
      groups.joinGroup(join({ clientId: "a" })),
      groups.joinGroup(join({ clientId: "b" })),
    ]);
    expect(ja.generationId).toBe(1);
    expect(jb.generationId).toBe(1);
    expect(ja.leader).toBe(jb.leader);
    const leader = ja.leader === ja.memberId ? ja : jb;
    const follower = leader === ja ? jb : ja;
    expect(leader.members.map((m) => m.memberId).sort()).toEqual(
      [ja.memberId, jb.memberId].sort(),
    );
    const followerSync = groups.syncGroup({
      groupId: "g",
      generationId: 1,
      memberId: follower.memberId,
      groupInstanceId: null,
      protocolType: "consumer",
      protocolName: "range",
      assignments: [],
    });
    const leaderSync = await groups.syncGroup({
      groupId: "g",
      generationId: 1,
      memberId: leader.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [
        { memberId: leader.memberId, assignment: bytes("L") },
        { memberId: follower.memberId, assignment: bytes("F") },
      ],
    });
    expect(text(leaderSync.assignment)).toBe("L");
    expect(text((await followerSync).assignment)).toBe("F");
    await groups.heartbeatClassic({
      groupId: "g",
      generationId: 1,
      memberId: follower.memberId,
      groupInstanceId: null,
    });
    await broker.produce({ topic: "t", partition: 0, batches: batch(["x", "y"]), acks: 1 });
    await groups.commitOffsetsClassic({
      groupId: "g",
      generationId: 1,
      memberId: follower.memberId,
      groupInstanceId: null,
      offsets: [{ topic: "t", partition: 0, offset: 1, leaderEpoch: null, metadata: null }],
    });
    expect(await groups.fetchOffsets({ groupId: "g" })).toMatchObject([
      { topic: "t", partition: 0, offset: 1, highWatermark: 2, lag: 1 },
    ]);
    expect(groups.listGroupsKafka()).toEqual([
      { groupId: "g", protocolType: "consumer", state: "Stable", groupType: "classic" },
    ]);
    expect(groups.describeGroup("g")).toMatchObject({ state: "stable", epoch: 1 });
    expect(groups.describeGroupKafka("g").members).toHaveLength(2);
    expect(await rejectionCode(groups.commitOffsetsClassic({
      groupId: "g",
      generationId: 0,
      memberId: follower.memberId,
      groupInstanceId: null,
      offsets: [],
    }))).toBe("ILLEGAL_GENERATION");
  });

  it("keeps a Stable group across a restart: members heartbeat and sync at their generation", async () => {
    let node = await env.open(options);
    const a = await node.groups.joinGroup(join({ clientId: "a", groupInstanceId: "inst-a" }));
    await node.groups.syncGroup({
      groupId: "g",
      generationId: a.generationId,
      memberId: a.memberId,
      groupInstanceId: "inst-a",
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: a.memberId, assignment: bytes("mine") }],
    });
    await node.close();
    node = await env.open(options);
    const hb = {
      groupId: "g",
      generationId: a.generationId,
      memberId: a.memberId,
      groupInstanceId: "inst-a",
    };
    await node.groups.heartbeatClassic(hb);
    const again = await node.groups.syncGroup({
      ...hb,
      protocolType: "consumer",
      protocolName: "range",
      assignments: [],
    });
    expect(text(again.assignment)).toBe("mine");
    expect(node.groups.describeGroupKafka("g")).toMatchObject({ state: "Stable" });
  });

  it("its timer expires a silent member; the other is told to rejoin", async () => {
    const { groups } = await env.open(options);
    const [ja, jb] = await Promise.all([
      groups.joinGroup(join({ clientId: "a", sessionTimeoutMs: 5_000 })),
      groups.joinGroup(join({ clientId: "b", sessionTimeoutMs: 200 })),
    ]);
    const leader = ja.leader === ja.memberId ? ja : jb;
    await groups.syncGroup({
      groupId: "g",
      generationId: 1,
      memberId: leader.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    const hb = { groupId: "g", generationId: 1, memberId: ja.memberId, groupInstanceId: null };
    await eventually(env.rt, async () => (await rejectionCode(groups.heartbeatClassic(hb))) ===
      "REBALANCE_IN_PROGRESS", 3_000);
    expect(await rejectionCode(groups.heartbeatClassic({ ...hb, memberId: jb.memberId }))).toBe(
      "UNKNOWN_MEMBER_ID",
    );
    const rejoined = await groups.joinGroup(join({ clientId: "a", memberId: ja.memberId }));
    expect(rejoined.generationId).toBe(2);
    expect(rejoined.members.map((m) => m.memberId)).toEqual([ja.memberId]);
  });

  it("answers MEMBER_ID_REQUIRED, drops an aborted waiter, and fails waiters on close", async () => {
    const node = await env.open(options);
    const { groups } = node;
    const required = await groups.joinGroup(join({ requireKnownMemberId: true }));
    expect(required.error).toBe("MEMBER_ID_REQUIRED");
    const abort = new AbortController();
    const waiting = groups.joinGroup(
      join({ memberId: required.memberId, requireKnownMemberId: true }),
      abort.signal,
    );
    abort.abort();
    expect(await rejectionCode(waiting)).toBe("REQUEST_TIMED_OUT");
    // The group carries on: the next join completes the rebalance (the aborted member counts
    // as joined, as in Kafka, and is removed later if it never syncs).
    const done = await groups.joinGroup(join({ clientId: "b", rebalanceTimeoutMs: 60_000 }));
    expect(done.generationId).toBe(1);
    expect(done.leader).toBe(required.memberId);
    expect(groups.describeGroupKafka("g").members).toHaveLength(2);
    const stuck = groups.joinGroup(join({ clientId: "c", rebalanceTimeoutMs: 60_000 }));
    await eventually(env.rt, () => groups.describeGroupKafka("g").members.length === 3, 1_000);
    // c waits for a rebalance that needs the others to rejoin; closing fails it.
    const stuckCode = rejectionCode(stuck);
    await node.close();
    expect(await stuckCode).toBe("COORDINATOR_NOT_AVAILABLE");
  });

  it("deletes an empty classic group and refuses a group with members", async () => {
    const { groups } = await env.open(options);
    const a = await groups.joinGroup(join({ clientId: "a" }));
    expect(await rejectionCode(groups.deleteGroup("g"))).toBe("NON_EMPTY_GROUP");
    const left = await groups.leaveGroupClassic("g", [
      { memberId: a.memberId, groupInstanceId: null },
    ]);
    expect(left).toEqual([{ memberId: a.memberId, groupInstanceId: null, error: null }]);
    expect(groups.describeGroupKafka("g").state).toBe("Empty");
    await groups.deleteGroup("g");
    expect(groups.describeGroupKafka("g").state).toBe("Dead");
    expect(groups.listGroupsKafka()).toEqual([]);
  });
});
