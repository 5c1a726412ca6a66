// Metadata against the real Broker: a named topic that does not exist is answered with an entry
// carrying UNKNOWN_TOPIC_OR_PARTITION (as Kafka does), and allowAutoTopicCreation false never
// creates it, whatever the broker's auto-creation setting.
import { afterEach, describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { MemoryFileSystem } from "../../../runtime/memory/memory-fs.ts";
import type { Runtime } from "../../../runtime/types.ts";
import { Broker } from "../../../src/broker/broker.ts";
import { Admin } from "../../../src/client/admin.ts";
import { ProtocolClient } from "../../../src/protocol/cbor/client.ts";
import { type ProtocolServer, serveProtocol } from "../../../src/protocol/cbor/server/server.ts";

interface Running {
  broker: Broker;
  server: ProtocolServer;
  client: ProtocolClient;
}

describe("Metadata on the real broker", () => {
  let running: Running | null = null;

  async function start(autoCreateTopics: boolean): Promise<Running> {
    const host = createNodeRuntime();
    const rt: Runtime = { ...host, fs: new MemoryFileSystem({ random: host.random }) };
    const broker = await Broker.open(rt, {
      nodeId: 1,
      dataDir: "/data",
      host: "127.0.0.1",
      port: 0,
      autoCreateTopics,
    });
    const server = await serveProtocol(rt, broker, { host: "127.0.0.1", port: 0, version: "t" });
    broker.advertise({ port: server.port });
    const client = await ProtocolClient.connect(rt, {
      host: "127.0.0.1",
      port: server.port,
      requestTimeoutMs: 10_000,
    });
    running = { broker, server, client };
    return running;
  }

  afterEach(async () => {
    await running?.client.close();
    await running?.server.close();
    await running?.broker.close();
    running = null;
  });

  it("answers an unknown topic with an UNKNOWN_TOPIC_OR_PARTITION entry, in request order", async () => {
    const { client } = await start(false);
    await client.request("CreateTopics", { topics: [{ name: "t", partitions: 2 }] });
    for (const allowAutoTopicCreation of [false, true, undefined]) {
      const r = await client.request("Metadata", {
        topics: ["nope", "t"],
        ...(allowAutoTopicCreation === undefined ? {} : { allowAutoTopicCreation }),
      });
      expect(r.topics.map((t) => [t.name, t.error?.code ?? null, t.partitions.length])).toEqual([
        ["nope", "UNKNOWN_TOPIC_OR_PARTITION", 0],
        ["t", null, 2],
      ]);
      expect(r.topics[0]).toMatchObject({ internal: false, configs: {}, partitions: [] });
      expect(r.topics[0].error?.retriable).toBe(true);
    }
    // Every topic (topics null) lists the existing ones, without errors.
    const all = await client.request("Metadata", { topics: null });
    expect(all.topics.map((t) => [t.name, t.error])).toEqual([["t", null]]);
  });

  it("with allowAutoTopicCreation false creates nothing, even when the broker auto-creates", async () => {
    const { client, broker } = await start(true);
    const r = await client.request("Metadata", {
      topics: ["quiet"],
      allowAutoTopicCreation: false,
    });
    expect(r.topics.map((t) => [t.name, t.error?.code])).toEqual([
      ["quiet", "UNKNOWN_TOPIC_OR_PARTITION"],
    ]);
    // Topic creations run one at a time: once this one is done, an earlier one would be too.
    await client.request("CreateTopics", { topics: [{ name: "later" }] });
    expect(broker.listTopics().map((t) => t.name)).toEqual(["later"]);

    const created = await client.request("Metadata", { topics: ["loud"] });
    expect(created.topics.map((t) => [t.name, t.error, t.partitions.length > 0])).toEqual([
      ["loud", null, true],
    ]);
    // An impossible name is that entry's error, not a failed request.
    const bad = await client.request("Metadata", { topics: ["bad/name"] });
    expect(bad.topics[0].error?.code).toBe("INVALID_TOPIC_EXCEPTION");
  });

  it("the Admin client fails a metadata call naming a missing topic with its error", async () => {
    const { server } = await start(false);
    const admin = new Admin(createNodeRuntime(), { bootstrap: `127.0.0.1:${server.port}` });
    try {
      await expect(admin.metadata(["nope"])).rejects.toMatchObject({
        code: "UNKNOWN_TOPIC_OR_PARTITION",
      });
      expect((await admin.metadata()).topics).toEqual([]);
    } finally {
      await admin.close();
    }
  });
});
