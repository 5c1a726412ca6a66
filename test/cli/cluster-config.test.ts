// The cluster's serve settings: flags and config keys into ClusterServeOptions, and every way
// to get them wrong.
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/args/args.ts";
import { cli } from "./capture.ts";
import { parseQuorumVoters, resolveClusterOptions } from "../../src/cli/cluster-config.ts";
import { parseServerConfig } from "../../src/cli/server-config.ts";
import { CLUSTER_DEFAULTS } from "../../src/model/cluster.ts";
import type { ClusterSettings } from "../../src/server/cluster-options.ts";

const QUORUM = "1@127.0.0.1:9193,2@127.0.0.1:9194,3@127.0.0.1:9195";

function resolve(settings: ClusterSettings, node: { nodeId?: number; port?: number } = {}) {
  return resolveClusterOptions(settings, { nodeId: 1, ...node });
}

function refused(settings: ClusterSettings, node: { nodeId?: number; port?: number } = {}) {
  try {
    resolve(settings, node);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error("expected a UsageError");
}

describe("cluster serve options", () => {
  it("are null without a quorum: today's single node", () => {
    expect(resolveClusterOptions({}, {})).toBeNull();
    expect(resolveClusterOptions({ minInsyncReplicas: 2 }, {})).toBeNull();
    expect(resolveClusterOptions({ uncleanLeaderElectionEnable: false }, {})).toBeNull();
    expect(parseServerConfig("node.id=1\nport=9093\n", "f")).not.toHaveProperty("cluster");
  });

  it("take the defaults from CLUSTER_DEFAULTS and make a voter broker+controller", () => {
    expect(resolve({ quorumVoters: QUORUM }, { nodeId: 2 })).toEqual({
      nodeId: 2,
      processRoles: ["broker", "controller"],
      voters: [
        { id: 1, host: "127.0.0.1", port: 9193 },
        { id: 2, host: "127.0.0.1", port: 9194 },
        { id: 3, host: "127.0.0.1", port: 9195 },
      ],
      controllerPort: 9194,
      rack: null,
      advertisedHost: null,
      brokerSessionTimeoutMs: CLUSTER_DEFAULTS.brokerSessionTimeoutMs,
      brokerHeartbeatIntervalMs: CLUSTER_DEFAULTS.brokerHeartbeatIntervalMs,
      replicaLagTimeMaxMs: CLUSTER_DEFAULTS.replicaLagTimeMaxMs,
      minInsyncReplicas: 1,
      defaultReplicationFactor: CLUSTER_DEFAULTS.defaultReplicationFactor,
      offsetsTopicReplicationFactor: CLUSTER_DEFAULTS.offsetsTopicReplicationFactor,
      uncleanLeaderElectionEnable: false,
      autoLeaderRebalanceEnable: true,
      controlledShutdownEnable: true,
    });
  });

  it("make a node outside the quorum a broker only, without a controller port", () => {
    const options = resolve({ quorumVoters: QUORUM }, { nodeId: 4 });
    expect(options).toMatchObject({ processRoles: ["broker"], controllerPort: null });
  });

  it("read every key from a properties file", () => {
    const config = parseServerConfig(
      [
        "node.id=3",
        "process.roles=controller",
        `controller.quorum.voters=${QUORUM}`,
        "controller.port=19195",
        "broker.rack=rack-a",
        "advertised.host=node3.local",
        "broker.session.timeout.ms=3000",
        "broker.heartbeat.interval.ms=500",
        "replica.lag.time.max.ms=20000",
        "min.insync.replicas=2",
        "default.replication.factor=3",
        "offsets.topic.replication.factor=2",
        "unclean.leader.election.enable=false",
        "auto.leader.rebalance.enable=false",
        "controlled.shutdown.enable=false",
      ].join("\n"),
      "c.properties",
    );
    expect(resolveClusterOptions(config.cluster!, config)).toEqual({
      nodeId: 3,
      processRoles: ["controller"],
      voters: parseQuorumVoters(QUORUM),
      controllerPort: 19195,
      rack: "rack-a",
      advertisedHost: "node3.local",
      brokerSessionTimeoutMs: 3000,
      brokerHeartbeatIntervalMs: 500,
      replicaLagTimeMaxMs: 20000,
      minInsyncReplicas: 2,
      defaultReplicationFactor: 3,
      offsetsTopicReplicationFactor: 2,
      uncleanLeaderElectionEnable: false,
      autoLeaderRebalanceEnable: false,
      controlledShutdownEnable: false,
    });
  });

  it("read the JSON names, lists as arrays or strings", () => {
    const config = parseServerConfig(
      JSON.stringify({
        nodeId: 1,
        processRoles: ["broker", "controller"],
        controllerQuorumVoters: ["1@a.local:9193", "2@b.local:9193"],
        rack: "r1",
        brokerSessionTimeoutMs: 2000,
        autoLeaderRebalanceEnable: false,
      }),
      "c.json",
    );
    expect(resolveClusterOptions(config.cluster!, config)).toMatchObject({
      nodeId: 1,
      processRoles: ["broker", "controller"],
      voters: [{ id: 1, host: "a.local", port: 9193 }, { id: 2, host: "b.local", port: 9193 }],
      controllerPort: 9193,
      rack: "r1",
      brokerSessionTimeoutMs: 2000,
      autoLeaderRebalanceEnable: false,
    });
  });

  it("accept bracketed IPv6 voters", () => {
    expect(parseQuorumVoters("1@[::1]:9193, 2@[::1]:9194")).toEqual([
      { id: 1, host: "::1", port: 9193 },
      { id: 2, host: "::1", port: 9194 },
    ]);
  });

  it("refuse malformed, duplicate and out-of-range voters", () => {
    const cases: [string, RegExp][] = [
      ["", /at least one ID@HOST:PORT/],
      ["1@127.0.0.1", /"1@127.0.0.1" is not ID@HOST:PORT/],
      ["127.0.0.1:9193", /is not ID@HOST:PORT/],
      ["x@127.0.0.1:9193", /is not ID@HOST:PORT/],
      ["-1@127.0.0.1:9193", /is not ID@HOST:PORT/],
      ["1@127.0.0.1:0", /port between 1 and 65535/],
      ["1@127.0.0.1:70000", /port between 1 and 65535/],
      ["1@bad host:9193", /is not ID@HOST:PORT/],
      ["1@-h:9193", /not a host name/],
      ["1@127.0.0.1:9193,,2@127.0.0.1:9194", /"" is not ID@HOST:PORT/],
      ["1@127.0.0.1:9193,1@127.0.0.1:9194", /voter id 1 is listed twice/],
      ["1@127.0.0.1:9193,2@127.0.0.1:9193", /voters 1 and 2 share 127.0.0.1:9193/],
      [Array.from({ length: 10 }, (_, i) => `${i}@h:${9000 + i}`).join(","), /at most 9/],
    ];
    for (const [quorum, message] of cases) {
      expect(() => parseQuorumVoters(quorum), quorum).toThrow(message);
      expect(refused({ quorumVoters: quorum }), quorum).toMatch(message);
    }
  });

  it("refuse roles that do not fit the quorum", () => {
    expect(refused({ quorumVoters: QUORUM, processRoles: "controller" }, { nodeId: 4 })).toMatch(
      /node 4 has the controller role but is not in the quorum \(1, 2, 3\)/,
    );
    expect(refused({ quorumVoters: QUORUM, processRoles: "broker" }, { nodeId: 1 })).toMatch(
      /node 1 is a voter .* has no controller/,
    );
    expect(refused({ quorumVoters: QUORUM, processRoles: "broker,zookeeper" })).toMatch(
      /unknown role "zookeeper"/,
    );
    expect(refused({ quorumVoters: QUORUM, processRoles: "controller,controller" })).toMatch(
      /"controller" is listed twice/,
    );
    expect(refused({ quorumVoters: QUORUM, processRoles: " , " })).toMatch(
      /needs broker, controller or both/,
    );
  });

  it("refuse cluster settings without a quorum, naming the flag or key", () => {
    expect(refused({ processRoles: "broker,controller" })).toMatch(
      /--process-roles \(process.roles\) applies to a cluster: give the quorum too/,
    );
    expect(refused({ rack: "a" })).toMatch(/--rack \(broker.rack\) applies to a cluster/);
    expect(refused({ controllerPort: 9193 })).toMatch(/--controller-port/);
    expect(refused({ advertisedHost: "h" })).toMatch(/--advertised-host/);
    expect(refused({ brokerSessionTimeoutMs: 9000 })).toMatch(/broker.session.timeout.ms applies/);
    expect(refused({ defaultReplicationFactor: 3 })).toMatch(/default.replication.factor applies/);
    expect(refused({ minInsyncReplicas: 0 })).toMatch(/min.insync.replicas must be between 1/);
  });

  it("refuse unclean leader election, with or without a quorum", () => {
    for (const settings of [{}, { quorumVoters: QUORUM }]) {
      expect(refused({ ...settings, uncleanLeaderElectionEnable: true })).toMatch(
        /unclean.leader.election.enable=true is not supported/,
      );
    }
    expect(() => parseServerConfig("unclean.leader.election.enable=yes\n", "f")).toThrow(
      /needs true or false/,
    );
  });

  it("refuse a missing node id, bad ports, timeouts and factors", () => {
    const q = { quorumVoters: QUORUM };
    expect(() => resolveClusterOptions(q, {})).toThrow(/needs its own --node-id/);
    expect(refused(q, { nodeId: -1 })).toMatch(/--node-id must be a non-negative integer/);
    expect(refused({ ...q, controllerPort: 70000 })).toMatch(
      /--controller-port \(controller.port\) must be between 0 and 65535/,
    );
    expect(refused({ ...q, controllerPort: 9193 }, { nodeId: 4 })).toMatch(
      /--controller-port \(controller.port\) needs the controller role/,
    );
    expect(refused(q, { port: 9193 })).toMatch(/controller port 9193 is also --port/);
    expect(refused({ ...q, brokerHeartbeatIntervalMs: 1500 })).toMatch(
      /broker.heartbeat.interval.ms \(1500\) must be below broker.session.timeout.ms \(1500\)/,
    );
    expect(refused({ ...q, brokerSessionTimeoutMs: 0 })).toMatch(/between 1 and/);
    expect(refused({ ...q, replicaLagTimeMaxMs: -5 })).toMatch(/replica.lag.time.max.ms must be/);
    expect(refused({ ...q, defaultReplicationFactor: 0 })).toMatch(
      /default.replication.factor must be between 1 and 1000/,
    );
    expect(refused({ ...q, offsetsTopicReplicationFactor: 1001 })).toMatch(
      /offsets.topic.replication.factor must be/,
    );
    expect(refused({ ...q, minInsyncReplicas: 0 })).toMatch(/min.insync.replicas must be/);
    expect(refused({ ...q, rack: "rack a" })).toMatch(/--rack \(broker.rack\) must be 1 to 255/);
    expect(refused({ ...q, rack: "" })).toMatch(/--rack/);
    expect(refused({ ...q, advertisedHost: "host:9093" })).toMatch(
      /--advertised-host \(advertised.host\): "host:9093" is not a host name/,
    );
    expect(() => parseServerConfig("controller.port=high\n", "f")).toThrow(
      /controller.port needs an integer/,
    );
  });
});

describe("serve cluster flags", () => {
  it("reach the check: one line on stderr, exit 2, nothing started", async () => {
    const cases: [string[], RegExp][] = [
      [["--rack", "r1"], /--rack \(broker.rack\) applies to a cluster/],
      [["--process-roles", "broker"], /--process-roles \(process.roles\) applies to a cluster/],
      [["--controller-quorum", "1@127.0.0.1:9193,1@127.0.0.1:9194", "--node-id", "1"], /twice/],
      [["--controller-quorum", QUORUM], /needs its own --node-id/],
      [
        ["--controller-quorum", QUORUM, "--node-id", "4", "--process-roles", "controller"],
        /not in the quorum/,
      ],
      [[
        "--controller-quorum",
        QUORUM,
        "--node-id",
        "1",
        "--controller-port",
        "9300",
        "--port",
        "9300",
      ], /also --port/],
    ];
    for (const [flags, message] of cases) {
      const result = await cli(["serve", "--memory", ...flags]);
      expect(result.code, flags.join(" ")).toBe(2);
      expect(result.stderr, flags.join(" ")).toMatch(message);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stdout).toBe("");
    }
  });

  it("understand a good cluster node from the serve flags", () => {
    const options = resolveClusterOptions(
      { quorumVoters: QUORUM, rack: "r2", advertisedHost: "127.0.0.1" },
      { nodeId: 2 },
    );
    expect(options).toMatchObject({
      nodeId: 2,
      processRoles: ["broker", "controller"],
      voters: [
        { id: 1, host: "127.0.0.1", port: 9193 },
        { id: 2, host: "127.0.0.1", port: 9194 },
        { id: 3, host: "127.0.0.1", port: 9195 },
      ],
      rack: "r2",
      advertisedHost: "127.0.0.1",
    });
  });
});
