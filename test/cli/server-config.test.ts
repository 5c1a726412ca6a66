import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/args/args.ts";
import { parseServerConfig } from "../../src/cli/server-config.ts";

describe("serve --config", () => {
  it("reads Kafka-style properties, with comments and topic defaults", () => {
    const options = parseServerConfig(
      "# broker\nnode.id=3\nlog.dirs = /var/lib/tributary\nport: 9999\nhttp.port=-1\n! note\n" +
        "auto.create.topics.enable=true\nnum.partitions=4\nlog.retention.ms=1000\nmessage.max.bytes=2048\n" +
        "log.open.files.max=300\n",
      "b.properties",
    );
    expect(options).toEqual({
      nodeId: 3,
      dataDir: "/var/lib/tributary",
      port: 9999,
      httpPort: null,
      autoCreateTopics: true,
      defaultPartitions: 4,
      openFilesMax: 300,
      topicDefaults: { "retention.ms": "1000", "max.message.bytes": "2048" },
    });
  });

  it("reads Kafka's classic group settings into the group coordinator's config", () => {
    expect(
      parseServerConfig(
        "group.initial.rebalance.delay.ms=0\ngroup.min.session.timeout.ms=1000\n" +
          "group.max.session.timeout.ms=60000\ngroup.max.size=50\n",
        "b.properties",
      ),
    ).toEqual({
      groupCoordinator: {
        classicInitialRebalanceDelayMs: 0,
        classicSessionTimeoutMsMin: 1000,
        classicSessionTimeoutMsMax: 60000,
        classicMembersPerGroupMax: 50,
      },
    });
    expect(parseServerConfig('{"groupMaxSize": 7}', "b.json")).toEqual({
      groupCoordinator: { classicMembersPerGroupMax: 7 },
    });
    expect(() => parseServerConfig("group.max.size=-1\n", "b.properties")).toThrow(
      /group.max.size must not be negative/,
    );
  });

  it("reads producer.id.expiration.ms and log.retention.check.interval.ms (broker configs)", () => {
    expect(
      parseServerConfig(
        "producer.id.expiration.ms=3600000\nlog.retention.check.interval.ms=1000\n",
        "b.properties",
      ),
    ).toEqual({ producerIdExpirationMs: 3_600_000, retentionCheckIntervalMs: 1000 });
    expect(
      parseServerConfig(
        '{"producerIdExpirationMs": 60000, "retentionCheckIntervalMs": 50}',
        "b.json",
      ),
    ).toEqual({ producerIdExpirationMs: 60_000, retentionCheckIntervalMs: 50 });
    expect(() => parseServerConfig("producer.id.expiration.ms=soon\n", "f")).toThrow(
      /producer.id.expiration.ms needs an integer/,
    );
  });

  it("reads JSON with the option names", () => {
    const options = parseServerConfig(
      '{"nodeId": 2, "dataDir": "d", "httpPort": 0, "storage": "memory", "openFilesMax": 64, "topicDefaults": {"segment.bytes": 4096}}',
      "b.json",
    );
    expect(options).toEqual({
      nodeId: 2,
      dataDir: "d",
      httpPort: 0,
      storage: "memory",
      openFilesMax: 64,
      topicDefaults: { "segment.bytes": "4096" },
    });
  });

  it("reads the connection limits by their Kafka names and as JSON", () => {
    const properties = parseServerConfig(
      "max.connections=500\nmax.connections.per.ip=20\nconnections.max.idle.ms=60000\n" +
        "http.headers.timeout.ms=5000\nconnection.response.bytes.max=1048576\n" +
        "response.bytes.max=67108864\n",
      "b.properties",
    );
    const limits = {
      connectionsMax: 500,
      connectionsPerIpMax: 20,
      connectionsIdleMsMax: 60_000,
      httpHeadersTimeoutMs: 5_000,
      connectionResponseBytesMax: 1_048_576,
      responseBytesMax: 67_108_864,
    };
    expect(properties).toEqual(limits);
    expect(parseServerConfig(JSON.stringify(limits), "b.json")).toEqual(limits);
    expect(() => parseServerConfig("max.connections=many\n", "f")).toThrow(UsageError);
  });

  it("rejects unknown keys, bad numbers and malformed files with the place named", () => {
    expect(() => parseServerConfig("colour=blue\n", "f")).toThrow(
      /f:1: unknown config key "colour"/,
    );
    expect(() => parseServerConfig("\nport=abc\n", "f")).toThrow(UsageError);
    expect(() => parseServerConfig("justtext\n", "f")).toThrow(/f:1: expected key=value/);
    expect(() => parseServerConfig("{not json", "f")).toThrow(/not valid JSON/);
    expect(() => parseServerConfig('{"colour": 1}', "f")).toThrow(/unknown config key/);
  });
});

describe("serve --config HTTP lists", () => {
  it("reads http.cors.origins and http.allowed.hosts as comma-separated lists", () => {
    const options = parseServerConfig(
      "http.cors.origins = https://a.example, http://localhost:3000 ,\nhttp.allowed.hosts=broker.lan\n",
      "b.properties",
    );
    expect(options).toEqual({
      httpCorsOrigins: ["https://a.example", "http://localhost:3000"],
      httpAllowedHosts: ["broker.lan"],
    });
  });

  it("takes JSON lists or strings", () => {
    const options = parseServerConfig(
      '{"httpCorsOrigins": ["https://a.example", "*"], "httpAllowedHosts": "x.lan,y.lan"}',
      "b.json",
    );
    expect(options).toEqual({
      httpCorsOrigins: ["https://a.example", "*"],
      httpAllowedHosts: ["x.lan", "y.lan"],
    });
  });
});
