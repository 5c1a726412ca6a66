import { describe, expect, it } from "vitest";
import {
  effectiveTopicConfigs,
  logConfigOf,
  normalizeTopicConfigs,
  topicPolicyOf,
} from "../../src/broker/topic-config.ts";
import { thrownCode } from "../support/error-codes.ts";

describe("topic configs", () => {
  it("normalizes valid values", () => {
    expect(
      normalizeTopicConfigs({
        "retention.ms": " 1000 ",
        "segment.bytes": 4096,
        "cleanup.policy": "delete,compact",
        "message.timestamp.type": "LogAppendTime",
        "flush.messages": "9223372036854775807",
      }),
    ).toEqual({
      "retention.ms": "1000",
      "segment.bytes": "4096",
      "cleanup.policy": "compact,delete",
      "message.timestamp.type": "LogAppendTime",
      "flush.messages": "9223372036854775807",
    });
  });

  it("rejects unknown names and bad values with INVALID_CONFIG", () => {
    const bad: Array<Record<string, unknown>> = [
      { "no.such.config": "1" },
      { "retention.ms": "-2" },
      { "retention.ms": "ten" },
      { "retention.ms": "1.5" },
      { "segment.bytes": "10" },
      { "segment.bytes": "4294967296" },
      { "max.message.bytes": "-1" },
      { "cleanup.policy": "archive" },
      { "cleanup.policy": "delete,delete" },
      { "message.timestamp.type": "createtime" },
      { "min.insync.replicas": "0" },
      { "flush.ms": "9223372036854775806" },
      { "retention.bytes": true },
    ];
    for (const configs of bad) {
      expect(thrownCode(() => normalizeTopicConfigs(configs)), JSON.stringify(configs)).toBe(
        "INVALID_CONFIG",
      );
    }
    expect(thrownCode(() => normalizeTopicConfigs(["retention.ms"]))).toBe("INVALID_CONFIG");
  });

  it("fills defaults: explicit over broker defaults over Kafka's", () => {
    const eff = effectiveTopicConfigs({ "retention.ms": "5" }, {
      "retention.ms": "6",
      "segment.bytes": "2048",
    });
    expect(eff["retention.ms"]).toBe("5");
    expect(eff["segment.bytes"]).toBe("2048");
    expect(eff["max.message.bytes"]).toBe("1048588");
    expect(eff["cleanup.policy"]).toBe("delete");
    expect(Object.keys(eff)).toHaveLength(14);
    expect(eff["compression.type"]).toBe("producer");
    expect(eff["min.cleanable.dirty.ratio"]).toBe("0.5");
    expect(eff["delete.retention.ms"]).toBe("86400000");
  });

  it("maps to LogConfig and the broker's policy", () => {
    const eff = effectiveTopicConfigs({ "segment.bytes": "4096", "retention.bytes": "100" });
    const log = logConfigOf(eff);
    expect(log.segmentBytes).toBe(4096);
    expect(log.retentionBytes).toBe(100);
    expect(log.retentionMs).toBe(604800000);
    expect(log.flushMessages).toBe(Infinity);
    const policy = topicPolicyOf(
      effectiveTopicConfigs({ "message.timestamp.type": "LogAppendTime" }),
    );
    expect(policy).toEqual({
      maxMessageBytes: 1048588,
      timestampType: "LogAppendTime",
      cleanupPolicy: "delete",
      minInsyncReplicas: 1,
    });
    for (const [type, code] of [["uncompressed", 0], ["gzip", 1], ["snappy", 2], ["lz4", 3]]) {
      const eff = effectiveTopicConfigs(normalizeTopicConfigs({ "compression.type": type }));
      expect(topicPolicyOf(eff).compression).toBe(code);
    }
    expect(topicPolicyOf(effectiveTopicConfigs({ "compression.type": "zstd" })).compression)
      .toBe(4);
    expect(() => normalizeTopicConfigs({ "compression.type": "brotli" })).toThrow(
      /compression.type/,
    );
  });
});
