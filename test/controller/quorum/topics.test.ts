// Topic creation, deletion, partition growth, producer ids and preferred elections
// (src/controller/quorum/topics.ts, controller.ts).
import { describe, expect, it } from "vitest";
import { thrownCode } from "../../support/error-codes.ts";
import { Cluster, SESSION_MS } from "./harness.ts";

function create(c: Cluster, topic: Record<string, unknown>, validateOnly = false) {
  const d = c.controller.createTopics({
    topics: [topic as { name: string }],
    validateOnly,
  });
  c.commit(d);
  return { records: d.records, reply: d.reply.topics[0] };
}

describe("createTopics", () => {
  it("writes TopicRecord, v1 PartitionRecords (isr = replicas, leader replicas[0], epochs 0) and ConfigRecords", () => {
    const c = new Cluster();
    c.brokers(3);
    const { records, reply } = create(c, {
      name: "t",
      partitions: 2,
      replicationFactor: 2,
      configs: { "retention.ms": " 1000 " },
    });
    expect(reply.error).toBeNull();
    expect(reply.topicId).toBe(c.image.topic("t")!.topicId);
    expect(records.map((r) => r.type)).toEqual([
      "TopicRecord",
      "PartitionRecord",
      "PartitionRecord",
      "ConfigRecord",
    ]);
    for (const r of records) {
      if (r.type !== "PartitionRecord") continue;
      expect(r.isr).toEqual(r.replicas);
      expect(r.leader).toBe(r.replicas[0]);
      expect(r.leaderEpoch).toBe(0);
      expect(r.partitionEpoch).toBe(0);
      expect(r.replicas).toHaveLength(2);
    }
    // Normalized by the injected validator.
    expect(c.image.topic("t")!.configs).toEqual({ "retention.ms": "1000" });
  });

  it("refuses a replication factor above the unfenced brokers (INVALID_REPLICATION_FACTOR)", () => {
    const c = new Cluster();
    c.brokers(3);
    c.heartbeat(1, SESSION_MS - 1);
    c.heartbeat(2, SESSION_MS - 1);
    c.commit(c.controller.tick(SESSION_MS)); // 3 fenced: 2 unfenced left
    const { records, reply } = create(c, { name: "t", replicationFactor: 3 });
    expect(records).toEqual([]);
    expect(reply.error?.code).toBe("INVALID_REPLICATION_FACTOR");
    expect(create(c, { name: "t", replicationFactor: 0 }).reply.error?.code).toBe(
      "INVALID_REPLICATION_FACTOR",
    );
    const ok = create(c, { name: "t", replicationFactor: 2 });
    expect(ok.reply.error).toBeNull();
    for (const p of c.image.topic("t")!.partitions) expect(p.replicas).not.toContain(3);
  });

  it("uses default.replication.factor and num.partitions when not given (-1 or absent)", () => {
    const c = new Cluster(1, { defaultReplicationFactor: 2, defaultPartitions: 3 });
    c.brokers(2);
    expect(create(c, { name: "t", replicationFactor: -1 }).reply.error).toBeNull();
    const t = c.image.topic("t")!;
    expect(t.partitions).toHaveLength(3);
    expect(t.partitions[0].replicas).toHaveLength(2);
  });

  it("refuses bad names (INVALID_TOPIC_EXCEPTION), existing ones (TOPIC_ALREADY_EXISTS) and '.'/'_' collisions", () => {
    const c = new Cluster();
    c.brokers(1);
    expect(create(c, { name: "a b" }).reply.error?.code).toBe("INVALID_TOPIC_EXCEPTION");
    expect(create(c, { name: "__consumer_offsets" }).reply.error?.code).toBe(
      "INVALID_TOPIC_EXCEPTION",
    );
    expect(create(c, { name: "__consumer_offsets", internal: true }).reply.error).toBeNull();
    expect(create(c, { name: "a.b" }).reply.error).toBeNull();
    expect(create(c, { name: "a.b" }).reply.error?.code).toBe("TOPIC_ALREADY_EXISTS");
    expect(create(c, { name: "a_b" }).reply.error?.code).toBe("INVALID_TOPIC_EXCEPTION");
  });

  it("refuses partition counts outside [1, 10000] (INVALID_PARTITIONS)", () => {
    const c = new Cluster();
    c.brokers(1);
    expect(create(c, { name: "t", partitions: 0 }).reply.error?.code).toBe("INVALID_PARTITIONS");
    expect(create(c, { name: "t", partitions: 10_001 }).reply.error?.code).toBe(
      "INVALID_PARTITIONS",
    );
    expect(create(c, { name: "t", partitions: 1.5 }).reply.error?.code).toBe("INVALID_PARTITIONS");
  });

  it("refuses configs the injected validator refuses (INVALID_CONFIG)", () => {
    const c = new Cluster();
    c.brokers(1);
    const { records, reply } = create(c, { name: "t", configs: { bad: "1" } });
    expect(records).toEqual([]);
    expect(reply.error?.code).toBe("INVALID_CONFIG");
  });

  it("refuses a name given twice in one request (INVALID_REQUEST) and creates the others", () => {
    const c = new Cluster();
    c.brokers(1);
    const d = c.controller.createTopics({ topics: [{ name: "x" }, { name: "y" }, { name: "x" }] });
    c.commit(d);
    expect(d.reply.topics.map((t) => t.error?.code ?? null)).toEqual([
      "INVALID_REQUEST",
      null,
      "INVALID_REQUEST",
    ]);
    expect(c.image.topic("x")).toBeUndefined();
    expect(c.image.topic("y")).toBeDefined();
  });

  it("refuses a request creating more than 10000 partitions in all (INVALID_REQUEST)", () => {
    const c = new Cluster();
    c.brokers(1);
    const topics = [{ name: "x", partitions: 6000 }, { name: "y", partitions: 5000 }];
    expect(thrownCode(() => c.controller.createTopics({ topics }))).toBe("INVALID_REQUEST");
    expect(thrownCode(() => c.controller.deleteTopics(Array(10_001).fill("x")))).toBe(
      "INVALID_REQUEST",
    );
    expect(c.controller.image.topic("x")).toBeUndefined();
  });

  it("validateOnly runs every check and writes nothing", () => {
    const c = new Cluster();
    c.brokers(1);
    const ok = create(c, { name: "t" }, true);
    expect(ok.records).toEqual([]);
    expect(ok.reply).toEqual({ name: "t", error: null, topicId: null });
    expect(c.controller.image.topic("t")).toBeUndefined();
    expect(create(c, { name: "u", replicationFactor: 2 }, true).reply.error?.code).toBe(
      "INVALID_REPLICATION_FACTOR",
    );
  });

  it("spreads leaders over brokers across topics", () => {
    const c = new Cluster();
    c.brokers(3);
    for (const name of ["a", "b", "c", "d"]) {
      create(c, { name, partitions: 2, replicationFactor: 2 });
    }
    const counts = new Map<number, number>();
    for (const t of c.image.topics()) {
      for (const p of t.partitions) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
    }
    expect([...counts.values()].sort()).toEqual([2, 3, 3]);
  });

  it("places replicas on distinct racks when brokers have racks", () => {
    const c = new Cluster();
    c.brokers(4, ["r1", "r1", "r2", "r2"]);
    create(c, { name: "t", partitions: 8, replicationFactor: 2 });
    const rack = (b: number) => c.image.broker(b)!.rack;
    for (const p of c.image.topic("t")!.partitions) {
      expect(rack(p.replicas[0])).not.toBe(rack(p.replicas[1]));
    }
  });
});

