import { describe, expect, it } from "vitest";
import { MetadataImage } from "../../src/metadata/image.ts";
import { imageRecords } from "../../src/metadata/image-records.ts";
import type { MetadataRecord } from "../../src/metadata/records.ts";

describe("imageRecords (snapshot records)", () => {
  it("writes a single-node image as the version 0 records the topic store writes", () => {
    const log: MetadataRecord[] = [
      { type: "TopicRecord", name: "b", topicId: "id-b", internal: false },
      {
        type: "PartitionRecord",
        topic: "b",
        partition: 0,
        replicas: [1],
        leader: 1,
        leaderEpoch: 0,
      },
      { type: "ConfigRecord", topic: "b", name: "segment.bytes", value: "4096" },
      { type: "ConfigRecord", topic: "b", name: "cleanup.policy", value: "compact" },
      { type: "TopicRecord", name: "a", topicId: "id-a", internal: true },
      {
        type: "PartitionRecord",
        topic: "a",
        partition: 0,
        replicas: [1],
        leader: 1,
        leaderEpoch: 0,
      },
      { type: "ProducerIdsRecord", nextBlockStart: 1000 },
    ];
    const image = new MetadataImage();
    for (const r of log) image.apply(r);
    expect(imageRecords(image)).toEqual([log[4], log[5], log[0], log[1], log[3], log[2], log[6]]);
  });

  it("writes brokers and changed partitions with their epochs, and they rebuild the image", () => {
    const image = new MetadataImage();
    const endpoints = [{ listener: "cbor", host: "h", port: 1 }];
    for (const brokerId of [2, 1]) {
      image.apply({
        type: "RegisterBrokerRecord",
        brokerId,
        incarnationId: "i",
        endpoints,
        rack: null,
        fenced: false,
      });
    }
    image.apply({ type: "TopicRecord", name: "t", topicId: "tid", internal: false });
    image.apply({
      type: "PartitionRecord",
      topic: "t",
      partition: 0,
      replicas: [1, 2],
      leader: 1,
      leaderEpoch: 0,
      isr: [1, 2],
      partitionEpoch: 0,
    });
    image.apply({
      type: "PartitionChangeRecord",
      topicId: "tid",
      partition: 0,
      partitionEpoch: 0,
      leader: 2,
      isr: [2],
    });
    image.apply({
      type: "BrokerRegistrationChangeRecord",
      brokerId: 1,
      incarnationId: "i",
      fenced: true,
    });
    const records = imageRecords(image);
    expect(records.map((r) => r.type)).toEqual([
      "RegisterBrokerRecord",
      "RegisterBrokerRecord",
      "TopicRecord",
      "PartitionRecord",
    ]);
    expect(records[0]).toMatchObject({ brokerId: 1, fenced: true });
    expect(records[3]).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [2], partitionEpoch: 1 });
    const rebuilt = new MetadataImage();
    for (const r of records) rebuilt.apply(r);
    expect(rebuilt.topic("t")).toEqual(image.topic("t"));
    expect(rebuilt.brokers()).toEqual(image.brokers());
  });
});
