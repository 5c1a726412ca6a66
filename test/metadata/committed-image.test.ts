import { describe, expect, it } from "vitest";
import { CommittedImage } from "../../src/metadata/committed-image.ts";
import type { MetadataDelta } from "../../src/metadata/delta.ts";
import type { MetadataImage } from "../../src/metadata/image.ts";
import type { MetadataRecord } from "../../src/metadata/records.ts";
import { InvariantViolation } from "../../src/model/errors.ts";

function register(brokerId: number, incarnationId = "a", fenced = true): MetadataRecord {
  return {
    type: "RegisterBrokerRecord",
    brokerId,
    incarnationId,
    endpoints: [{ listener: "cbor", host: "127.0.0.1", port: 9000 + brokerId }],
    rack: null,
    fenced,
  };
}

function fence(brokerId: number, fenced: boolean, incarnationId = "a"): MetadataRecord {
  return { type: "BrokerRegistrationChangeRecord", brokerId, incarnationId, fenced };
}

function topic(name: string, topicId: string, partitions: number): MetadataRecord[] {
  const out: MetadataRecord[] = [{ type: "TopicRecord", name, topicId, internal: false }];
  for (let p = 0; p < partitions; p++) {
    out.push({
      type: "PartitionRecord",
      topic: name,
      partition: p,
      replicas: [1, 2],
      leader: 1,
      leaderEpoch: 0,
      isr: [1, 2],
      partitionEpoch: 0,
    });
  }
  return out;
}

/** The delta with only the given lists non-empty (the rest as an idle batch has them). */
function only(at: { offset: number; epoch: number }, fields: Partial<MetadataDelta>) {
  return {
    ...at,
    topicsCreated: [],
    topicsDeleted: [],
    configsChanged: [],
    partitionsChanged: [],
    brokersRegistered: [],
    brokersUnregistered: [],
    brokersFenced: [],
    brokersUnfenced: [],
    producerIdsChanged: false,
    refused: null,
    ...fields,
  };
}

