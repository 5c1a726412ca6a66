// `tributary cluster describe` lists every registered broker with its rack and state, fenced ones
// included (issue 11 §3: brokers [{id, host, port, httpPort, rack, state}]), from the answering
// broker's own image: here a cluster-mode broker whose image (FakeClusterWriter) has three
// registrations, one fenced, served over the CBOR protocol.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Broker } from "../../src/broker/broker.ts";
import { Admin } from "../../src/client/admin.ts";
import { MetricsRegistry } from "../../src/metrics/registry.ts";
import { type ProtocolServer, serveProtocol } from "../../src/protocol/cbor/server/server.ts";
import { FakeClusterWriter } from "../broker/fake-cluster-writer.ts";
import { type TestEnv, testEnv } from "../broker/helpers.ts";
import { cli } from "./capture.ts";

describe("cluster describe in a cluster", () => {
  let env: TestEnv;
  let broker: Broker;
  let server: ProtocolServer;
  let bootstrap: string[];

  beforeAll(async () => {
    env = await testEnv();
    const writer = new FakeClusterWriter();
    writer.registerBrokers([
      { id: 1, port: 9001, httpPort: 8001, rack: "a" },
      { id: 2, port: 9002, rack: "b" },
      { id: 3, port: 9003, fenced: true },
    ]);
    broker = await env.open({
      cluster: { writer, committed: writer.committed, controllerId: () => 2 },
    });
    server = await serveProtocol(env.rt, broker, {
      host: "127.0.0.1",
      port: 0,
      version: "test-1.0",
      metrics: new MetricsRegistry(),
      closeWaitMsMax: 2_000,
    });
    bootstrap = ["--bootstrap", `127.0.0.1:${server.port}`];
  });
  afterAll(async () => {
    await server?.close();
    await env?.cleanup();
  });

  const expected = [
    { id: 1, host: "10.0.0.1", port: 9001, httpPort: 8001, rack: "a", state: "running" },
    { id: 2, host: "10.0.0.2", port: 9002, httpPort: null, rack: "b", state: "running" },
    { id: 3, host: "10.0.0.3", port: 9003, httpPort: null, rack: null, state: "fenced" },
  ];

  it("--json has every registered broker, the fenced one with state fenced, and racks", async () => {
    const json = await cli(["cluster", "describe", "--json", ...bootstrap]);
    expect(json).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(json.stdout)).toEqual({
      clusterId: broker.clusterId,
      controllerId: 2,
      brokers: expected,
    });
  });

  it("the table says the same", async () => {
    const text = await cli(["cluster", "describe", ...bootstrap]);
    expect(text).toMatchObject({ code: 0, stderr: "" });
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`Cluster ${broker.clusterId}: controller 2, 3 brokers (1 fenced)`);
    expect(lines.slice(3).map((l) => l.split(/\s+/))).toEqual([
      ["1", "10.0.0.1", "9001", "8001", "a", "running"],
      ["2", "10.0.0.2", "9002", "-", "b", "running"],
      ["3", "10.0.0.3", "9003", "-", "-", "fenced"],
    ]);
  });

  it("plain Metadata still lists the live brokers only, with no state", async () => {
    const admin = new Admin(env.rt, { bootstrap: `127.0.0.1:${server.port}` });
    try {
      expect((await admin.describeCluster()).brokers).toEqual(expected);
      const metadata = await admin.metadata([]);
      expect(metadata.brokers.map((b) => [b.nodeId, b.state])).toEqual([
        [1, undefined],
        [2, undefined],
      ]);
    } finally {
      await admin.close();
    }
  });
});
