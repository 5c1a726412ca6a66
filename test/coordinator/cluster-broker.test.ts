// The coordinator on a real Broker in cluster mode (metadata from FakeClusterWriter, no
// replica manager): `__consumer_offsets` is created through the cluster's writer, only the
// partitions this broker leads are coordinated here, FindCoordinator names leaders from the
// whole image (also of partitions not hosted here), and the broker's epoch guard refuses a
// write under the epoch the partition was loaded in once the image moved on.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Broker } from "../../src/broker/broker.ts";
import { GroupService } from "../../src/coordinator/group-service.ts";
import { offsetsPartitionFor } from "../../src/coordinator/offsets-partition.ts";
import { CONSUMER_OFFSETS_TOPIC } from "../../src/coordinator/offsets-topic.ts";
import { FakeClusterWriter } from "../broker/fake-cluster-writer.ts";
import { type TestEnv, testEnv } from "../broker/helpers.ts";
import { rejectionCode, thrownCode } from "../support/error-codes.ts";

// Groups landing on each of the three partitions (Kafka's hash).
const ON = ["g2", "g0", "g1"] as const;

let env: TestEnv;
let writer: FakeClusterWriter;
let groups: GroupService | null;

beforeEach(async () => {
  env = await testEnv();
  writer = new FakeClusterWriter();
  groups = null;
  writer.registerBrokers([
    { id: 1, port: 9001, httpPort: 8001 },
    { id: 2, port: 9002, httpPort: 8002 },
    { id: 3, port: 9003 },
  ]);
  // Broker 1 leads partition 0, follows partition 2, has no replica of partition 1.
  writer.assignments.set(CONSUMER_OFFSETS_TOPIC, [[1, 2], [2, 3], [2, 1]]);
  writer.assignments.set("t", [[1]]);
});
afterEach(async () => {
  await groups?.close();
  await env.cleanup();
});

async function open(): Promise<{ broker: Broker; groups: GroupService }> {
  const broker = await env.open({
    cluster: { writer, committed: writer.committed, controllerId: () => 1 },
  });
  await broker.createTopic({ name: "t" });
  groups = await GroupService.start(env.rt, broker, {
    offsetsTopicPartitions: 3,
    offsetsTopicReplicationFactor: 2,
  });
  return { broker, groups };
}

const commit = (g: GroupService, groupId: string, offset: number) =>
  g.commitOffsets({
    groupId,
    memberId: "",
    memberEpoch: -1,
    offsets: [{ topic: "t", partition: 0, offset }],
  });

describe("the coordinator on a cluster-mode broker", () => {
  it("coordinates the partitions it leads and names the leader of the others", async () => {
    for (const [p, g] of ON.entries()) expect(offsetsPartitionFor(g, 3)).toBe(p);
    const { broker, groups } = await open();
    expect(groups.partitionStates()).toEqual(["ready", "idle", "idle"]);
    await commit(groups, ON[0], 5);
    expect((await groups.fetchOffsets({ groupId: ON[0] }))[0].offset).toBe(5);
    expect(await rejectionCode(commit(groups, ON[1], 5))).toBe("NOT_COORDINATOR");
    expect(await rejectionCode(commit(groups, ON[2], 5))).toBe("NOT_COORDINATOR");
    expect(groups.coordinatorOf(ON[0]).coordinator).toEqual({
      nodeId: 1,
      host: "10.0.0.1",
      port: 9001,
      httpPort: 8001,
    });
    // Not hosted here at all: the answer comes from the cluster's metadata.
    expect(groups.coordinatorOf(ON[1])).toEqual({
      offsetsPartition: 1,
      coordinator: { nodeId: 2, host: "10.0.0.2", port: 9002, httpPort: 8002 },
    });
    await broker.waitForMetadataOffset(writer.moveLeader(CONSUMER_OFFSETS_TOPIC, 1, -1, [2]));
    expect(thrownCode(() => groups.coordinatorOf(ON[1]))).toBe("COORDINATOR_NOT_AVAILABLE");
  });

  it("refuses, through the broker's epoch guard, a write under the epoch it loaded in", async () => {
    const { broker, groups } = await open();
    await commit(groups, ON[0], 5);
    // Leadership went to broker 2 and came back (epoch 2) without this coordinator being told.
    writer.moveLeader(CONSUMER_OFFSETS_TOPIC, 0, 2);
    await broker.waitForMetadataOffset(writer.moveLeader(CONSUMER_OFFSETS_TOPIC, 0, 1));
    const end = broker.partitionOffsets(CONSUMER_OFFSETS_TOPIC, 0)!.highWatermark;
    expect(await rejectionCode(commit(groups, ON[0], 6))).toBe("NOT_COORDINATOR");
    expect(broker.partitionOffsets(CONSUMER_OFFSETS_TOPIC, 0)!.highWatermark).toBe(end);
    expect(groups.partitionStates()[0]).toBe("idle");
  });
});
