// Committed offsets and membership live in __consumer_offsets: they survive closing and
// reopening the broker, the topic is internal (no client produce, no deletion), and a group's
// partition is Kafka's abs(hashCode) % n.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONSUMER_OFFSETS_TOPIC } from "../../src/coordinator/offsets-topic.ts";
import {
  javaStringHashCode,
  offsetsPartitionFor,
} from "../../src/coordinator/offsets-partition.ts";
import { batch } from "../broker/helpers.ts";
import { type CoordinatorEnv, coordinatorEnv } from "./support.ts";
import { rejectionCode } from "../support/error-codes.ts";

let env: CoordinatorEnv;
beforeEach(async () => {
  env = await coordinatorEnv();
});
afterEach(async () => {
  await env.cleanup();
});

describe("GroupService over a real broker", () => {
  it("creates __consumer_offsets as an internal compacted topic, once", async () => {
    const node = await env.open({ offsetsTopicPartitions: 4 });
    const topic = node.broker.describeTopic(CONSUMER_OFFSETS_TOPIC);
    expect(topic.internal).toBe(true);
    expect(topic.partitions).toHaveLength(4);
    expect(topic.configs["cleanup.policy"]).toBe("compact");
    await node.close();
    // The count is fixed once the topic exists: a different setting does not move groups.
    const again = await env.open({ offsetsTopicPartitions: 9 });
    expect(again.groups.offsetsPartitions).toBe(4);
  });

  it("refuses client produce to and deletion or creation of __consumer_offsets", async () => {
    const node = await env.open();
    const produce = node.broker.produce({
      topic: CONSUMER_OFFSETS_TOPIC,
      partition: 0,
      batches: batch(["x"]),
      acks: 1,
    });
    expect(await rejectionCode(produce)).toBe("INVALID_TOPIC_EXCEPTION");
    expect(await rejectionCode(node.broker.deleteTopic(CONSUMER_OFFSETS_TOPIC))).toBe(
      "INVALID_TOPIC_EXCEPTION",
    );
    expect(await rejectionCode(node.broker.createTopic({ name: CONSUMER_OFFSETS_TOPIC }))).toBe(
      "INVALID_TOPIC_EXCEPTION",
    );
  });

  it("places groups as Kafka does: abs(String.hashCode) % n", () => {
    expect(javaStringHashCode("")).toBe(0);
    expect(javaStringHashCode("a")).toBe(97);
    expect(javaStringHashCode("hello")).toBe(99162322);
    // "polygenelubricants".hashCode() == Integer.MIN_VALUE; Kafka's Utils.abs maps it to 0.
    expect(javaStringHashCode("polygenelubricants")).toBe(-0x8000_0000);
    expect(offsetsPartitionFor("polygenelubricants", 50)).toBe(0);
    expect(javaStringHashCode("Aa")).toBe(javaStringHashCode("BB"));
    expect(offsetsPartitionFor("my-group", 50)).toBe(Math.abs(javaStringHashCode("my-group")) % 50);
  });

  it("keeps committed offsets and members across close and reopen", async () => {
    let node = await env.open();
    await node.broker.createTopic({ name: "orders", partitions: 3 });
    await node.groups.commitOffsets({
      groupId: "billing",
      memberId: "",
      memberEpoch: -1,
      offsets: [{ topic: "orders", partition: 1, offset: 42, metadata: "m" }],
    });
    const joined = await node.groups.heartbeat({
      groupId: "audit",
      memberId: "",
      memberEpoch: 0,
      subscribedTopics: ["orders"],
      sessionTimeoutMs: 60_000,
    });
    await node.close();

    node = await env.open();
    const offsets = await node.groups.fetchOffsets({ groupId: "billing" });
    expect(offsets).toMatchObject([
      { topic: "orders", partition: 1, offset: 42, metadata: "m", highWatermark: 0, lag: 0 },
    ]);
    const audit = node.groups.describeGroup("audit");
    expect(audit.members.map((m) => m.memberId)).toEqual([joined.memberId]);
    expect(audit.members[0].assignment).toEqual([{ topic: "orders", partitions: [0, 1, 2] }]);
    // The member carries on at its epoch after the restart.
    const beat = await node.groups.heartbeat({
      groupId: "audit",
      memberId: joined.memberId,
      memberEpoch: joined.memberEpoch,
      ownedPartitions: joined.assignment,
    });
    expect(beat.assignment).toEqual(joined.assignment);
    expect(env.reported).toEqual([]);
  });

  it("reports lag as high watermark minus committed, and every partition of a named topic", async () => {
    const node = await env.open();
    await node.broker.createTopic({ name: "t", partitions: 2 });
    await node.broker.produce({
      topic: "t",
      partition: 0,
      batches: batch(["a", "b", "c"]),
      acks: 1,
    });
    await node.groups.commitOffsets({
      groupId: "g",
      memberId: "",
      memberEpoch: -1,
      offsets: [{ topic: "t", partition: 0, offset: 1 }],
    });
    const offsets = await node.groups.fetchOffsets({ groupId: "g", topics: [{ topic: "t" }] });
    expect(offsets.map(({ topic, partition, offset, highWatermark, lag }) => ({
      topic,
      partition,
      offset,
      highWatermark,
      lag,
    }))).toEqual([
      { topic: "t", partition: 0, offset: 1, highWatermark: 3, lag: 2 },
      { topic: "t", partition: 1, offset: null, highWatermark: 0, lag: null },
    ]);
  });
});
