import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/args.ts";
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
