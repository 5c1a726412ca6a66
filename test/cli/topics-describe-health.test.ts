// `topics describe`'s header counts what a Kafka operator looks for first: under-replicated
// partitions (ISR smaller than the replicas) and partitions without a leader.
import { describe, expect, it } from "vitest";
import { describeTopicText } from "../../src/cli/topics.ts";
import type { PartitionDescription } from "../../src/model/descriptions.ts";

const part = (partition: number, leader: number, isr: number[]): PartitionDescription => ({
  partition,
  leader,
  leaderEpoch: 0,
  replicas: [1, 2, 3],
  isr,
  logStartOffset: 0,
  highWatermark: 0,
  sizeBytes: 0,
});

describe("topics describe header", () => {
  it("counts under-replicated and leaderless partitions", () => {
    const text = describeTopicText({
      name: "t",
      internal: false,
      configs: {},
      partitions: [part(0, 1, [1, 2, 3]), part(1, 1, [1]), part(2, -1, [3])],
    });
    expect(text.split("\n")[0]).toBe(
      "Topic t: 3 partitions, replication factor 3 (2 under-replicated, 1 without a leader)",
    );
  });

  it("says nothing more when every partition is healthy", () => {
    const text = describeTopicText({
      name: "t",
      internal: false,
      configs: {},
      partitions: [part(0, 1, [1, 2, 3])],
    });
    expect(text.split("\n")[0]).toBe("Topic t: 1 partition, replication factor 3");
  });
});
