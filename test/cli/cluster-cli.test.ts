// The cluster's CLI surfaces (issue 11) against an embedded single-node broker: cluster
// describe, elect-leaders, topics describe with leader/replicas/ISR and add-partitions, as
// tables and as --json. One node is its own controller and only broker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningBroker, startBroker } from "../../src/server/start-broker.ts";
import { cli, host } from "./capture.ts";

describe("cluster CLI on one node", () => {
  let broker: RunningBroker;
  let bootstrap: string[];

  beforeAll(async () => {
    broker = await startBroker(host, { storage: "memory", port: 0, httpPort: 0, nodeId: 7 });
    bootstrap = ["--bootstrap", broker.bootstrap];
    const created = await cli(["topics", "create", "ct", "--partitions", "2", ...bootstrap]);
    expect(created).toMatchObject({ code: 0, stderr: "" });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it("cluster describe: id, controller, the one broker, as a table and as JSON", async () => {
    const json = await cli(["cluster", "describe", "--json", ...bootstrap]);
    expect(json).toMatchObject({ code: 0, stderr: "" });
    const cluster = JSON.parse(json.stdout);
    expect(cluster).toEqual({
      clusterId: broker.broker.clusterId,
      controllerId: 7,
      brokers: [{
        id: 7,
        host: "127.0.0.1",
        port: broker.port,
        httpPort: broker.httpPort,
        rack: null,
        state: "running",
      }],
    });
    const text = await cli(["cluster", "describe", ...bootstrap]);
    expect(text).toMatchObject({ code: 0, stderr: "" });
    const lines = text.stdout.split("\n");
    expect(lines[0]).toBe(`Cluster ${broker.broker.clusterId}: controller 7, 1 broker`);
    expect(lines[2].split(/\s+/)).toEqual(["BROKER", "HOST", "PORT", "HTTP-PORT", "RACK", "STATE"]);
    expect(lines[3].split(/\s+/)).toEqual([
      "7",
      "127.0.0.1",
      String(broker.port),
      String(broker.httpPort),
      "-",
      "running",
    ]);
  });

  it("topics describe: leader, epoch, replicas and ISR per partition; --json keeps the document", async () => {
    const text = await cli(["topics", "describe", "ct", ...bootstrap]);
    expect(text).toMatchObject({ code: 0, stderr: "" });
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("Topic ct: 2 partitions, replication factor 1");
    expect(lines[2].split(/\s+/)).toEqual([
      "PARTITION",
      "LEADER",
      "EPOCH",
      "REPLICAS",
      "ISR",
      "LOG-START",
      "HIGH-WATERMARK",
      "OFFLINE",
    ]);
    expect(lines.slice(3).map((l) => l.split(/\s+/))).toEqual([
      ["0", "7", "0", "7", "7", "0", "0", "-"],
      ["1", "7", "0", "7", "7", "0", "0", "-"],
    ]);
    const json = JSON.parse(
      (await cli(["topics", "describe", "ct", "--json", ...bootstrap])).stdout,
    );
    expect(json.partitions.map((p: { leader: number; replicas: number[]; isr: number[] }) => [
      p.leader,
      p.replicas,
      p.isr,
    ])).toEqual([[7, [7], [7]], [7, [7], [7]]]);
  });

  it("topics create --replication-factor beyond the brokers there are is refused", async () => {
    const result = await cli([
      "topics",
      "create",
      "rf3",
      "--replication-factor",
      "3",
      ...bootstrap,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^tributary: INVALID_REPLICATION_FACTOR: /);
    const ok = await cli(["topics", "create", "rf1", "--replication-factor", "1", ...bootstrap]);
    expect(ok).toMatchObject({ code: 0, stdout: "Created topic rf1.\n" });
  });

  it("cluster elect-leaders: every partition is already led by its preferred replica", async () => {
    const all = await cli(["cluster", "elect-leaders", "--json", ...bootstrap]);
    expect(all).toMatchObject({ code: 0, stderr: "" });
    const results = JSON.parse(all.stdout) as { topic: string; partition: number }[];
    expect(results.filter((r) => r.topic === "ct")).toEqual([
      { topic: "ct", partition: 0, leader: 7, outcome: "already-preferred" },
      { topic: "ct", partition: 1, leader: 7, outcome: "already-preferred" },
    ]);
    const one = await cli([
      "cluster",
      "elect-leaders",
      "--topic",
      "ct",
      "--partition",
      "1",
      ...bootstrap,
    ]);
    expect(one).toMatchObject({ code: 0, stderr: "" });
    expect(one.stdout.split("\n").map((l) => l.split(/\s+/))).toEqual([
      ["TOPIC", "PARTITION", "LEADER", "OUTCOME"],
      ["ct", "1", "7", "already-preferred"],
      [""],
    ]);
  });

  it("cluster elect-leaders refuses unknown topics and partitions and a lone --partition", async () => {
    const cases: [string[], number, RegExp][] = [
      [["--topic", "nope"], 1, /UNKNOWN_TOPIC_OR_PARTITION/],
      [
        ["--topic", "ct", "--partition", "2"],
        1,
        /UNKNOWN_TOPIC_OR_PARTITION: topic "ct" has no partition 2/,
      ],
      [["--partition", "0"], 2, /--partition needs --topic/],
      [["--topic", "ct", "--partition", "-1"], 2, /must not be negative/],
    ];
    for (const [flags, code, message] of cases) {
      const result = await cli(["cluster", "elect-leaders", ...flags, ...bootstrap]);
      expect(result.code, flags.join(" ")).toBe(code);
      expect(result.stderr, flags.join(" ")).toMatch(message);
      expect(result.stdout).toBe("");
    }
  });

  it("topics add-partitions checks the topic and count, then grows the topic", async () => {
    const cases: [string[], number, RegExp][] = [
      [["ct", "--partitions", "2"], 1, /INVALID_PARTITIONS: topic "ct" has 2 partitions/],
      [["nope", "--partitions", "4"], 1, /UNKNOWN_TOPIC_OR_PARTITION/],
      [["ct"], 2, /missing --partitions/],
      [["ct", "--partitions", "0"], 2, /at least 1/],
      [["--partitions", "3"], 2, /NAME/],
    ];
    for (const [flags, code, message] of cases) {
      const result = await cli(["topics", "add-partitions", ...flags, ...bootstrap]);
      expect(result.code, flags.join(" ")).toBe(code);
      expect(result.stderr, flags.join(" ")).toMatch(message);
    }
    const grown = await cli(["topics", "add-partitions", "ct", "--partitions", "4", ...bootstrap]);
    expect(grown.code, grown.stderr).toBe(0);
    const json = JSON.parse(
      (await cli(["topics", "describe", "ct", "--json", ...bootstrap])).stdout,
    );
    expect(json.partitions).toHaveLength(4);
  });

  it("topics reassign checks its flags, then says a single broker cannot", async () => {
    const cases: [string[], number, RegExp][] = [
      [
        ["ct", "--partition", "0", "--replicas", "7"],
        1,
        /UNSUPPORTED_VERSION: a single broker cannot reassign replicas/,
      ],
      [["ct", "--replicas", "7"], 2, /missing --partition/],
      [["ct", "--partition", "0"], 2, /missing --replicas/],
      [["ct", "--partition", "0", "--replicas", "7", "--cancel"], 2, /not both/],
      [["ct", "--partition", "0", "--replicas", "1,1"], 2, /names a broker twice/],
      [["ct", "--partition", "0", "--replicas", "1,x"], 2, /needs an integer/],
      [["ct", "--partition", "0", "--replicas", "-1"], 2, /broker ids/],
      [["ct", "--partition", "-1", "--replicas", "7"], 2, /at least 0/],
      [["--partition", "0", "--replicas", "7"], 2, /NAME/],
    ];
    for (const [flags, code, message] of cases) {
      const result = await cli(["topics", "reassign", ...flags, ...bootstrap]);
      expect(result.code, flags.join(" ")).toBe(code);
      expect(result.stderr, flags.join(" ")).toMatch(message);
      expect(result.stdout).toBe("");
    }
  });

  it("cluster needs an action", async () => {
    expect(await cli(["cluster", ...bootstrap])).toMatchObject({ code: 2 });
    const unknown = await cli(["cluster", "rebalance", ...bootstrap]);
    expect(unknown).toMatchObject({
      code: 2,
      stderr: 'tributary: unknown cluster action "rebalance"\n',
    });
  });
});
