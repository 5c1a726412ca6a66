// Run directly by Deno or Bun (test/coordinator/cross-runtime.test.ts spawns it): a broker with
// its group coordinator on that host's Runtime, a member over the binary protocol and one over
// HTTP in the same group, a commit and a read back after reopening the data directory.
// Prints "GROUPS SMOKE OK <runtime>" and exits 0, or throws (non-zero exit).
import { loadRuntime } from "../../../runtime/load.ts";
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
  await rt.process.writeStdout(`GROUPS SMOKE OK ${rt.name}\n`);
}

await main();
