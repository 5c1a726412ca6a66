// The coordinator shell's own duties: the deadline timer removes silent members with no request
// arriving, topic creation and deletion reach the coordinators, one group's operations apply in
// call order, and a failed append drops the coordinator and reloads it from the log.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Broker } from "../../src/broker/broker.ts";
import type { CoordinatorBroker } from "../../src/coordinator/types.ts";
import { GroupService } from "../../src/coordinator/group-service.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { type CoordinatorEnv, coordinatorEnv, eventually } from "./support.ts";
import { rejectionCode } from "../support/error-codes.ts";
import { captureLogs } from "../support/log-capture.ts";

let env: CoordinatorEnv;
beforeEach(async () => {
  env = await coordinatorEnv();
});
afterEach(async () => {
  await env.cleanup();
});

describe("GroupService duties", () => {
  it("logs a join, the rebalance it causes and the member's removal, once they are durable", async () => {
    const { logger, lines } = captureLogs("info");
    const { broker, groups } = await env.open({ logger });
    await broker.createTopic({ name: "t", partitions: 2 });
    const joined = await groups.heartbeat({
      groupId: "g",
      memberId: "",
      memberEpoch: 0,
      subscribedTopics: ["t"],
      sessionTimeoutMs: 30_000,
    });
    const events = () => lines.filter((l) => l.group === "g").map((l) => l.event);
    expect(events()).toEqual(["group.member_subscribed", "group.rebalance"]);
    expect(lines.find((l) => l.event === "group.rebalance")).toMatchObject({
      group: "g",
      epoch: 1,
      topics: "t",
    });
    await groups.leave({ groupId: "g", memberId: joined.memberId });
    expect(events()).toContain("group.member_removed");
    expect(lines.find((l) => l.event === "group.member_removed")).toMatchObject({
      member: joined.memberId,
    });
  });

  it("removes a member whose session ran out, driven by its own timer", async () => {
    const { broker, groups } = await env.open();
    await broker.createTopic({ name: "t", partitions: 2 });
    await groups.heartbeat({
      groupId: "g",
      memberId: "",
      memberEpoch: 0,
      subscribedTopics: ["t"],
      sessionTimeoutMs: 200,
    });
    expect(groups.describeGroup("g").members).toHaveLength(1);
    await eventually(env.rt, () => groups.describeGroup("g").members.length === 0, 3_000);
    expect(groups.describeGroup("g").state).toBe("empty");
  });

  it("hands out partitions of topics created and takes those of topics deleted", async () => {
    const { broker, groups } = await env.open();
    const joined = await groups.heartbeat({
      groupId: "g",
      memberId: "",
      memberEpoch: 0,
      subscribedTopics: ["later"],
      sessionTimeoutMs: 30_000,
    });
    expect(joined.assignment).toEqual([]);
    await broker.createTopic({ name: "later", partitions: 3 });
    const beat = () =>
      groups.heartbeat({
        groupId: "g",
        memberId: joined.memberId,
        memberEpoch: groups.describeGroup("g").members[0].memberEpoch,
        ownedPartitions: groups.describeGroup("g").members[0].assignment,
      });
    expect((await beat()).assignment).toEqual([{ topic: "later", partitions: [0, 1, 2] }]);
    await broker.deleteTopic("later");
    // Revoked first (the member still owns them), released with the next heartbeat.
    await beat();
    await groups.heartbeat({
      groupId: "g",
      memberId: joined.memberId,
      memberEpoch: groups.describeGroup("g").members[0].memberEpoch,
      ownedPartitions: [],
    });
    const member = groups.describeGroup("g").members[0];
    expect(member.assignment).toEqual([]);
    expect(member.pendingRevocation).toEqual([]);
  });

  it("applies one group's operations in call order", async () => {
    const { broker, groups } = await env.open();
    await broker.createTopic({ name: "t", partitions: 1 });
    const commits = Array.from({ length: 50 }, (_, i) =>
      groups.commitOffsets({
        groupId: "g",
        memberId: "",
        memberEpoch: -1,
        offsets: [{ topic: "t", partition: 0, offset: i + 1 }],
      }));
    await Promise.all(commits);
    expect((await groups.fetchOffsets({ groupId: "g" }))[0].offset).toBe(50);
  });

  it("drops the coordinator after a failed append and reloads it from the log", async () => {
    const { broker, groups: first } = await env.open();
    await broker.createTopic({ name: "t", partitions: 1 });
    await first.close();
    let failNext = false;
    const flaky = flakyBroker(broker, () => {
      if (!failNext) return false;
      failNext = false;
      return true;
    });
    const reported: unknown[] = [];
    const groups = await GroupService.start(env.rt, flaky, {
      offsetsTopicPartitions: 3,
      report: (_what, err) => reported.push(err),
    });
    try {
      const commit = (offset: number) =>
        groups.commitOffsets({
          groupId: "g",
          memberId: "",
          memberEpoch: -1,
          offsets: [{ topic: "t", partition: 0, offset }],
        });
      await commit(7);
      failNext = true;
      expect(await rejectionCode(commit(8))).toBe("COORDINATOR_LOAD_IN_PROGRESS");
      expect(reported).toHaveLength(1);
      // The reload replays the log: the failed commit was never written, 7 stands.
      await eventually(
        env.rt,
        async () => (await rejectionCode(groups.fetchOffsets({ groupId: "g" }))) === "ok",
      );
      expect((await groups.fetchOffsets({ groupId: "g" }))[0].offset).toBe(7);
      await commit(9);
      expect((await groups.fetchOffsets({ groupId: "g" }))[0].offset).toBe(9);
    } finally {
      await groups.close();
    }
  });
});

/** The broker, except that appendInternal fails when `fail()` says so (before writing). */
function flakyBroker(broker: Broker, fail: () => boolean): CoordinatorBroker {
  return {
    nodeId: broker.nodeId,
    createInternalTopic: (r) => broker.createInternalTopic(r),
    listTopics: () => broker.listTopics(),
    describeTopic: (name) => broker.describeTopic(name),
    metadata: (topics) => broker.metadata(topics),
    onLeadershipChange: (l) => broker.onLeadershipChange(l),
    appendInternal: (r, guard) =>
      fail()
        ? Promise.reject(new TributaryError("KAFKA_STORAGE_ERROR", "injected append failure"))
        : broker.appendInternal(r, guard),
    fetch: (r) => broker.fetch(r),
    listOffsets: (t, p, s) => broker.listOffsets(t, p, s),
    partitionOffsets: (t, p) => broker.partitionOffsets(t, p),
    onTopicChange: (l) => broker.onTopicChange(l),
  };
}
