import { describe, expect, it } from "vitest";
import { MetadataImage } from "../../src/metadata/image.ts";
import type { MetadataRecord } from "../../src/metadata/records.ts";
import { InvariantViolation } from "../../src/model/errors.ts";

function topic(name: string, partitions: number): MetadataRecord[] {
  const out: MetadataRecord[] = [{
    type: "TopicRecord",
    name,
    topicId: `id-${name}`,
    internal: false,
  }];
  for (let p = 0; p < partitions; p++) {
    out.push({
      type: "PartitionRecord",
      topic: name,
      partition: p,
      replicas: [1],
      leader: 1,
      leaderEpoch: 0,
    });
  }
  return out;
}

describe("MetadataImage", () => {
  it("builds topics, partitions and configs from records", () => {
    const image = new MetadataImage();
    for (const r of topic("a", 3)) image.apply(r);
    image.apply({ type: "ConfigRecord", topic: "a", name: "retention.ms", value: "5" });
    image.apply({ type: "ConfigRecord", topic: "a", name: "segment.bytes", value: "4096" });
    image.apply({ type: "ConfigRecord", topic: "a", name: "segment.bytes", value: null });
    const a = image.topic("a")!;
    expect(a.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(a.configs).toEqual({ "retention.ms": "5" });
    expect(image.topicCount).toBe(1);
  });

  it("removes topics and allows re-creating them", () => {
    const image = new MetadataImage();
    for (const r of topic("a", 1)) image.apply(r);
    image.apply({ type: "RemoveTopicRecord", name: "a" });
    expect(image.topic("a")).toBeUndefined();
    for (const r of topic("a", 2)) image.apply(r);
    expect(image.topic("a")!.partitions).toHaveLength(2);
  });

  it("replays to the same image every time", () => {
    const log: MetadataRecord[] = [
      ...topic("a", 2),
      ...topic("b", 1),
      { type: "RemoveTopicRecord", name: "a" },
      { type: "ProducerIdsRecord", nextBlockStart: 1000 },
      { type: "ProducerIdsRecord", nextBlockStart: 2000 },
    ];
    const one = new MetadataImage();
    const two = new MetadataImage();
    for (const r of log) one.apply(r);
    for (const r of log) two.apply(r);
    expect([...one.topics()]).toEqual([...two.topics()]);
    expect(one.nextProducerIdBlockStart).toBe(2000);
  });

  it("asserts on records that contradict it", () => {
    const image = new MetadataImage();
    for (const r of topic("a", 1)) image.apply(r);
    const bad: MetadataRecord[] = [
      { type: "TopicRecord", name: "a", topicId: "x", internal: false },
      {
        type: "PartitionRecord",
        topic: "zz",
        partition: 0,
        replicas: [1],
        leader: 1,
        leaderEpoch: 0,
      },
      {
        type: "PartitionRecord",
        topic: "a",
        partition: 5,
        replicas: [1],
        leader: 1,
        leaderEpoch: 0,
      },
      { type: "RemoveTopicRecord", name: "zz" },
      { type: "ProducerIdsRecord", nextBlockStart: 0 },
    ];
    for (const r of bad) expect(() => image.apply(r)).toThrow(InvariantViolation);
  });
});