describe("CommittedImage", () => {
  it("starts with nothing committed", () => {
    const committed = new CommittedImage();
    expect(committed.committedOffset).toBe(-1);
    expect(committed.committedEpoch).toBe(-1);
    expect(committed.image.topicCount).toBe(0);
  });

  it("reports what each committed batch changed, with its offset and epoch", () => {
    const c = new CommittedImage();
    expect(c.applyCommitted({ records: [register(1), register(2)], lastOffset: 1, epoch: 1 }))
      .toEqual(only({ offset: 1, epoch: 1 }, { brokersRegistered: [1, 2], brokersFenced: [1, 2] }));
    expect(
      c.applyCommitted({ records: [fence(1, false), fence(2, false)], lastOffset: 3, epoch: 1 }),
    )
      .toEqual(only({ offset: 3, epoch: 1 }, { brokersUnfenced: [1, 2] }));

    const created = c.applyCommitted({ records: topic("t", "t1", 2), lastOffset: 6, epoch: 2 });
    expect(created.topicsCreated).toEqual([{ name: "t", topicId: "t1" }]);
    expect(created.partitionsChanged.map((p) => [p.partition, p.before, p.leaderChanged])).toEqual([
      [0, null, true],
      [1, null, true],
    ]);
    expect(c.committedOffset).toBe(6);
    expect(c.committedEpoch).toBe(2);

    // Broker 1 fenced: the controller moves leadership of t-0 to 2 and shrinks both isrs.
    const failover = c.applyCommitted({
      records: [
        fence(1, true),
        {
          type: "PartitionChangeRecord",
          topicId: "t1",
          partition: 0,
          partitionEpoch: 0,
          leader: 2,
          isr: [2],
        },
        {
          type: "PartitionChangeRecord",
          topicId: "t1",
          partition: 1,
          partitionEpoch: 0,
          leader: 2,
          isr: [2],
        },
      ],
      lastOffset: 9,
      epoch: 2,
    });
    expect(failover.brokersFenced).toEqual([1]);
    expect(failover.partitionsChanged).toHaveLength(2);
    expect(failover.partitionsChanged[0]).toEqual({
      topic: "t",
      topicId: "t1",
      partition: 0,
      before: {
        partition: 0,
        replicas: [1, 2],
        isr: [1, 2],
        leader: 1,
        leaderEpoch: 0,
        partitionEpoch: 0,
      },
      after: {
        partition: 0,
        replicas: [1, 2],
        isr: [2],
        leader: 2,
        leaderEpoch: 1,
        partitionEpoch: 1,
      },
      leaderChanged: true,
      replicasChanged: false,
      isrChanged: true,
    });

    // Broker 1 back: unfenced, rejoins the isr of t-1 (same leader, no election).
    const rejoin = c.applyCommitted({
      records: [
        fence(1, false),
        {
          type: "PartitionChangeRecord",
          topicId: "t1",
          partition: 1,
          partitionEpoch: 1,
          isr: [2, 1],
        },
      ],
      lastOffset: 11,
      epoch: 3,
    });
    expect(rejoin.brokersUnfenced).toEqual([1]);
    expect(rejoin.partitionsChanged.map((p) => [p.partition, p.leaderChanged, p.isrChanged]))
      .toEqual([[1, false, true]]);

    // Config change, producer ids, a deletion and a re-creation under a new id in one batch.
    const churn = c.applyCommitted({
      records: [
        { type: "ConfigRecord", topic: "t", name: "retention.ms", value: "10" },
        { type: "ProducerIdsRecord", nextBlockStart: 1000 },
        ...topic("u", "u1", 1),
        { type: "RemoveTopicRecord", name: "t" },
        ...topic("t", "t2", 1),
      ],
      lastOffset: 20,
      epoch: 3,
    });
    expect(churn.topicsDeleted).toEqual([{ name: "t", topicId: "t1" }]);
    expect(churn.topicsCreated).toEqual([{ name: "t", topicId: "t2" }, {
      name: "u",
      topicId: "u1",
    }]);
    expect(churn.configsChanged).toEqual([]); // t1's config change went with t1
    expect(churn.producerIdsChanged).toBe(true);
    expect(churn.partitionsChanged.map((p) => [p.topicId, p.partition, p.before])).toEqual([
      ["t2", 0, null],
      ["u1", 0, null],
    ]);

    const unregister = c.applyCommitted({
      records: [
        { type: "UnregisterBrokerRecord", brokerId: 2, incarnationId: "a" },
        register(3, "b", false),
      ],
      lastOffset: 22,
      epoch: 3,
    });
    expect(unregister).toEqual(
      only({ offset: 22, epoch: 3 }, {
        brokersUnregistered: [2],
        brokersRegistered: [3],
        brokersUnfenced: [3],
      }),
    );
  });

  it("a leader moved away and back within one batch still shows as a leader change", () => {
    const c = new CommittedImage();
    c.applyCommitted({
      records: [register(1, "a", false), register(2, "a", false), ...topic("t", "t1", 1)],
      lastOffset: 0,
      epoch: 0,
    });
    const delta = c.applyCommitted({
      records: [
        {
          type: "PartitionChangeRecord",
          topicId: "t1",
          partition: 0,
          partitionEpoch: 0,
          leader: 2,
        },
        {
          type: "PartitionChangeRecord",
          topicId: "t1",
          partition: 0,
          partitionEpoch: 1,
          leader: 1,
        },
      ],
      lastOffset: 1,
      epoch: 0,
    });
    expect(
      delta.partitionsChanged.map((p) => [p.after.leader, p.after.leaderEpoch, p.leaderChanged]),
    )
      .toEqual([[1, 2, true]]);
  });

  it("a refused record refuses its whole batch, which still commits", () => {
    const c = new CommittedImage();
    c.applyCommitted({
      records: [register(1, "a", false), ...topic("t", "t1", 1)],
      lastOffset: 3,
      epoch: 1,
    });
    const before = c.image;
    const delta = c.applyCommitted({
      records: [
        { type: "ConfigRecord", topic: "t", name: "retention.ms", value: "10" },
        fence(1, true, "old-incarnation"),
      ],
      lastOffset: 5,
      epoch: 1,
    });
    expect(delta).toEqual(only({ offset: 5, epoch: 1 }, {
      refused: { index: 1, code: "STALE_BROKER_EPOCH", message: expect.any(String) as string },
    }));
    expect(c.image).toBe(before);
    expect(c.image.topic("t")!.configs).toEqual({});
    expect(c.committedOffset).toBe(5);
  });

  it("a topic record contradicting the image is a bug: asserts, commits nothing", () => {
    const c = new CommittedImage();
    c.applyCommitted({ records: topic("t", "t1", 1), lastOffset: 1, epoch: 1 });
    const before = c.image;
    const batch = { records: [register(1), ...topic("t", "t2", 1)], lastOffset: 3, epoch: 1 };
    expect(() => c.applyCommitted(batch)).toThrow(InvariantViolation);
    expect(c.image).toBe(before);
    expect(c.image.brokers()).toEqual([]);
    expect(c.committedOffset).toBe(1);
  });

  it("never changes an image it has published", () => {
    const c = new CommittedImage();
    const seen: MetadataImage[] = [];
    c.subscribe((_, image) => seen.push(image));
    c.applyCommitted({
      records: [register(1, "a", false), ...topic("t", "t1", 1)],
      lastOffset: 0,
      epoch: 0,
    });
    c.applyCommitted({
      records: [
        fence(1, true),
        {
          type: "PartitionChangeRecord",
          topicId: "t1",
          partition: 0,
          partitionEpoch: 0,
          leader: -1,
        },
        { type: "ConfigRecord", topic: "t", name: "x", value: "y" },
      ],
      lastOffset: 1,
      epoch: 0,
    });
    expect(seen).toHaveLength(2);
    expect(seen[0].broker(1)?.fenced).toBe(false);
    expect(seen[0].topic("t")!.partitions[0].leader).toBe(1);
    expect(seen[0].topic("t")!.configs).toEqual({});
    expect(seen[1].topic("t")!.partitions[0].leader).toBe(-1);
  });

  it("calls listeners in subscription order, after each batch, with the new image", () => {
    const c = new CommittedImage();
    const calls: string[] = [];
    const offA = c.subscribe((d, image) => calls.push(`a@${d.offset}:${image.brokers().length}`));
    c.subscribe((d) => {
      calls.push(`b@${d.offset}`);
      // Subscribing from inside a listener takes effect from the next batch.
      if (d.offset === 0) c.subscribe((d2) => calls.push(`c@${d2.offset}`));
    });
    c.applyCommitted({ records: [register(1)], lastOffset: 0, epoch: 0 });
    c.applyCommitted({ records: [register(2)], lastOffset: 1, epoch: 0 });
    offA();
    c.applyCommitted({ records: [], lastOffset: 2, epoch: 1 });
    expect(calls).toEqual(["a@0:1", "b@0", "a@1:2", "b@1", "c@1", "b@2", "c@2"]);
  });

  it("replays the whole image to a late subscriber that asks for it", () => {
    const c = new CommittedImage();
    c.applyCommitted({
      records: [register(1, "a", false), ...topic("t", "t1", 2)],
      lastOffset: 4,
      epoch: 2,
    });
    const got: MetadataDelta[] = [];
    c.subscribe((d) => got.push(d), { replay: true });
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      offset: 4,
      epoch: 2,
      topicsCreated: [{ name: "t", topicId: "t1" }],
      brokersRegistered: [1],
      brokersUnfenced: [1],
    });
    expect(got[0].partitionsChanged).toHaveLength(2);
  });

  it("one listener throwing does not keep the others from the batch", () => {
    const c = new CommittedImage();
    const calls: number[] = [];
    c.subscribe(() => {
      throw new Error("listener bug");
    });
    c.subscribe((d) => calls.push(d.offset));
    expect(() => c.applyCommitted({ records: [register(1)], lastOffset: 0, epoch: 0 })).toThrow(
      "listener bug",
    );
    expect(calls).toEqual([0]);
    expect(c.committedOffset).toBe(0);
  });

  it("asserts when offsets do not increase or epochs go back (a driver bug)", () => {
    const c = new CommittedImage();
    c.applyCommitted({ records: [], lastOffset: 5, epoch: 3 });
    expect(() => c.applyCommitted({ records: [], lastOffset: 5, epoch: 3 })).toThrow(
      InvariantViolation,
    );
    expect(() => c.applyCommitted({ records: [], lastOffset: 6, epoch: 2 })).toThrow(
      InvariantViolation,
    );
    expect(c.committedOffset).toBe(5);
  });

  it("starts from a snapshot's image, offset and epoch without sharing the image", () => {
    const first = new CommittedImage();
    first.applyCommitted({ records: [register(1)], lastOffset: 9, epoch: 4 });
    const second = new CommittedImage({ image: first.image, offset: 9, epoch: 4 });
    second.applyCommitted({ records: [fence(1, false)], lastOffset: 10, epoch: 4 });
    expect(first.image.broker(1)?.fenced).toBe(true);
    expect(second.image.broker(1)?.fenced).toBe(false);
    expect(second.committedOffset).toBe(10);
  });
});