describe("deleteTopics", () => {
  it("writes a RemoveTopicRecord; an unknown topic is UNKNOWN_TOPIC_OR_PARTITION", () => {
    const c = new Cluster();
    c.brokers(1);
    c.createTopic("t", 1, 1);
    const d = c.controller.deleteTopics(["t", "nope"]);
    c.commit(d);
    expect(d.records).toEqual([{ type: "RemoveTopicRecord", name: "t" }]);
    expect(d.reply.topics.map((t) => t.error?.code ?? null)).toEqual([
      null,
      "UNKNOWN_TOPIC_OR_PARTITION",
    ]);
    expect(c.image.topic("t")).toBeUndefined();
  });
});

describe("createPartitions", () => {
  it("adds PartitionRecords for the new indexes, placed like a new topic's", () => {
    const c = new Cluster();
    c.brokers(3);
    c.createTopic("t", 2, 2);
    const d = c.controller.createPartitions("t", 5);
    c.commit(d);
    const t = c.image.topic("t")!;
    expect(t.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4]);
    for (const p of t.partitions) {
      expect(p.replicas).toHaveLength(2);
      expect(new Set(p.replicas).size).toBe(2);
      expect(p.isr).toEqual(p.replicas);
    }
  });

  it("refuses shrinking or keeping the count (INVALID_PARTITIONS) and unknown topics", () => {
    const c = new Cluster();
    c.brokers(1);
    c.createTopic("t", 2, 1);
    expect(thrownCode(() => c.controller.createPartitions("t", 2))).toBe("INVALID_PARTITIONS");
    expect(thrownCode(() => c.controller.createPartitions("t", 1))).toBe("INVALID_PARTITIONS");
    expect(thrownCode(() => c.controller.createPartitions("u", 3))).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
  });

  it("refuses when too few brokers are unfenced for the topic's replication factor", () => {
    const c = new Cluster();
    c.brokers(2);
    c.createTopic("t", 1, 2);
    c.heartbeat(1, SESSION_MS - 1);
    c.commit(c.controller.tick(SESSION_MS));
    expect(thrownCode(() => c.controller.createPartitions("t", 2))).toBe(
      "INVALID_REPLICATION_FACTOR",
    );
  });
});

