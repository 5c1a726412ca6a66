// Run directly by Deno or Bun (test/protocol/cbor/cross-runtime.test.ts spawns it): the
// protocol server and client on that host's Runtime, over real TCP, with a FakeBroker.
// Prints "PROTOCOL SMOKE OK <runtime>" and exits 0, or throws (non-zero exit).
import { loadRuntime } from "../../../../runtime/load.ts";
import { ProtocolClient } from "../../../../src/protocol/cbor/client.ts";
import { decodeRecords } from "../../../../src/log/record-batch.ts";
import { serveProtocol } from "../../../../src/protocol/cbor/server/server.ts";
import { FakeBroker } from "./fake-broker.ts";
import { batchOf } from "./batch.ts";
import { CLUSTER_REQUESTS } from "./cluster-samples.ts";
import { FakeController } from "./fake-cluster-services.ts";

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

async function main(): Promise<void> {
  const rt = await loadRuntime();
  const broker = new FakeBroker();
  const server = await serveProtocol(rt, broker, {
    host: "127.0.0.1",
    port: 0,
    version: "smoke",
    closeWaitMsMax: 1_000,
  });
  const client = await ProtocolClient.connect(rt, {
    host: "127.0.0.1",
    port: server.port,
    requestTimeoutMs: 10_000,
  });
  try {
    check(client.server.serverVersion === "smoke", "handshake");
    await client.request("CreateTopics", { topics: [{ name: "x", partitions: 2 }] });
    const sends = Array.from(
      { length: 200 },
      (_, i) =>
        client.request("Produce", {
          acks: 1,
          timeoutMs: 1000,
          partitions: [{ topic: "x", partition: i % 2, records: batchOf([`v${i}`]) }],
        }),
    );
    const offsets = (await Promise.all(sends)).map((r) => r.partitions[0].baseOffset);
    check(offsets.every((o, i) => o === i >> 1), "pipelined produce offsets in order");
    const fetched = await client.request("Fetch", {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      partitions: [{ topic: "x", partition: 1, offset: 99, maxBytes: 1 << 20 }],
    });
    const value = decodeRecords(fetched.partitions[0].records)[0].value;
    check(
      new TextDecoder().decode(value ?? new Uint8Array()) === "v199",
      "fetched the last record",
    );

    // A bad peer does not disturb the good one.
    const bad = await rt.net.connect({ host: "127.0.0.1", port: server.port });
    await bad.write(new Uint8Array([0x80, 0, 0, 0]));
    const answer = await bad.read();
    check(answer !== null && answer.byteLength > 4, "error frame for a 2 GiB announcement");
    check((await bad.read()) === null, "server closed the bad connection");
    await bad.close();
    const listed = await client.request("ListTopics", {});
    check(listed.topics.length === 1, "good connection still served");
  } finally {
    await client.close();
    await server.close();
  }
  await controllerListener(rt);
  console.log(`PROTOCOL SMOKE OK ${rt.name}`);
}

/** The controller listener: its own op table, a controller call, one-way Raft messages. */
async function controllerListener(rt: Awaited<ReturnType<typeof loadRuntime>>): Promise<void> {
  const controller = new FakeController();
  controller.replies.brokerHeartbeat = { fenced: false, caughtUp: true, shutdownReady: false };
  const server = await serveProtocol(rt, new FakeBroker(), {
    host: "127.0.0.1",
    port: 0,
    version: "smoke",
    closeWaitMsMax: 1_000,
    controller,
    ops: "controller",
  });
  const client = await ProtocolClient.connect(rt, {
    host: "127.0.0.1",
    port: server.port,
    requestTimeoutMs: 10_000,
  });
  try {
    check(!client.server.apis.some((a) => a.name === "Produce"), "controller table only");
    const beat = await client.request("BrokerHeartbeat", CLUSTER_REQUESTS.BrokerHeartbeat);
    check(beat.caughtUp && !beat.fenced, "heartbeat answered by the controller");
    await client.send("RaftMessage", { ...CLUSTER_REQUESTS.RaftMessage, from: -1 });
    await client.send("RaftMessage", CLUSTER_REQUESTS.RaftMessage);
    await controller.raftCalls(1);
    const got = controller.raft[0]?.message ?? new Uint8Array();
    check(got.join() === CLUSTER_REQUESTS.RaftMessage.message.join(), "raft message delivered");
    await client.request("BrokerHeartbeat", CLUSTER_REQUESTS.BrokerHeartbeat);
    check(controller.raft.length === 1, "malformed raft message dropped");
  } finally {
    await client.close();
    await server.close();
  }
}

// An uncaught failure makes Deno and Bun exit non-zero; success leaves nothing open, so it exits 0.
await main();
