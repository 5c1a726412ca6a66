import { describe, expect, it } from "vitest";
import { MetadataImage } from "../../src/metadata/image.ts";
import type { MetadataRecord, PartitionChangeRecord } from "../../src/metadata/records.ts";
import { thrownCode } from "../support/error-codes.ts";

const A = "inc-a";
const B = "inc-b";

function register(brokerId: number, incarnationId: string, fenced = false): MetadataRecord {
  return {
    type: "RegisterBrokerRecord",
    brokerId,
    incarnationId,
    endpoints: [{ listener: "cbor", host: "127.0.0.1", port: 9000 + brokerId }],
    rack: null,
    fenced,
  };
}

/** Brokers 1-3 unfenced, topic t (id tid) with one partition on [1, 2, 3] led by 1. */
function cluster(): MetadataImage {
  const image = new MetadataImage();
  for (const id of [1, 2, 3]) image.apply(register(id, A));
  image.apply({ type: "TopicRecord", name: "t", topicId: "tid", internal: false });
  image.apply({
    type: "PartitionRecord",
    topic: "t",
    partition: 0,
    replicas: [1, 2, 3],
    leader: 1,
    leaderEpoch: 0,
    isr: [1, 2, 3],
    partitionEpoch: 0,
  });
  return image;
}

function change(fields: Omit<PartitionChangeRecord, "type" | "topicId" | "partition">) {
  return { type: "PartitionChangeRecord", topicId: "tid", partition: 0, ...fields } as const;
}

function p0(image: MetadataImage) {
  return image.topic("t")!.partitions[0];
}

describe("MetadataImage: brokers", () => {
  it("registers, fences, unfences and unregisters by incarnation", () => {
    const image = new MetadataImage();
    image.apply(register(2, A, true));
    expect(image.broker(2)).toEqual({
      brokerId: 2,
      incarnationId: A,
      endpoints: [{ listener: "cbor", host: "127.0.0.1", port: 9002 }],
      rack: null,
      fenced: true,
    });
    image.apply({
      type: "BrokerRegistrationChangeRecord",
      brokerId: 2,
      incarnationId: A,
      fenced: false,
    });
    expect(image.broker(2)?.fenced).toBe(false);
    image.apply(register(1, A));
    expect(image.brokers().map((b) => b.brokerId)).toEqual([1, 2]);
    image.apply({ type: "UnregisterBrokerRecord", brokerId: 2, incarnationId: A });
    expect(image.broker(2)).toBeUndefined();
  });

  it("a new incarnation replaces the old registration, whose changes are then stale", () => {
    const image = new MetadataImage();
    image.apply(register(2, A));
    image.apply(register(2, B, true));
    expect(image.broker(2)).toMatchObject({ incarnationId: B, fenced: true });
    const stale = [
      { type: "BrokerRegistrationChangeRecord", brokerId: 2, incarnationId: A, fenced: false },
      { type: "UnregisterBrokerRecord", brokerId: 2, incarnationId: A },
    ] as const;
    for (const r of stale) expect(thrownCode(() => image.apply(r))).toBe("STALE_BROKER_EPOCH");
    expect(image.broker(2)).toMatchObject({ incarnationId: B, fenced: true });
  });

  it("refuses changes to a broker that is not registered", () => {
    const image = new MetadataImage();
    const r = {
      type: "BrokerRegistrationChangeRecord",
      brokerId: 7,
      incarnationId: A,
      fenced: true,
    } as const;
    expect(thrownCode(() => image.apply(r))).toBe("BROKER_ID_NOT_REGISTERED");
    expect(
      thrownCode(() =>
        image.apply({ type: "UnregisterBrokerRecord", brokerId: 7, incarnationId: A })
      ),
    )
      .toBe("BROKER_ID_NOT_REGISTERED");
  });

  it("refuses a record out of shape that never went through the codec", () => {
    const image = new MetadataImage();
    const bad = { ...register(1, A), brokerId: -5 };
    expect(thrownCode(() => image.apply(bad))).toBe("INVALID_RECORD");
    expect(image.brokers()).toEqual([]);
  });
});

