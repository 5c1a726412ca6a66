import { describe, expect, it } from "vitest";
import { collisionKey, validateTopicName } from "../../src/model/topic-name.ts";
import { thrownCode } from "../support/error-codes.ts";

describe("validateTopicName", () => {
  it("accepts Kafka-legal names", () => {
    for (const name of ["a", "orders", "Orders.v2", "my_topic-1", "...a", "x".repeat(249)]) {
      expect(thrownCode(() => validateTopicName(name))).toBeUndefined();
    }
  });

  it("rejects illegal names with INVALID_TOPIC_EXCEPTION", () => {
    const bad: unknown[] = ["", ".", "..", "x".repeat(250), "a b", "a/b", "é", "a\u0000", 5, null];
    for (const name of bad) {
      expect(thrownCode(() => validateTopicName(name))).toBe("INVALID_TOPIC_EXCEPTION");
    }
  });

  it("reserves the metadata topic", () => {
    expect(thrownCode(() => validateTopicName("__cluster_metadata"))).toBe(
      "INVALID_TOPIC_EXCEPTION",
    );
  });

  it("maps '.' and '_' to the same collision key", () => {
    expect(collisionKey("a.b_c")).toBe(collisionKey("a_b.c"));
    expect(collisionKey("a.b")).not.toBe(collisionKey("a-b"));
  });
});
