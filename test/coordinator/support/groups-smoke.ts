// Run directly by Deno or Bun (test/coordinator/cross-runtime.test.ts spawns it): a broker with
// its group coordinator on that host's Runtime, a member over the binary protocol and one over
// HTTP in the same group, a commit and a read back after reopening the data directory.
// Then the coordinator following `__consumer_offsets` leadership (fake-leadership.ts): the
// partition moves to another coordinator, which loads the commit past a lagging high watermark,
// and the old one answers NOT_COORDINATOR.
// Prints "GROUPS SMOKE OK <runtime>" and exits 0, or throws (non-zero exit).
import { loadRuntime } from "../../../runtime/load.ts";
import type { Runtime } from "../../../runtime/types.ts";
import { Broker } from "../../../src/broker/broker.ts";
import { GroupService } from "../../../src/coordinator/group-service.ts";
import { offsetsPartitionFor } from "../../../src/coordinator/offsets-partition.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { FakeLeadership } from "../fake-leadership.ts";
import { ProtocolClient } from "../../../src/protocol/cbor/client.ts";
import { startBroker } from "../../../src/server/start-broker.ts";

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function main(): Promise<void> {
  const rt = await loadRuntime();
  const dataDir = await rt.fs.makeTempDir("tributary-groups-smoke-");
  try {
    let node = await startBroker(rt, { dataDir, port: 0, httpPort: 0, offsetsTopicPartitions: 2 });
    const client = await ProtocolClient.connect(rt, { host: "127.0.0.1", port: node.port });
    await client.request("CreateTopics", { topics: [{ name: "t", partitions: 2 }] });
    const joined = await client.request("ConsumerGroupHeartbeat", {
      groupId: "g",
      memberId: "",
      memberEpoch: 0,
      subscribedTopics: ["t"],
      ownedPartitions: [],
    });
    check(joined.assignment.length === 1, "the first member gets the topic");
    const http = await fetch(`${node.httpUrl}/v1/groups/g/members`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topics: ["t"] }),
    });
    check(http.status === 201, `HTTP join answered ${http.status}`);
    await http.json();
    await client.request("OffsetCommit", {
      groupId: "g",
      memberId: joined.memberId,
      memberEpoch: joined.memberEpoch,
      offsets: [{ topic: "t", partition: 0, offset: 7 }],
    });
    await client.close();
    await node.close();

    node = await startBroker(rt, { dataDir, port: 0, httpPort: 0 });
    const offsets = await fetch(`${node.httpUrl}/v1/groups/g/offsets`);
    const body = await offsets.json() as { offsets: Array<{ committed: number }> };
    check(
      body.offsets[0]?.committed === 7,
      `committed offset after reopening: ${JSON.stringify(body)}`,
    );
    const described = node.groups.describeGroup("g");
    check(described.members.length === 2, "both members are still there");
    await node.close();
  } finally {
    await rt.fs.remove(dataDir, { recursive: true });
  }
  await leadershipMoves(rt);
  await rt.process.writeStdout(`GROUPS SMOKE OK ${rt.name}\n`);
}

async function leadershipMoves(rt: Runtime): Promise<void> {
  const dataDir = await rt.fs.makeTempDir("tributary-groups-smoke-leaders-");
  const broker = await Broker.open(rt, { nodeId: 1, dataDir, host: "127.0.0.1", port: 0 });
  const services: GroupService[] = [];
  try {
    await broker.createTopic({ name: "t", partitions: 1 });
    const cluster = new FakeLeadership(broker);
    const nodeTwo = cluster.node(2);
    const one = await GroupService.start(rt, cluster.node(1), { offsetsTopicPartitions: 2 });
    services.push(one);
    const two = await GroupService.start(rt, nodeTwo, { offsetsTopicPartitions: 2 });
    services.push(two);
    const p = offsetsPartitionFor("g", 2);
    const commit = (s: GroupService, offset: number) =>
      s.commitOffsets({
        groupId: "g",
        memberId: "",
        memberEpoch: -1,
        offsets: [{ topic: "t", partition: 0, offset }],
      });
    await commit(one, 7);
    nodeTwo.hwCap.set(p, 0);
    cluster.move(p, 2);
    for (let i = 0; i < 500 && two.partitionStates()[p] !== "ready"; i++) {
      await rt.timers.sleep(10);
    }
    check(two.partitionStates()[p] === "ready", "broker 2 loads the partition it now leads");
    const offsets = await two.fetchOffsets({ groupId: "g" });
    check(offsets[0]?.offset === 7, `broker 2 reads the commit: ${JSON.stringify(offsets)}`);
    check(two.coordinatorOf("g").coordinator.nodeId === 2, "FindCoordinator names broker 2");
    const refused = await commit(one, 8).then(() => "ok", (e: unknown) => e);
    check(
      refused instanceof TributaryError && refused.code === "NOT_COORDINATOR",
      `the old coordinator answers NOT_COORDINATOR: ${String(refused)}`,
    );
  } finally {
    for (const s of services) await s.close();
    await broker.close();
    await rt.fs.remove(dataDir, { recursive: true });
  }
}

await main();
