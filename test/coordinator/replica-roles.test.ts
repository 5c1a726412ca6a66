// The coordinator on a cluster-mode Broker with its real replica manager (ReplicaRoles): the
// leadership the coordinator follows is what the manager took on from committed metadata, and
// its writes go through acks=all. Broker 1 is alone (its peers never answer), so the ISR of
// `__consumer_offsets-0` is kept to broker 1 whenever broker 1 leads it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Broker } from "../../src/broker/broker.ts";
import { ReplicaRoles } from "../../src/broker/replica-roles.ts";
import { GroupService } from "../../src/coordinator/group-service.ts";
import { CONSUMER_OFFSETS_TOPIC } from "../../src/coordinator/offsets-topic.ts";
import type { CoordinatorPartitionState } from "../../src/coordinator/coordinator-partition.ts";
import { TributaryError } from "../../src/model/errors.ts";
import { ReplicaManager } from "../../src/replication/manager/replica-manager.ts";
import type { ReplicaChannel } from "../../src/replication/manager/replica-channel.ts";
import { FakeClusterWriter } from "../broker/fake-cluster-writer.ts";
import { type TestEnv, testEnv } from "../broker/helpers.ts";
import { rejectionCode } from "../support/error-codes.ts";

const unreachable = () => Promise.reject(new TributaryError("NETWORK_EXCEPTION", "no peers here"));
const channel: ReplicaChannel = {
  fetch: unreachable,
  epochEnd: unreachable,
  alterPartition: unreachable,
};

let env: TestEnv;
let writer: FakeClusterWriter;
let manager: ReplicaManager;
let groups: GroupService | null;
let reported: unknown[];

beforeEach(async () => {
  env = await testEnv();
  writer = new FakeClusterWriter();
  groups = null;
  reported = [];
  writer.registerBrokers([{ id: 1, port: 9001 }, { id: 2, port: 9002 }]);
  manager = new ReplicaManager({ runtime: env.rt, brokerId: 1, incarnationId: "i-1", channel });
});
afterEach(async () => {
  await groups?.close();
  await env.cleanup();
  await manager.close();
});

async function open(): Promise<{ broker: Broker; groups: GroupService }> {
  const report = (_what: string, err: unknown) => reported.push(err);
  const roles = new ReplicaRoles(manager, 1, () => env.rt.clock.nowMs(), report);
  const broker = await env.open({
    cluster: { writer, committed: writer.committed, controllerId: () => 1, roles },
  });
  writer.assignments.set("t", [[1]]);
  await broker.createTopic({ name: "t" });
  // Replicas 1 and 2, in sync: broker 1 alone (broker 2 never fetches here).
  const { offset } = writer.commit([
    { type: "TopicRecord", name: CONSUMER_OFFSETS_TOPIC, topicId: topicId(9), internal: true },
    {
      type: "PartitionRecord",
      topic: CONSUMER_OFFSETS_TOPIC,
      partition: 0,
      replicas: [1, 2],
      isr: [1],
      leader: 1,
      leaderEpoch: 0,
      partitionEpoch: 0,
    },
  ]);
  await broker.waitForMetadataOffset(offset);
  groups = await GroupService.start(env.rt, broker, { report });
  return { broker, groups };
}

function topicId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
}

async function reaches(g: GroupService, state: CoordinatorPartitionState): Promise<void> {
  const deadline = env.rt.clock.monotonicMs() + 5_000;
  while (g.partitionStates()[0] !== state) {
    if (env.rt.clock.monotonicMs() > deadline) {
      throw new Error(`not ${state} within 5 s: ${g.partitionStates()[0]}`);
    }
    await env.rt.timers.sleep(10);
  }
}

const commit = (g: GroupService, offset: number) =>
  g.commitOffsets({
    groupId: "g",
    memberId: "",
    memberEpoch: -1,
    offsets: [{ topic: "t", partition: 0, offset }],
  });

describe("the coordinator with the replica manager", () => {
  it("loads when the manager leads, resigns when it follows, reloads the log when it leads again", async () => {
    const { broker, groups } = await open();
    expect(groups.offsetsPartitions).toBe(1);
    await reaches(groups, "ready");
    await commit(groups, 5);

    await broker.waitForMetadataOffset(writer.moveLeader(CONSUMER_OFFSETS_TOPIC, 0, 2, [2]));
    await reaches(groups, "idle");
    expect(await rejectionCode(commit(groups, 6))).toBe("NOT_COORDINATOR");
    expect(groups.coordinatorOf("g").coordinator.nodeId).toBe(2);

    await broker.waitForMetadataOffset(writer.moveLeader(CONSUMER_OFFSETS_TOPIC, 0, 1, [1]));
    await reaches(groups, "ready");
    expect((await groups.fetchOffsets({ groupId: "g" }))[0].offset).toBe(5);
    await commit(groups, 7);
    expect((await groups.fetchOffsets({ groupId: "g" }))[0].offset).toBe(7);
    expect(reported).toEqual([]);
  });
});