describe("alterTopicConfigs", () => {
  it("records only the configs that changed: new or changed values, null for removed ones", () => {
    const c = new Cluster();
    c.brokers(1);
    create(c, {
      name: "t",
      partitions: 1,
      configs: { "retention.ms": "1000", "segment.ms": "5000" },
    });
    const d = c.controller.alterTopicConfigs("t", {
      "retention.ms": "2000",
      "segment.ms": "5000",
      "cleanup.policy": "compact",
    });
    expect(d.records).toEqual([
      { type: "ConfigRecord", topic: "t", name: "cleanup.policy", value: "compact" },
      { type: "ConfigRecord", topic: "t", name: "retention.ms", value: "2000" },
    ]);
    c.commit(d);
    const removed = c.controller.alterTopicConfigs("t", { "cleanup.policy": "compact" });
    expect(removed.records).toEqual([
      { type: "ConfigRecord", topic: "t", name: "retention.ms", value: null },
      { type: "ConfigRecord", topic: "t", name: "segment.ms", value: null },
    ]);
    c.commit(removed);
    expect(c.image.topic("t")!.configs).toEqual({ "cleanup.policy": "compact" });
  });

  it("refuses unknown topics, configs the rules refuse and internal topics", () => {
    const c = new Cluster();
    c.brokers(1);
    create(c, { name: "t", partitions: 1 });
    create(c, { name: "__consumer_offsets", partitions: 1, internal: true });
    expect(thrownCode(() => c.controller.alterTopicConfigs("u", {}))).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    expect(thrownCode(() => c.controller.alterTopicConfigs("t", { bad: "1" })))
      .toBe("INVALID_CONFIG");
    expect(thrownCode(() => c.controller.alterTopicConfigs("__consumer_offsets", {}))).toBe(
      "INVALID_TOPIC_EXCEPTION",
    );
  });
});

describe("allocateProducerIds", () => {
  it("hands out consecutive blocks through ProducerIdsRecords", () => {
    const c = new Cluster();
    c.brokers(1);
    expect(c.commit(c.controller.allocateProducerIds(1, 1000)).start).toBe(0);
    // Decided before the first commits: builds on the speculative image.
    const second = c.controller.allocateProducerIds(1, 1000);
    const third = c.controller.allocateProducerIds(1, 10);
    c.commit(second);
    c.commit(third);
    expect([second.reply.start, third.reply.start]).toEqual([1000, 2000]);
    expect(c.image.nextProducerIdBlockStart).toBe(2010);
  });

  it("refuses unknown brokers (BROKER_ID_NOT_REGISTERED) and bad counts (INVALID_REQUEST)", () => {
    const c = new Cluster();
    c.brokers(1);
    expect(thrownCode(() => c.controller.allocateProducerIds(2, 10))).toBe(
      "BROKER_ID_NOT_REGISTERED",
    );
    expect(thrownCode(() => c.controller.allocateProducerIds(1, 0))).toBe("INVALID_REQUEST");
  });
});

describe("electLeaders", () => {
  it("moves leadership to the preferred replica where it is eligible and in the ISR", () => {
    const c = new Cluster(1, { autoLeaderRebalance: false });
    c.brokers(2);
    c.createTopic("t", 1, 2);
    c.heartbeat(2, 1000);
    c.commit(c.controller.tick(SESSION_MS)); // 1 fenced: 2 leads
    c.heartbeat(1, SESSION_MS + 1);
    c.heartbeat(2, SESSION_MS + 1);
    // 1 is unfenced but not in the ISR yet: nothing to elect.
    expect(c.controller.electLeaders().reply.elected).toEqual([]);
    const p = c.partition("t");
    c.commit(c.controller.alterPartition({
      brokerId: 2,
      incarnationId: "inc-2",
      partitions: [{
        topicId: c.image.topic("t")!.topicId,
        partition: 0,
        leaderEpoch: p.leaderEpoch,
        partitionEpoch: p.partitionEpoch,
        newIsr: [2, 1],
      }],
    }));
    const d = c.controller.electLeaders([{ topic: "t", partition: 0 }]);
    c.commit(d);
    expect(d.reply.elected).toEqual([{ topic: "t", partition: 0 }]);
    expect(c.partition("t").leader).toBe(1);
    expect(thrownCode(() => c.controller.electLeaders([{ topic: "t", partition: 3 }]))).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
  });
});
