// The Kafka listener's config keys (docs/kafka.md): kafka.port (-1 off) and
// socket.request.max.bytes, in properties and JSON files.
import { describe, expect, it } from "vitest";
import { parseServerConfig } from "../../src/cli/server-config.ts";

describe("kafka listener config", () => {
  it("properties: kafka.port and socket.request.max.bytes", () => {
    expect(
      parseServerConfig("kafka.port=19092\nsocket.request.max.bytes=1048576\n", "a.properties"),
    )
      .toMatchObject({ kafkaPort: 19092, kafkaRequestBytesMax: 1048576 });
    expect(parseServerConfig("kafka.port=-1\n", "a.properties").kafkaPort).toBeNull();
  });

  it("JSON: kafkaPort (null or -1 off) and kafkaRequestBytesMax", () => {
    expect(parseServerConfig('{"kafkaPort": 19093, "kafkaRequestBytesMax": 4096}', "a.json"))
      .toMatchObject({ kafkaPort: 19093, kafkaRequestBytesMax: 4096 });
    expect(parseServerConfig('{"kafkaPort": null}', "a.json").kafkaPort).toBeNull();
    expect(parseServerConfig('{"kafkaPort": -1}', "a.json").kafkaPort).toBeNull();
  });

  it("a non-integer port is a usage error", () => {
    expect(() => parseServerConfig("kafka.port=abc\n", "a.properties")).toThrow(/kafka.port/);
  });
});