describe("MetadataImage: partition changes", () => {
  it("a v0 partition record (every existing data dir) has isr = replicas, partition epoch 0", () => {
    const image = new MetadataImage();
    image.apply({ type: "TopicRecord", name: "t", topicId: "tid", internal: false });
    image.apply({
      type: "PartitionRecord",
      topic: "t",
      partition: 0,
      replicas: [4],
      leader: 4,
      leaderEpoch: 3,
    });
    expect(p0(image)).toEqual({
      partition: 0,
      replicas: [4],
      isr: [4],
      leader: 4,
      leaderEpoch: 3,
      partitionEpoch: 0,
    });
  });

  it("a leader change bumps both epochs; an isr change only the partition epoch", () => {
    const image = cluster();
    image.apply(change({ partitionEpoch: 0, isr: [1, 2] }));
    expect(p0(image)).toMatchObject({ leader: 1, isr: [1, 2], leaderEpoch: 0, partitionEpoch: 1 });
    image.apply(change({ partitionEpoch: 1, leader: 2 }));
    expect(p0(image)).toMatchObject({ leader: 2, isr: [1, 2], leaderEpoch: 1, partitionEpoch: 2 });
    // Re-electing the same leader is an election too (Kafka bumps the epoch the same way).
    image.apply(change({ partitionEpoch: 2, leader: 2 }));
    expect(p0(image)).toMatchObject({ leader: 2, leaderEpoch: 2, partitionEpoch: 3 });
    image.apply(change({ partitionEpoch: 3, replicas: [1, 2], isr: [2] }));
    expect(p0(image)).toMatchObject({
      replicas: [1, 2],
      isr: [2],
      leaderEpoch: 2,
      partitionEpoch: 4,
    });
    image.apply(change({ partitionEpoch: 4, leader: -1 }));
    expect(p0(image)).toMatchObject({ leader: -1, leaderEpoch: 3, partitionEpoch: 5 });
  });

  it("refuses a change computed from another partition epoch, older or newer", () => {
    const image = cluster();
    image.apply(change({ partitionEpoch: 0, isr: [1, 2] }));
    const before = structuredClone(p0(image));
    for (const partitionEpoch of [0, 2]) {
      expect(thrownCode(() => image.apply(change({ partitionEpoch, isr: [1] })))).toBe(
        "INVALID_UPDATE_VERSION",
      );
    }
    expect(p0(image)).toEqual(before);
  });

  it("refuses changes to a topic or partition that is not there", () => {
    const image = cluster();
    expect(
      thrownCode(() =>
        image.apply({ ...change({ partitionEpoch: 0, leader: 2 }), topicId: "gone" })
      ),
    )
      .toBe("UNKNOWN_TOPIC_ID");
    expect(
      thrownCode(() => image.apply({ ...change({ partitionEpoch: 0, leader: 2 }), partition: 1 })),
    )
      .toBe("UNKNOWN_TOPIC_OR_PARTITION");
    // The id of a deleted topic stays unknown when the name is re-created.
    image.apply({ type: "RemoveTopicRecord", name: "t" });
    image.apply({ type: "TopicRecord", name: "t", topicId: "tid-2", internal: false });
    expect(thrownCode(() => image.apply(change({ partitionEpoch: 0, leader: 2 })))).toBe(
      "UNKNOWN_TOPIC_ID",
    );
    expect(image.topicById("tid")).toBeUndefined();
    expect(image.topicById("tid-2")?.name).toBe("t");
  });

  it("refuses a leader outside the new isr and an isr outside the replicas", () => {
    const image = cluster();
    const before = structuredClone(p0(image));
    const bad = [
      change({ partitionEpoch: 0, isr: [2, 3] }), // drops the leader without electing another
      change({ partitionEpoch: 0, replicas: [2, 3] }), // the isr keeps 1
    ];
    for (const r of bad) expect(thrownCode(() => image.apply(r))).toBe("INVALID_REQUEST");
    expect(p0(image)).toEqual(before);
  });

  it("refuses a fenced or unregistered broker as leader or new isr member, not as one leaving", () => {
    const image = cluster();
    image.apply(change({ partitionEpoch: 0, isr: [1, 2] }));
    image.apply({
      type: "BrokerRegistrationChangeRecord",
      brokerId: 3,
      incarnationId: A,
      fenced: true,
    });
    expect(thrownCode(() => image.apply(change({ partitionEpoch: 1, isr: [1, 2, 3] })))).toBe(
      "INELIGIBLE_REPLICA",
    );
    image.apply({
      type: "BrokerRegistrationChangeRecord",
      brokerId: 2,
      incarnationId: A,
      fenced: true,
    });
    expect(thrownCode(() => image.apply(change({ partitionEpoch: 1, leader: 2 })))).toBe(
      "INELIGIBLE_REPLICA",
    );
    image.apply({ type: "UnregisterBrokerRecord", brokerId: 3, incarnationId: A });
    expect(thrownCode(() => image.apply(change({ partitionEpoch: 1, isr: [1, 2, 3] })))).toBe(
      "INELIGIBLE_REPLICA",
    );
    // A fenced member may stay in the isr or leave it; that is how the controller shrinks it.
    image.apply(change({ partitionEpoch: 1, isr: [1] }));
    expect(p0(image)).toMatchObject({ isr: [1], partitionEpoch: 2 });
  });

  it("clone(): changing the copy leaves the original alone", () => {
    const image = cluster();
    const copy = image.clone();
    copy.apply(change({ partitionEpoch: 0, leader: 2 }));
    copy.apply({
      type: "BrokerRegistrationChangeRecord",
      brokerId: 1,
      incarnationId: A,
      fenced: true,
    });
    copy.apply({ type: "ConfigRecord", topic: "t", name: "retention.ms", value: "1" });
    expect(p0(image)).toMatchObject({ leader: 1, partitionEpoch: 0 });
    expect(image.broker(1)?.fenced).toBe(false);
    expect(image.topic("t")!.configs).toEqual({});
    expect(p0(copy)).toMatchObject({ leader: 2, partitionEpoch: 1 });
  });

  it("clone() leaves the copy alone when the original changes afterwards", () => {
    const image = cluster();
    const copy = image.clone();
    image.apply(change({ partitionEpoch: 0, leader: 3 }));
    image.apply({ type: "ConfigRecord", topic: "t", name: "retention.ms", value: "1" });
    image.apply({ type: "RemoveTopicRecord", name: "t" });
    image.apply({ type: "UnregisterBrokerRecord", brokerId: 2, incarnationId: A });
    expect(p0(copy)).toMatchObject({ leader: 1, partitionEpoch: 0 });
    expect(copy.topic("t")!.configs).toEqual({});
    expect(copy.topicById("tid")?.name).toBe("t");
    expect(copy.broker(2)?.incarnationId).toBe(A);
    // And the copy, written in turn, leaves the original alone.
    copy.apply({ type: "ConfigRecord", topic: "t", name: "segment.bytes", value: "9" });
    expect(image.topic("t")).toBeUndefined();
  });
});

describe("ClusterIdRecord", () => {
  it("sets the cluster id once; the same id again is a no-op, another is INVALID_REQUEST", () => {
    const image = new MetadataImage();
    expect(image.clusterId).toBeNull();
    image.apply({ type: "ClusterIdRecord", clusterId: "abc" });
    expect(image.clusterId).toBe("abc");
    image.apply({ type: "ClusterIdRecord", clusterId: "abc" });
    expect(image.clusterId).toBe("abc");
    expect(thrownCode(() => image.apply({ type: "ClusterIdRecord", clusterId: "xyz" }))).toBe(
      "INVALID_REQUEST",
    );
    expect(image.clusterId).toBe("abc");
    expect(image.clone().clusterId).toBe("abc");
  });

  it("refuses an id that is not URL-safe base64 text (INVALID_RECORD)", () => {
    const image = new MetadataImage();
    expect(thrownCode(() => image.apply({ type: "ClusterIdRecord", clusterId: "a b" }))).toBe(
      "INVALID_RECORD",
    );
    expect(thrownCode(() => image.apply({ type: "ClusterIdRecord", clusterId: "" }))).toBe(
      "INVALID_RECORD",
    );
  });
});
